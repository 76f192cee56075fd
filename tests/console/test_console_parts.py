"""Units of the accounts page, publish progress and FAQ buttons, without a running console:
the form's button rows, the publish job's steps, and the last-admin rule."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from clinic.faq.model import Button
from staff.console.accounts import Accounts, AccountProblem, LastAdmin
from staff.console.buttons import MAX_BUTTONS, follow_up_label, follow_ups, rows_for, \
    rows_from_form
from staff.console.db import make_engine
from staff.console.forms import BUTTON_LINE, faq_from_form, field_of
from staff.console.jobs import FAILED, PublishJob, PublishJobs
from staff.console.publishing import Outcome
from staff.faq.text import Problem

PASSWORD = "correct horse battery"


def test_button_rows_from_the_form() -> None:
    form = {"button-1-title": "Book", "button-1-payload": "/request_booking",
            "button-2-title": "", "button-2-payload": "", "button-2-url": "",
            "button-3-title": "Old", "button-3-url": "https://a.example", "button-3-remove": "1",
            "button-4-title": "  Map   here ", "button-4-url": "https://b.example/map"}
    rows = rows_from_form(form)
    assert [(r.number, r.title, r.payload, r.url) for r in rows] == [
        (1, "Book", "/request_booking", ""), (2, "Map here", "", "https://b.example/map")]
    assert [b.url for b in (r.as_button() for r in rows)] == [None, "https://b.example/map"]
    assert rows_from_form({f"button-{MAX_BUTTONS + 1}-title": "Too many"}) == []


def test_rows_for_adds_one_empty_row_up_to_the_most() -> None:
    two = rows_for([Button("A", 0, payload="/ask_a"), Button("B", 0, url="https://b")])
    assert [(r.number, r.blank) for r in two] == [(1, False), (2, False), (3, True)]
    full = rows_for([Button(str(n), 0, payload="/ask_a") for n in range(MAX_BUTTONS)])
    assert len(full) == MAX_BUTTONS and not any(r.blank for r in full)


def test_follow_ups_keep_a_payload_the_faq_already_has() -> None:
    intents = {"ask_nmt_overview", "request_booking", "greet", "faq"}
    current = [Button("NMT", 0, payload='/request_booking{"therapy": "NMT"}')]
    assert follow_ups(intents, current) == [
        "/ask_nmt_overview", "/request_booking", '/request_booking{"therapy": "NMT"}']
    assert follow_up_label("/request_booking") == "Request booking (/request_booking)"


def test_a_buttons_problem_belongs_to_its_row() -> None:
    faq = faq_from_form("x", "Q?", "a\nb", "A.", [Button("A", 0, payload="/ask_a"),
                                                  Button("B", 0, url="http://b")])
    assert [b.line for b in faq.buttons] == [BUTTON_LINE + 1, BUTTON_LINE + 2]
    problem = Problem(faq.path, faq.buttons[1].line, "the link 'http://b' must start ...")
    assert field_of(problem) == "button-2"
    assert field_of(Problem(faq.path, 10003, "way 3")) == "asked_as"


def test_a_published_job_completes_every_step() -> None:
    job = PublishJob("ana")
    job.advance("check", "Checking the FAQs…")
    job.advance("gate", "Checking they don't take each other's questions…")
    assert [s["state"] for s in job.steps] == ["done", "running", "waiting", "waiting"]
    assert job.steps[0]["label"] == "Checking the FAQs"
    job.advance("save", "Saving version 7…")
    job.finish(Outcome(True, "Published FAQ version 7", version=7))
    assert [s["state"] for s in job.steps] == ["done"] * 4
    assert job.snapshot()["steps"][3]["label"] == ("Saved as version 7; the assistant "
                                                   "answers with it within 2 seconds")
    assert job.snapshot()["finished"] is True and job.done.is_set()


def test_a_refused_job_fails_the_running_step() -> None:
    job = PublishJob("ana")
    job.advance("check", "Checking the FAQs…")
    job.advance("gate", "Checking…")
    job.finish(Outcome(False, "NOT published", ["the reason"]))
    assert [s["state"] for s in job.steps] == ["done", "failed", "skipped", "skipped"]
    assert job.snapshot()["outcome"]["lines"] == ["the reason"]


def test_one_publish_at_a_time_and_a_crash_is_reported() -> None:
    jobs = PublishJobs(keep=2)
    release = threading.Event()

    def slow(report: object) -> Outcome:
        release.wait(10)
        raise RuntimeError("boom")

    first, started = jobs.start("ana", slow)
    second, started_again = jobs.start("bob", slow)
    assert started and not started_again and second is first
    release.set()
    assert first.done.wait(10)
    assert first.outcome is FAILED and first.steps[0]["state"] == "skipped"
    third, started = jobs.start("ana", lambda report: Outcome(True, "same as live"))
    assert started and third is not first and third.done.wait(10)
    assert jobs.get(first.id) is first and jobs.get("nope") is None


def test_the_last_admin_who_can_sign_in_stays(tmp_path: Path) -> None:
    accounts = Accounts(make_engine(f"sqlite:///{tmp_path / 'db'}"), max_failed=2)
    accounts.set_password("bob", "admin", PASSWORD)
    accounts.create("cy", "admin", PASSWORD)
    for _ in range(2):
        accounts.sign_in("cy", "wrong")
    assert accounts.info("cy").locked  # a locked admin cannot manage anything
    with pytest.raises(LastAdmin):
        accounts.set_role("bob", "editor")
    with pytest.raises(LastAdmin):
        accounts.delete("bob")
    accounts.unlock("cy")
    accounts.set_role("bob", "editor")  # now cy is there
    assert accounts.info("bob").role == "editor"
    with pytest.raises(KeyError):
        accounts.delete("nobody")
    with pytest.raises(KeyError):
        accounts.reset_password("nobody", PASSWORD)
    with pytest.raises(AccountProblem) as problem:
        accounts.create("cy", "editor", PASSWORD)
    assert problem.value.field == "username"
