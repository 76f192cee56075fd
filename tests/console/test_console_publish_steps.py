"""Publishing with progress over HTTP against a running console: the background job and its
status URL (every step reaches its final state; a refusal stops at the step that refused and
says why in staff words), the plain form POST still answering with the outcome and the steps,
and the buttons under an answer edited in the form, checked inline, published into the FAQ
store's version."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import time
from typing import Any, Dict

from tests.console.client import Client
from tests.console.conftest import Running

PARKING_WAYS = ["where can i leave my car", "can I park near the clinic",
                "do you have parking for patients", "is parking free at your clinic",
                "where should I park when I come in"]
GIFT_ANSWER = ("Our front desk can tell you whether gift cards are available and how to "
               "get one. {clinic_contact}")
STEP_KEYS = ["check", "gate", "save", "live"]
RANK = {"waiting": 0, "running": 1, "done": 2, "failed": 2, "skipped": 2}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _database(console: Running) -> str:
    return console.env["DATABASE_URL"].replace("sqlite:///", "")


def _live(console: Running) -> int:
    with sqlite3.connect(_database(console)) as connection:
        return connection.execute("select live_version from faq_head").fetchone()[0]


def _stored_record(console: Running, version: int, name: str) -> Dict[str, Any]:
    with sqlite3.connect(_database(console)) as connection:
        content = connection.execute("select content from faq_versions where version = ?",
                                     (version,)).fetchone()[0]
    return next(record for record in json.loads(content) if record["name"] == name)


def _revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, page[:2000]
    return found.group(1)


def _run_job(client: Client) -> Dict[str, Any]:
    """Starts a publish job and polls its status URL until it has finished."""
    started = client.request("POST", "/publish/jobs", form={"csrf": client.get("/faqs").csrf()},
                             headers={"Accept": "application/json"})
    assert started.status == 202, started.text[:1000]
    job = json.loads(started.text)
    assert [step["key"] for step in job["steps"]] == STEP_KEYS
    ranks = [RANK[step["state"]] for step in job["steps"]]
    deadline = time.monotonic() + 240
    while not job["finished"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        answer = client.get(job["status_url"])
        assert answer.status == 200 and answer.header("content-type") == "application/json"
        job = json.loads(answer.text)
        now = [RANK[step["state"]] for step in job["steps"]]
        assert all(b >= a for a, b in zip(ranks, now)), job  # steps only move forward
        assert now.count(RANK["running"]) <= 1, job
        ranks = now
    return job


def _save(client: Client, name: str, form: Dict[str, str]) -> Any:
    page = client.get(f"/faqs/{name}").text
    return client.request("POST", f"/faqs/{name}", form={
        "csrf": client.get("/faqs").csrf(), "revision": _revision(page), **form})


def test_the_status_url_shows_every_step_until_the_version_is_live(console: Running) -> None:
    ana = console.signed_in()
    before = _live(console)
    ana.post("/faqs/new", {"question": "Is there parking?", "ways": "\n".join(PARKING_WAYS),
                           "answer": "Our front desk can tell you where to park. "
                                     "{clinic_contact}"}, page="/faqs/new")
    job = _run_job(ana)
    version = before + 1
    assert job["ok"] is True, job
    assert [step["state"] for step in job["steps"]] == ["done"] * 4
    labels = [step["label"] for step in job["steps"]]
    assert labels == ["Checking the FAQs", "Checking they don't take each other's questions",
                      f"Saving version {version}",
                      f"Saved as version {version}; the assistant answers with it within "
                      "2 seconds"]
    assert job["outcome"]["title"].startswith(f"Published FAQ version {version} by ana")
    assert _live(console) == version
    # the page the script opens at the end: the steps and the outcome, drawn by the server
    page = _text(ana.get(job["page"]).text)
    assert f"Done: Saved as version {version}; the assistant answers" in page
    assert f"Published FAQ version {version} by ana: added 'Is there parking?'" in page
    # publishing again: nothing to publish, no version saved
    again = _run_job(ana)
    assert again["ok"] is True and "nothing to publish" in again["outcome"]["title"]
    assert [s["state"] for s in again["steps"]] == ["done", "skipped", "skipped", "skipped"]
    assert _live(console) == version


def test_a_refused_publish_stops_at_the_step_and_says_why(console: Running) -> None:
    ana = console.signed_in()
    live = _live(console)
    ana.post("/faqs/new", {"question": "Do you sell vouchers?", "ways": "\n".join(
        ["can i buy a voucher", "do you sell vouchers", "voucher for my mum",
         "is there a voucher for massages", "how do I get a massage voucher"]),
        "answer": GIFT_ANSWER}, page="/faqs/new")
    job = _run_job(ana)
    assert job["ok"] is False
    assert [s["state"] for s in job["steps"]] == ["done", "failed", "skipped", "skipped"]
    assert job["outcome"]["title"].startswith("NOT published, because something would get "
                                              "worse. The assistant is unchanged.")
    assert any("give (almost) the same answer" in line for line in job["outcome"]["lines"])
    assert _live(console) == live
    # a problem the checks find stops at the first step, beside which FAQ has it
    _save(ana, "do_you_sell_vouchers", {"question": "Do you sell vouchers?",
                                         "ways": "can i buy a voucher", "answer": "Ask us."})
    job = _run_job(ana)
    assert [s["state"] for s in job["steps"]] == ["failed", "skipped", "skipped", "skipped"]
    assert job["outcome"]["title"].startswith("Not published: fix these problems first")
    assert any(line.startswith("'Do you sell vouchers?': only 1 different way(s) of asking")
               for line in job["outcome"]["lines"]), job["outcome"]
    ana.post("/faqs/do_you_sell_vouchers/delete", {"revision": _revision(
        ana.get("/faqs/do_you_sell_vouchers").text)}, page="/faqs/do_you_sell_vouchers")


def test_the_plain_post_still_answers_with_the_steps_and_outcome(console: Running) -> None:
    ana = console.signed_in()
    live = _live(console)
    page = _text(ana.get("/faqs/is_there_parking").text)
    assert "Is there parking?" in page
    saved = _save(ana, "is_there_parking", {
        "question": "Is there parking?", "ways": "\n".join(PARKING_WAYS + ["parking?"]),
        "answer": "Our front desk can tell you where to park. {clinic_contact}"})
    assert saved.status == 302
    published = ana.post("/publish", {})
    assert published.status == 200
    text = _text(published.text)
    assert f"Published FAQ version {live + 1} by ana" in text
    assert f"Done: Saved as version {live + 1}; the assistant answers with it" in text
    assert _live(console) == live + 1


def test_the_job_urls_need_a_session_and_the_token(console: Running) -> None:
    ana = console.signed_in()
    assert ana.request("POST", "/publish/jobs", form={}).status == 403
    assert ana.request("POST", "/publish/jobs", form={"csrf": "forged"}).status == 403
    assert ana.get("/publish/jobs/no-such-job").status == 404
    stranger = console.client()
    assert stranger.get("/publish/jobs/no-such-job").status == 302  # to the login page


def test_buttons_are_edited_checked_and_published(console: Running) -> None:
    ana = console.signed_in()
    page = ana.get("/faqs/session_length").text
    # the FAQ file's button is in row 1, an empty row 2 adds one
    assert 'id="button-1-title" name="button-1-title" value="Book a session"' in page
    assert '<option value="/request_booking" selected>' in page
    assert '<label for="button-2-title">Title</label>' in page
    assert 'name="button-2-url" type="url" value=""' in page
    question = re.search(r'id="question" name="question" value="([^"]+)"', page).group(1)
    ways = html.unescape(re.search(r'id="ways" name="ways"[^>]*>([^<]*)<', page).group(1))
    answer = html.unescape(re.search(r'id="answer" name="answer"[^>]*>([^<]*)<',
                                     page).group(1))
    base = {"question": html.unescape(question), "ways": ways, "answer": answer}
    # a link that is not https, and a button without a target: saved, checked inline
    saved = _save(ana, "session_length", {
        **base, "button-1-title": "Book a session", "button-1-payload": "/request_booking",
        "button-2-title": "Our parking map", "button-2-url": "http://example.com/parking",
        "button-3-title": "Prices"})
    assert saved.status == 302
    page = ana.get("/faqs/session_length").text
    row2 = page.split('id="button-2"')[1].split("</fieldset>")[0]
    assert ("Problem: the link 'http://example.com/parking' must start with https://"
            in _text(row2))
    assert 'aria-invalid="true"' in row2
    row3 = page.split('id="button-3"')[1].split("</fieldset>")[0]
    assert "Problem: a button needs either a 'url' (a link) or a 'payload'" in _text(row3)
    assert "Problem" not in _text(page.split('id="button-1"')[1].split("</fieldset>")[0])
    # fixed: the link is https, the third button removed; the FAQ is published with them
    fixed = _save(ana, "session_length", {
        **base, "button-1-title": "Book a session", "button-1-payload": "/request_booking",
        "button-2-title": "Our parking map", "button-2-url": "https://example.com/parking",
        "button-3-title": "Prices", "button-3-remove": "1"})
    assert fixed.status == 302
    page = ana.get("/faqs/session_length").text
    assert "Problem" not in _text(page.split('id="button-1"')[1])
    assert 'id="button-3-title" name="button-3-title" value=""' in page  # the empty row
    job = _run_job(ana)
    assert job["ok"] is True, job
    assert "changed buttons of 'How long is a session?'" in job["outcome"]["title"]
    record = _stored_record(console, job["outcome"]["version"], "session_length")
    assert record["buttons"] == [
        {"title": "Book a session", "payload": "/request_booking"},
        {"title": "Our parking map", "url": "https://example.com/parking"}]
