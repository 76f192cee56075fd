"""The review inbox over HTTP: tracker events written into the console's database the way
Rasa's SQL tracker store writes them; grouping, redaction, "Add as a wording of…", "New FAQ
from this", "Dismiss", handled groups staying gone, the audit entries, and each message's language
(English, Español, —) with the language filter."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
from typing import Dict, Iterator, List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.language.detect import PARSE_KEY, Detection
from tests.console.conftest import ADMIN, Running, start_console, stop_console

EMAIL, PHONE = "anna.lee@example.com", "310 555 0100"
_GROUP = re.compile(r'action="/review/([0-9a-f]{64})/dismiss"')


def unclear(text: str, at: float, intent: str = "nlu_fallback",
            confidence: float = 0.3, language: object = "unset") -> List[Event]:
    """A visitor message and the assistant's "please rephrase"; ``language``: the language
    detector's code in its parse data ("unset": recorded without a detection)."""
    parse: dict = {"intent_ranking": [{"name": intent, "confidence": confidence}]}
    if language != "unset":
        code = language if isinstance(language, str) else None
        parse[PARSE_KEY] = Detection(code, 0.99 if code else 0.0, bool(code), bool(code),
                                     False, len(text.split()),
                                     "model" if code else "none").as_parse_data()
    return [UserUttered(text, intent={"name": intent, "confidence": confidence},
                        parse_data=parse, timestamp=at),
            ActionExecuted("utter_please_rephrase", timestamp=at + 0.5)]


def record(console: Running, conversations: Dict[str, List[Event]]) -> None:
    """Saves conversations through Rasa's own SQLTrackerStore into the console's database."""
    async def save() -> None:
        store = SQLTrackerStore(host=console.env["DATABASE_URL"])
        for sender, events in conversations.items():
            tracker = DialogueStateTracker.from_events(
                sender, events, slots=[TextSlot("requested_slot", mappings=[])])
            await store.save(tracker)
        store.engine.dispose()

    asyncio.run(save())


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A console whose tracker store holds unclear, private and clear messages."""
    running = start_console(tmp_path_factory.mktemp("review"))
    record(running, {
        "v1": unclear("do you validate parking?", 100.0),
        "v2": [*unclear("Do you validate parking", 200.0),
               *unclear("is parking validated", 300.0, "what_can_you_do", 0.45)],
        "v3": unclear(f"Hi, my email is {EMAIL} and phone {PHONE}, can I bring my dog?",
                      400.0),
        "v4": [*unclear("gift voucher for my mum", 500.0),
               UserUttered("hello", intent={"name": "greet", "confidence": 0.99},
                           timestamp=510.0),
               ActionExecuted("utter_greet", timestamp=510.5)],
        "v5": unclear("do you sell massage oil", 600.0),
    })
    yield running
    stop_console(running)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _groups(page: str) -> Dict[str, str]:
    """Group heading text -> group id."""
    found = {}
    for section in page.split('<section class="card review-group"')[1:]:
        heading = _text(section.split("</h3>")[0].split(">", 2)[-1]).strip(" “”")
        found[heading] = _GROUP.search(section).group(1)
    return found


def _audit(console: Running) -> str:
    return _text(console.signed_in(ADMIN[0]).get("/audit").text)


def test_groups_are_shown_redacted_with_counts_and_actions(console: Running) -> None:
    page = console.signed_in().get("/review")
    assert page.status == 200
    text = _text(page.text)
    groups = _groups(page.text)
    assert "Do you validate parking" in groups and "is parking validated" not in groups
    parking = page.text.split(groups["Do you validate parking"])[0].rsplit("<section", 1)[1]
    assert "Asked 3 times" in _text(parking) and "is parking validated" in _text(parking)
    assert "gift voucher for my mum" in groups and "hello" not in groups
    dog = next(heading for heading in groups if "dog" in heading)
    assert "[email]" in dog and "[phone]" in dog
    assert EMAIL not in page.text and PHONE not in page.text
    assert "555" not in text and "anna" not in text.lower()
    for label in ("Add as a wording of…", "New FAQ from this", "Dismiss"):
        assert label in text
    assert 'for="faq-1"' in page.text and '<option value="prices">' in page.text


def test_add_as_a_wording_and_it_stays_gone(console: Running) -> None:
    ana = console.signed_in()
    group = _groups(ana.get("/review").text)["Do you validate parking"]
    added = ana.post(f"/review/{group}/add", {"faq": "prices"}, page="/review")
    assert added.status == 302 and added.header("location").startswith("/faqs/prices?saved=1")
    faq_page = ana.get(added.header("location")).text
    ways = html.unescape(faq_page.split('id="ways"')[1].split("</textarea>")[0])
    assert "Do you validate parking" in ways
    assert "Saved in the draft" in faq_page  # the FAQ's form, with the checks of the draft
    assert "Do you validate parking" not in _groups(ana.get("/review").text)
    # the same text asked again does not come back; a different question does
    record(console, {"v6": unclear("do you VALIDATE parking", 700.0),
                     "v7": unclear("can I pay with a credit card", 710.0)})
    groups = _groups(ana.get("/review").text)
    assert not any("validate parking" in heading.lower() for heading in groups)
    assert "can I pay with a credit card" in groups
    log = _audit(console)
    assert "review: added as wording" in log and "FAQ prices" in log
    assert "validate parking" not in log.lower()


def test_dismiss_needs_the_token_and_removes_the_group(console: Running) -> None:
    ana = console.signed_in()
    group = _groups(ana.get("/review").text)["gift voucher for my mum"]
    refused = ana.request("POST", f"/review/{group}/dismiss", form={})
    assert refused.status == 403
    assert "gift voucher for my mum" in _groups(ana.get("/review").text)
    done = ana.post(f"/review/{group}/dismiss", {}, page="/review")
    assert done.status == 302 and done.header("location") == "/review?done=dismissed"
    page = ana.get("/review?done=dismissed").text
    assert "gift voucher for my mum" not in _groups(page) and "Dismissed." in page
    again = ana.post(f"/review/{group}/dismiss", {}, page="/review")
    assert again.header("location") == "/review?done=gone"
    assert "review: dismissed" in _audit(console)


def test_new_faq_from_this(console: Running) -> None:
    ana = console.signed_in()
    group = _groups(ana.get("/review").text)["do you sell massage oil"]
    form = ana.get(f"/faqs/new?review={group}").text
    assert "do you sell massage oil" in form.split('id="ways"')[1].split("</textarea>")[0]
    assert f'name="review" value="{group}"' in form
    created = ana.post("/faqs/new", {
        "question": "Do you sell massage oil?", "review": group,
        "ways": "do you sell massage oil\ncan I buy the oil\nis the oil for sale",
        "answer": "Ask at the front desk. {clinic_contact}"}, page="/faqs/new")
    assert created.status == 302 and created.header("location").startswith(
        "/faqs/do_you_sell_massage_oil")
    assert "do you sell massage oil" not in _groups(ana.get("/review").text)
    assert "review: new faq" in _audit(console)


def test_only_hashes_of_handled_messages_are_kept(console: Running) -> None:
    ana = console.signed_in()
    group = next(gid for heading, gid in _groups(ana.get("/review").text).items()
                 if "dog" in heading)
    ana.post(f"/review/{group}/dismiss", {}, page="/review")
    path = console.env["DATABASE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("select key, action from console_review_handled").fetchall()
    assert rows and all(re.fullmatch(r"[0-9a-f]{64}", key) for key, _action in rows)
    assert {action for _key, action in rows} >= {"dismissed"}
    assert EMAIL not in console.log_text() and PHONE not in console.log_text()


def test_message_keys_ignore_case_and_punctuation() -> None:
    from staff.console.inbox import message_key

    assert message_key("Do you validate parking?") == message_key("do you VALIDATE parking")
    assert message_key("do you validate parking") != message_key("do you validate tickets")
    assert "parking" not in message_key("parking")


def _group_section(page: str, heading: str) -> str:
    for section in page.split('<section class="card review-group"')[1:]:
        if _text(section.split("</h3>")[0].split(">", 2)[-1]).strip(" “”") == heading:
            return section
    raise AssertionError(f"no group {heading!r}")


def test_each_message_shows_its_language_and_the_inbox_filters_by_it(
        console: Running) -> None:
    record(console, {
        "l1": unclear("¿hacen masajes a domicilio?", 800.0, language="es"),
        "l2": [*unclear("do you do home visits for massage", 810.0, language="en"),
               *unclear("home visits for massage?", 820.0, language="es")],  # Spanglish
        "l3": unclear("NMT??", 830.0, language=None),
        "l4": unclear("¿cuánto cuesta el estacionamiento?", 840.0, language="es"),
        "l5": unclear("a receipt for my insurer", 850.0),
    })
    ana = console.signed_in()
    page = ana.get("/review").text
    assert 'id="language"' in page and "All languages" in page
    home = _text(_group_section(page, "home visits for massage?"))
    assert "Language: Español" in home
    assert "“do you do home visits for massage” (English)" in home
    assert "Language: Español" in _text(_group_section(page, "¿hacen masajes a domicilio?"))
    assert "Language: —" in _text(_group_section(page, "NMT??"))
    # recorded before the language detector: no language either
    assert "Language: —" in _text(_group_section(page, "a receipt for my insurer"))

    spanish = ana.get("/review?language=es")
    assert spanish.status == 200
    assert list(_groups(spanish.text)) == [  # most frequent, then most recent first
        "home visits for massage?", "¿cuánto cuesta el estacionamiento?",
        "¿hacen masajes a domicilio?"]
    assert "group(s) to review with a message in Español" in _text(spanish.text)
    assert '<option value="es" selected>Español</option>' in spanish.text
    assert list(_groups(ana.get("/review?language=en").text)) == ["home visits for massage?"]
    without = _groups(ana.get("/review?language=none").text)
    assert "NMT??" in without and "home visits for massage?" not in without
    assert all("¿" not in heading for heading in without)

    unknown = ana.get("/review?language=fr")
    assert unknown.status == 400
    assert "Choose English, Español or “No language”" in html.unescape(unknown.text)

    # an action keeps the filter; the group is the same with or without it
    group = _groups(spanish.text)["¿hacen masajes a domicilio?"]
    assert group == _groups(page)["¿hacen masajes a domicilio?"]
    done = ana.post(f"/review/{group}/dismiss", {"language": "es"}, page="/review?language=es")
    assert done.status == 302
    assert done.header("location") == "/review?done=dismissed&language=es"
    left = ana.get(done.header("location")).text
    assert "Dismissed." in left and "¿hacen masajes a domicilio?" not in _groups(left)
    assert 'name="language" value="es"' in left
