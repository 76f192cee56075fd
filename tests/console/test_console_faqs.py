"""The FAQ pages over HTTP against a running console: create, edit, delete, a stale save,
inline checks, publish (success and a refusal in the gate's words), history, roll back,
try it, search, and the audit entries they leave."""

from __future__ import annotations

import html
import re
import sqlite3
from typing import Dict

from tests.console.conftest import ADMIN, Running

PARKING_WAYS = ["where can i leave my car", "can I park near the clinic",
                "do you have parking for patients", "is parking free at your clinic",
                "where should I park when I come in"]
GIFT_ANSWER = ("Our front desk can tell you whether gift cards are available and how to "
               "get one. {clinic_contact}")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _faq(question: str, ways: list, answer: str) -> Dict[str, str]:
    return {"question": question, "ways": "\n".join(ways), "answer": answer}


def _revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, page[:2000]
    return found.group(1)


def _live(console: Running) -> int:
    path = console.env["DATABASE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(path) as connection:
        return connection.execute("select live_version from faq_head").fetchone()[0]


def test_create_check_inline_edit_conflict_delete(console: Running) -> None:
    ana, bob = console.signed_in(), console.signed_in(ADMIN[0])
    # a new FAQ with too few ways of asking: saved in the draft, the check beside the field
    created = ana.post("/faqs/new", _faq("Do you have showers?", ["can I shower after"],
                                          "Yes, there is a shower."), page="/faqs/new")
    assert created.status == 302 and created.header("location").startswith(
        "/faqs/do_you_have_showers")
    page = ana.get("/faqs/do_you_have_showers").text
    ways_field = page.split('id="ways"')[1].split("</div>")[0]
    assert "Problem: only 1 different way(s) of asking" in ways_field
    assert 'aria-invalid="true"' in page.split('id="ways"')[0][-300:] + ways_field[:300]
    # search finds it by a way of asking
    link = '<a href="/faqs/do_you_have_showers">'
    assert link in ana.get("/faqs?q=shower+after").text
    assert link not in ana.get("/faqs?q=gift").text
    # two staff open the same FAQ; ana saves first, bob's stale save is refused
    opened_by_ana = ana.get("/faqs/do_you_have_showers").text
    opened_by_bob = bob.get("/faqs/do_you_have_showers").text
    ways = ["can I shower after", "is there a shower", "do you have showers",
            "can i take a shower after my massage", "shower available?"]
    saved = ana.request("POST", "/faqs/do_you_have_showers", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(opened_by_ana),
        **_faq("Do you have showers?", ways, "Yes, there is a shower.")})
    assert saved.status == 302
    stale = bob.request("POST", "/faqs/do_you_have_showers", form={
        "csrf": bob.get("/faqs").csrf(), "revision": _revision(opened_by_bob),
        **_faq("Do you have a shower?", ["bob's wording"], "Bob's answer.")})
    assert stale.status == 409
    text = _text(stale.text)
    assert "Not saved: ana saved this FAQ" in text
    assert "Bob's answer." in text and "Yes, there is a shower." in text  # both kept
    after = _text(ana.get("/faqs/do_you_have_showers").text)
    assert "Bob's answer" not in after and "is there a shower" in after
    # delete (with the current revision)
    current = ana.get("/faqs/do_you_have_showers/delete").text
    deleted = ana.request("POST", "/faqs/do_you_have_showers/delete", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(current)})
    assert deleted.status == 302
    assert '<a href="/faqs/do_you_have_showers">' not in ana.get("/faqs").text
    log = _text(bob.get("/audit").text)
    for entry in ("faq added to draft", "faq saved in draft", "faq save refused",
                  "faq deleted from draft"):
        assert entry in log


def test_publish_refused_then_published_history_and_roll_back(console: Running) -> None:
    ana = console.signed_in()
    assert _live(console) == 1
    # the gift cards' answer again: the gate refuses, in its own words
    ana.post("/faqs/new", _faq("Is there parking?", PARKING_WAYS, GIFT_ANSWER),
             page="/faqs/new")
    refused = ana.post("/publish", {})
    assert refused.status == 409
    text = _text(refused.text)
    assert "NOT published, because something would get worse" in text
    assert ("The FAQs 'Do you offer gift cards?' and 'Is there parking?' give (almost) the "
            "same answer") in text
    assert _live(console) == 1
    # fixed: published as version 2 by ana
    page = ana.get("/faqs/is_there_parking").text
    fixed = ana.request("POST", "/faqs/is_there_parking", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(page),
        **_faq("Is there parking?", PARKING_WAYS,
               "Our front desk can tell you where to park. {clinic_contact}")})
    assert fixed.status == 302
    published = ana.post("/publish", {})
    assert published.status == 200, _text(published.text)
    assert "Published FAQ version 2 by ana: added 'Is there parking?'" in _text(published.text)
    assert _live(console) == 2
    # try it against the draft
    tried = _text(ana.post("/try", {"message": "where do I park my car"}).text)
    assert "the FAQ “Is there parking?” would answer" in tried
    nothing = _text(ana.post("/try", {"message": "what is the capital of France"}).text)
    assert "no FAQ would answer" in nothing
    # history, then roll back to version 1
    history = ana.get("/history")
    text = _text(history.text)
    assert re.search(r"2 \(live\) ana \S+ \S+ added 'Is there parking\?'", text), text
    rolled = ana.request("POST", "/history/rollback", form={
        "csrf": history.csrf(), "version": "1", "live": "2"})
    assert rolled.status == 200, _text(rolled.text)
    assert "Rolled back: FAQ version 1" in _text(rolled.text)
    assert _live(console) == 1
    assert '<a href="/faqs/is_there_parking">' not in ana.get("/faqs").text  # draft: v1
    # a roll back based on a version that is no longer live is refused
    stale = ana.request("POST", "/history/rollback", form={
        "csrf": history.csrf(), "version": "2", "live": "2"})
    assert stale.status == 409 and "Nothing was rolled back" in _text(stale.text)
    assert _live(console) == 1
    log = _text(console.signed_in(ADMIN[0]).get("/audit").text)
    assert "publish refused" in log and "published" in log and "rolled back" in log


def test_navigation_labels(console: Running) -> None:
    nav = console.signed_in().get("/faqs").text
    for label in (">FAQs<", ">Review<"):
        assert label in nav
    assert ">Bookings<" not in nav  # admins only (tests/console/test_console_bookings.py)


def test_html_in_an_faq_is_shown_as_text(console: Running) -> None:
    ana = console.signed_in()
    ana.post("/faqs/new", _faq("<img src=x onerror=alert(1)>", ["a"],
                               "<script>alert(1)</script>"), page="/faqs/new")
    listing = ana.get("/faqs").text
    assert "<img src=x" not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing
    page = ana.get("/faqs/img_src_x_onerror_alert_1").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
