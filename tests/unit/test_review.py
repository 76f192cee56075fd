"""``make review`` on a tracker store seeded through Rasa's own SQLTrackerStore, with the
language of each message (English, Spanish, none) shown, exported and filtered."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.language.detect import PARSE_KEY, Detection
from staff import review
from staff.review import clean_text, group_messages, in_language, read_events, unclear_messages

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
DIGIT_RUN = re.compile(r"\d{3}")
WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def said(text: str, intent: str, confidence: float, at: float,
         ranking: Optional[List[Dict[str, Any]]] = None, language: Any = "unset"
         ) -> UserUttered:
    """A visitor message; ``language``: the detector's code in the parse data ("unset": no
    detection at all, as in events recorded before the detector existed)."""
    parse: Dict[str, Any] = {
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    if language != "unset":
        words = len(text.split())
        parse[PARSE_KEY] = Detection(language, 0.99 if language else 0.0, bool(language),
                                     bool(language) and words >= 3, False, words,
                                     "model" if language else "none").as_parse_data()
    return UserUttered(text, intent={"name": intent, "confidence": confidence},
                       parse_data=parse, timestamp=at)


def did(action: str, at: float) -> ActionExecuted:
    return ActionExecuted(action, timestamp=at)


CONVERSATIONS: Dict[str, List[Event]] = {
    "visitor-a": [
        SessionStarted(timestamp=90.0),
        said("do you validate parking?", "nlu_fallback", 0.55, 100.0,
             [{"name": "nlu_fallback", "confidence": 0.55},
              {"name": "what_can_you_do", "confidence": 0.41}], language="en"),
        did("utter_please_rephrase", 100.5),
        BotUttered("Sorry, I didn't quite catch that.", timestamp=100.6),
        said("hello", "greet", 0.99, 200.0),
        did("utter_greet", 200.5),
        said("is parking validated", "what_can_you_do", 0.45, 300.0),
        did("utter_what_i_can_do", 300.5),
        said("/request_booking", "request_booking", 1.0, 400.0),
        did("booking_form", 400.5),
        ActiveLoop("booking_form", timestamp=400.6),
        SlotSet("requested_slot", "email", timestamp=400.7),
        # typed while the form collects contact details: never shown, even though unclear
        said("it's anna.lee@example.com", "nlu_fallback", 0.3, 410.0),
        did("utter_please_rephrase", 410.5),
        SlotSet("requested_slot", None, timestamp=420.0),
        ActiveLoop(None, timestamp=420.1),
        # confident, but the clarification handler asked "did you mean ...?"
        said("gift card for my mum", "faq", 0.8, 500.0, language="en"),
        did("action_clarify_did_you_mean", 500.5),
        said("help I think I'm having a heart attack", "emergency", 1.0, 550.0),
        did("utter_emergency", 550.5),
    ],
    "visitor-b": [
        said("Do you validate parking", "nlu_fallback", 0.55, 600.0, language="en"),
        did("utter_please_rephrase", 600.5),
        said("Hi, I'm Anna Lee, my number is 310 555 0100, what's your cancellation fee?",
             "nlu_fallback", 0.4, 50.0),
        did("utter_please_rephrase", 50.5),
    ],
}


# Spanish and language-less messages next to CONVERSATIONS (which has English ones and, in
# "is parking validated" and the cancellation fee, messages recorded without a detection).
SPANISH: Dict[str, List[Event]] = {
    "visitor-c": [
        said("¿tienen estacionamiento para clientes?", "nlu_fallback", 0.5, 700.0,
             language="es"),
        did("action_handle_unclear", 700.5),
        said("NMT??", "nlu_fallback", 0.3, 710.0, language=None),
        did("action_handle_unclear", 710.5),
        # a Spanglish wording of the parking group: grouped with it, in Spanish
        said("validate parking?", "nlu_fallback", 0.5, 720.0, language="es"),
        did("action_handle_unclear", 720.5),
        said("¿me pueden llamar mañana?", "ask_callback", 0.95, 730.0, language="es"),
        did("utter_callback", 730.5),  # understood: not listed
    ],
}


async def seed(path: Path, conversations: Optional[Dict[str, List[Event]]] = None) -> str:
    url = f"sqlite:///{path}"
    store = SQLTrackerStore(host=url)
    for sender, events in (conversations or CONVERSATIONS).items():
        tracker = DialogueStateTracker.from_events(
            sender, events, slots=[TextSlot("requested_slot", mappings=[])])
        await store.save(tracker)
    store.engine.dispose()
    return url


@pytest.fixture
async def database(tmp_path: Path) -> str:
    return await seed(tmp_path / "conversations.db")


@pytest.fixture
async def mixed_database(tmp_path: Path) -> str:
    return await seed(tmp_path / "mixed.db", {**CONVERSATIONS, **SPANISH})


def test_unclear_messages_are_found_and_private_ones_skipped(database: str) -> None:
    found = unclear_messages(read_events(database))
    assert sorted(message.text for message in found) == sorted([
        "do you validate parking?",
        "is parking validated",
        "gift card for my mum",
        "Do you validate parking",
        "Hi, I'm [name], my number is [phone], what's your cancellation fee?",
    ])
    guesses = {message.text: (message.guess, message.confidence) for message in found}
    assert guesses["do you validate parking?"] == ("what_can_you_do", 0.41)


def test_groups_are_ordered_by_frequency_then_recency(database: str) -> None:
    groups = group_messages(unclear_messages(read_events(database)))
    assert [(group.text, group.count) for group in groups] == [
        ("Do you validate parking", 3),  # two exact + "is parking validated"; newest wording
        ("gift card for my mum", 1),  # asked at 500
        ("Hi, I'm [name], my number is [phone], what's your cancellation fee?", 1),  # at 50
    ]
    assert groups[0].last_seen == 600.0
    assert groups[0].variants == ["is parking validated"]


def test_csv_export_has_no_contact_details(database: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "review.csv"
    assert review.main(["--database-url", database, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["question"] for row in rows][0] == "Do you validate parking"
    assert rows[0]["times_asked"] == "3"
    assert rows[0]["other_wordings"] == "is parking validated"
    # the scratch folder's name (e.g. pytest-100) is not visitor data
    printed = printed.replace(str(tmp_path), "<tmp>").replace(database, "<db>")
    for text in (printed, out.read_text(encoding="utf-8")):
        assert "Do you validate parking" in text
        assert not EMAIL.search(text)
        assert not DIGIT_RUN.search(WHEN.sub("", text))
        assert "Anna" not in text and "anna" not in text
        assert "heart attack" not in text
        assert "visitor-a" not in text  # never who asked


def test_spreadsheet_formulas_are_neutralised(tmp_path: Path) -> None:
    groups = group_messages([review.Unclear("=HYPERLINK(\"x\")", 1.0)])
    out = tmp_path / "review.csv"
    review.write_csv(groups, out)
    assert list(csv.DictReader(out.open()))[0]["question"].startswith("'=")


def test_no_database_yet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert review.main(["--database-url", url]) == 0
    assert "No conversations recorded yet" in capsys.readouterr().out
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("text, expected", [
    ("my name is anna, do you take cash?", "my name is [name], do you take cash?"),
    ("This is Sarah. Is there parking?", "This is [name]. Is there parking?"),
    ("I'm having neck pain", "I'm having neck pain"),
    ("write to a.b@example.org", "write to [email]"),
    ("anna@example.org", None),
])
def test_clean_text(text: str, expected: Optional[str]) -> None:
    assert clean_text(text) == expected


def test_relative_sqlite_paths_are_the_projects() -> None:
    assert review.resolve_database_url("sqlite:///var/conversations.db", Path("/srv/app")) == \
        "sqlite:////srv/app/var/conversations.db"
    assert review.resolve_database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert review.resolve_database_url("postgresql://u:p@h/db") == "postgresql://u:p@h/db"


# ------------------------------------------------------------------ the language of a message


def test_every_message_carries_its_language(mixed_database: str) -> None:
    found = {m.text: m.language for m in unclear_messages(read_events(mixed_database))}
    assert found == {
        "do you validate parking?": "en",
        "is parking validated": None,  # recorded before the detector: no language
        "gift card for my mum": "en",
        "Do you validate parking": "en",
        "Hi, I'm [name], my number is [phone], what's your cancellation fee?": None,
        "¿tienen estacionamiento para clientes?": "es",
        "NMT??": None,
        "validate parking?": "es",
    }


def test_groups_know_the_language_of_each_wording(mixed_database: str) -> None:
    groups = group_messages(unclear_messages(read_events(mixed_database)))
    summary = [(g.text, g.count, g.language, g.variants, g.variant_languages, g.languages)
               for g in groups]
    assert summary == [
        ("Do you validate parking", 4, "en", ["validate parking?", "is parking validated"],
         ["es", None], ["en", "es", None]),
        ("NMT??", 1, None, [], [], [None]),
        ("¿tienen estacionamiento para clientes?", 1, "es", [], [], ["es"]),
        ("gift card for my mum", 1, "en", [], [], ["en"]),
        ("Hi, I'm [name], my number is [phone], what's your cancellation fee?", 1, None, [],
         [], [None]),
    ]


@pytest.mark.parametrize("language, expected", [
    (None, ["Do you validate parking", "NMT??", "¿tienen estacionamiento para clientes?",
            "gift card for my mum",
            "Hi, I'm [name], my number is [phone], what's your cancellation fee?"]),
    ("en", ["Do you validate parking", "gift card for my mum"]),
    # the parking group has a Spanish wording, so it is kept (whole) for Spanish too
    ("es", ["Do you validate parking", "¿tienen estacionamiento para clientes?"]),
    ("none", ["Do you validate parking", "NMT??",
              "Hi, I'm [name], my number is [phone], what's your cancellation fee?"]),
])
def test_the_language_filter_keeps_whole_groups(mixed_database: str, language: Optional[str],
                                                expected: List[str]) -> None:
    groups = group_messages(unclear_messages(read_events(mixed_database)))
    assert [g.text for g in in_language(groups, language)] == expected


def test_make_review_prints_and_exports_the_languages(mixed_database: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "review.csv"
    assert review.main(["--database-url", mixed_database, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert '"Do you validate parking" [English] - asked 4 times' in printed
    assert 'also asked as: "validate parking?" [Español]; "is parking validated" [—]' in printed
    assert '"¿tienen estacionamiento para clientes?" [Español] - asked once' in printed
    assert '"NMT??" [—] - asked once' in printed
    with out.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == review.CSV_COLUMNS
        rows = {row["question"]: row for row in reader}
    assert (rows["Do you validate parking"]["language"],
            rows["Do you validate parking"]["other_wordings"],
            rows["Do you validate parking"]["other_wordings_languages"]) == \
        ("English", "validate parking? | is parking validated", "Español | —")
    assert rows["¿tienen estacionamiento para clientes?"]["language"] == "Español"
    assert rows["NMT??"]["language"] == "—"
    assert rows["gift card for my mum"]["other_wordings_languages"] == ""


def test_make_review_language_filter(mixed_database: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "spanish.csv"
    assert review.main(["--database-url", mixed_database, "--language", "ES",
                        "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "with a message in Español, most frequent first" in printed
    assert "gift card" not in printed and "NMT??" not in printed
    with out.open(encoding="utf-8") as handle:
        assert [row["question"] for row in csv.DictReader(handle)] == [
            "Do you validate parking", "¿tienen estacionamiento para clientes?"]
    assert review.main(["--database-url", mixed_database, "--language", "none"]) == 0
    assert '"NMT??" [—]' in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        review.main(["--database-url", mixed_database, "--language", "fr"])
    assert refused.value.code == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_nothing_in_a_language(database: str, capsys: pytest.CaptureFixture) -> None:
    assert review.main(["--database-url", database, "--language", "es"]) == 0
    assert "Nothing to review in" in capsys.readouterr().out
