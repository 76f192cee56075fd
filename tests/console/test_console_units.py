"""The console's pure parts and its database-backed services, without a server: the form
helpers, password rule and hashing, rate limit, lockout, idle sessions, the draft's
conflicts, ``make staff-user`` and the launcher's console service."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clinic import launcher
from staff.faq.text import Problem
from clinic.faq.store import FaqStore
from clinic.settings import Settings
from staff.console.accounts import Accounts
from staff.console.config import ConsoleSettings
from staff.console.db import make_engine
from staff.console.drafts import Conflict, Draft
from staff.console.forms import (
    faq_from_form,
    field_of,
    matches_search,
    messages_by_field,
    new_name,
    split_ways,
)
from staff.console.passwords import hash_password, password_problem, verify_password
from staff.console.ratelimit import RateLimiter
from staff.console.sessions import Sessions, same_token
from staff.console import users
from staff.faq.check import check_duplicates, check_faq

WAYS = "where can i park\n\n  is there   parking \nparking?\ncan I park\nwhere do I leave my car"


def test_form_fields_become_an_faq() -> None:
    faq = faq_from_form("parking", "  Is there  parking? ", WAYS, " Ask us. \r\n")
    assert faq.question == "Is there parking?" and faq.answer == "Ask us."
    assert [p.text for p in faq.asked_as] == split_ways(WAYS) == [
        "where can i park", "is there parking", "parking?", "can I park",
        "where do I leave my car"]


def test_each_problem_is_shown_beside_its_field() -> None:
    faq = faq_from_form("parking", "", "where can i park\nwhere can I park?", "")
    problems = check_faq(faq, set()) + check_duplicates([faq])
    fields = messages_by_field(problems, "parking")
    assert "the 'question' is missing" in fields["question"][0].text
    assert "the 'answer' is missing" in fields["answer"][0].text
    ways = " ".join(m.text for m in fields["asked_as"])
    assert "only 1 different way(s)" in ways
    assert "listed twice (also on way of asking 1)" in ways  # not "line 10001"
    assert field_of(Problem(None, None, "general")) == "general"
    other = Problem(Path("faq/other.yml"), 1, "not mine")
    assert messages_by_field([other], "parking") == {}


def test_search_and_names() -> None:
    faq = faq_from_form("parking", "Is there parking?", WAYS, "Ask us.")
    assert matches_search(faq, "leave car") and matches_search(faq, "")
    assert not matches_search(faq, "gift")
    assert new_name("Is there parking?", set()) == "is_there_parking"
    assert new_name("Is there parking?", {"is_there_parking"}) == "is_there_parking_2"
    assert new_name("???", set()) == "my_question"


def test_passwords() -> None:
    assert "too short" in (password_problem("short") or "")
    assert password_problem("a long enough password") is None
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$") and "a long enough" not in hashed
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "another password")
    assert not verify_password(None, "a long enough password")
    assert same_token("abc", "abc") and not same_token("abc", "abd")
    assert not same_token(None, None) and not same_token("", "")


def test_rate_limit_per_address() -> None:
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        assert not limiter.blocked("1.2.3.4")
        limiter.hit("1.2.3.4")
    assert limiter.blocked("1.2.3.4") and not limiter.blocked("5.6.7.8")
    assert limiter.retry_after("1.2.3.4") == 60
    now[0] = 61.0
    assert not limiter.blocked("1.2.3.4")


def test_lockout_and_reset(tmp_path: Path) -> None:
    accounts = Accounts(make_engine(f"sqlite:///{tmp_path / 'db'}"), max_failed=10)
    assert accounts.count() == 0
    assert accounts.set_password("ana", "editor", "a long enough password") is True
    results = [accounts.sign_in("ana", "wrong") for _ in range(10)]
    assert [r.outcome for r in results] == ["wrong"] * 10
    assert results[-1].just_locked and not results[-2].just_locked
    assert accounts.sign_in("ana", "a long enough password").outcome == "locked"
    assert accounts.set_password("ana", "admin", "a new long password") is False
    signed = accounts.sign_in("ana", "a new long password")
    assert signed.outcome == "ok" and signed.user is not None and signed.user.is_admin
    with pytest.raises(ValueError, match="role"):
        accounts.set_password("bo", "boss", "a long enough password")
    with pytest.raises(ValueError, match="name"):
        accounts.set_password("bad name!", "editor", "a long enough password")


def test_idle_sessions_end(tmp_path: Path) -> None:
    now = [1000.0]
    sessions = Sessions(make_engine(f"sqlite:///{tmp_path / 'db'}"), 60, clock=lambda: now[0])
    token, session = sessions.create("ana")
    assert sessions.find(token) == (session, False)
    now[0] += 59
    assert sessions.find(token)[0] == session  # touched: the idle time starts again
    now[0] += 61
    assert sessions.find(token) == (None, True)
    assert sessions.find(token) == (None, False)  # gone
    assert sessions.find("made-up") == (None, False)


def test_the_draft_refuses_stale_saves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db'}"
    draft = Draft(make_engine(url), FaqStore(url))
    assert draft.head() == (None, None) and draft.faqs() == []
    faq = faq_from_form("parking", "Is there parking?", WAYS, "Ask us.")
    draft.create(faq, "ana")
    with pytest.raises(Conflict):
        draft.create(faq, "bob")
    draft.update(faq_from_form("parking", "Parking?", WAYS, "A."), 1, "ana")
    with pytest.raises(Conflict) as stale:
        draft.update(faq_from_form("parking", "Bob's", WAYS, "B."), 1, "bob")
    assert stale.value.current is not None and stale.value.current.updated_by == "ana"
    with pytest.raises(Conflict):
        draft.delete("parking", 1)
    draft.delete("parking", 2)
    assert draft.get("parking") is None


def test_staff_user_reads_one_line_when_piped(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db'}")
    assert users.main(["--name", "ana", "--role", "editor"],
                      io.StringIO("a long enough password\n")) == 0
    assert "Account 'ana' (editor) created" in capsys.readouterr().out
    assert users.main(["--name", "ana", "--role", "editor"], io.StringIO("short\n")) == 1
    assert "too short" in capsys.readouterr().err
    assert users.main(["--name", "ana", "--role", "boss"], io.StringIO("x\n")) == 2


def test_settings_and_the_launcher_service() -> None:
    settings = ConsoleSettings.from_env({})
    assert (settings.port, settings.interface, settings.idle_minutes) == (8090, "127.0.0.1", 30)
    assert ConsoleSettings.from_env({"CONSOLE_IDLE_MINUTES": "5"}).idle_seconds == 300
    with pytest.raises(ValueError):
        ConsoleSettings.from_env({"CONSOLE_PORT": "x"})
    service = launcher.services(Settings.from_env({"CONSOLE_PORT": "9999"}))[-1]
    assert service.command[-2:] == ["-m", "staff.console"]
    assert service.health_url == "http://127.0.0.1:9999/health"
    assert Settings.from_env({}).console_port == 8090
    with pytest.raises(ValueError, match="CONSOLE_PORT"):
        Settings.from_env({"CONSOLE_PORT": "0"})
