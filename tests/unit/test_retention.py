"""``make purge`` / ``make forget``: retention on Rasa's real SQL tracker store and the
booking store, with SQLite and with PostgreSQL (a throwaway schema, dropped afterwards)."""

from __future__ import annotations

import io
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.booking.store import BookingRequest, BookingStore
from staff import retention
from staff.retention import (
    EXIT_DATABASE,
    EXIT_NOTHING_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    TrackerEvents,
    forget,
    normalise_database_url,
    parse_interval,
    purge,
    retention_days,
    run_every,
    sender_id_problem,
)

DAY = 86400.0


def _conversation(sender: str, at: float) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered("my name is Zebulon Quartermaine", {"name": "greet"}, timestamp=at + 1),
        BotUttered("Hi!", timestamp=at + 2),
    ]
    return DialogueStateTracker.from_events(sender, events)


async def _store_conversations(url: str, conversations: Dict[str, List[float]]) -> SQLTrackerStore:
    """Saves, with Rasa's own store, one 5-event conversation per start time."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    for sender, starts in conversations.items():
        events = []
        for at in starts:
            events += list(_conversation(sender, at).events)
        await store.save(DialogueStateTracker.from_events(sender, events))
    return store


def _count(url: str, sender: Optional[str] = None) -> int:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            sql = "SELECT COUNT(*) FROM events"
            if sender is None:
                return conn.execute(sa.text(sql)).scalar_one()
            return conn.execute(sa.text(sql + " WHERE sender_id = :s"), {"s": sender}).scalar_one()
    finally:
        engine.dispose()


class FakeBookings:
    """Records calls; stands in for the booking store where only the calls matter."""

    def __init__(self, per_sender: int = 0, purged: int = 0) -> None:
        self.per_sender = per_sender
        self.purged = purged
        self.calls: List[tuple] = []

    def delete_by_sender(self, sender_id: str) -> int:
        self.calls.append(("delete_by_sender", sender_id))
        return self.per_sender

    def purge_older_than(self, days: float) -> int:
        self.calls.append(("purge_older_than", days))
        return self.purged


# ---------------------------------------------------------------------------- pure helpers


def test_retention_days_default_and_errors() -> None:
    assert retention_days({}) == 30
    assert retention_days({"RETENTION_DAYS": " 14 "}) == 14
    for bad in ("abc", "0", "-3", "1.5"):
        with pytest.raises(ValueError, match="RETENTION_DAYS"):
            retention_days({"RETENTION_DAYS": bad})


def test_intervals() -> None:
    assert parse_interval("24h") == 86400
    assert parse_interval("30m") == 1800
    assert parse_interval("1d") == 86400
    assert parse_interval(" 90S ") == 90
    for bad in ("", "24", "h", "0h", "-1h", "1w"):
        with pytest.raises(ValueError):
            parse_interval(bad)


def test_database_urls_are_normalised(tmp_path: Path) -> None:
    expected = f"sqlite:///{tmp_path}/var/c.db"
    assert normalise_database_url("sqlite:///var/c.db", tmp_path) == expected
    assert normalise_database_url("sqlite:////abs/c.db", tmp_path) == "sqlite:////abs/c.db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql://u@h/db"


def test_sender_ids_are_checked() -> None:
    assert sender_id_problem("abc123") is None
    assert "empty" in (sender_id_problem("") or "")
    assert "empty" in (sender_id_problem("   ") or "")
    assert "longer" in (sender_id_problem("x" * 256) or "")
    assert "control" in (sender_id_problem("a\nb") or "")


def test_run_every_runs_now_then_each_interval_until_stopped() -> None:
    stop = threading.Event()
    runs: List[float] = []
    assert run_every(0.01, lambda: runs.append(time.monotonic()), stop, max_runs=3) == 3
    assert len(runs) == 3
    stop.set()
    assert run_every(0.01, lambda: runs.append(0.0), stop) == 0


# ---------------------------------------------------------------------------- SQLite


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'conversations.db'}"


async def test_purge_deletes_old_events_and_whole_idle_conversations(sqlite_url: str) -> None:
    now = time.time()
    store = await _store_conversations(sqlite_url, {
        "old": [now - 40 * DAY],
        "recent": [now - 1 * DAY],
        "mixed": [now - 45 * DAY, now - 2 * DAY],
    })
    bookings = FakeBookings(purged=2)
    result = purge(TrackerEvents(sqlite_url), bookings, days=30, now=now)
    assert (result.events, result.conversations, result.booking_requests) == (10, 2, 2)
    assert bookings.calls == [("purge_older_than", 30)]
    assert _count(sqlite_url, "old") == 0
    assert _count(sqlite_url, "mixed") == 5
    assert _count(sqlite_url, "recent") == 5
    assert await store.retrieve("old") is None
    recent = await store.retrieve("recent")
    assert recent is not None and recent.latest_message.text


async def test_forget_deletes_one_visitor_only(sqlite_url: str) -> None:
    now = time.time()
    await _store_conversations(sqlite_url, {"visitor-a": [now], "visitor-b": [now]})
    bookings = FakeBookings(per_sender=1)
    result = forget(TrackerEvents(sqlite_url), bookings, "visitor-a")
    assert (result.events, result.booking_requests, result.found) == (5, 1, True)
    assert _count(sqlite_url, "visitor-a") == 0
    assert _count(sqlite_url, "visitor-b") == 5
    again = forget(TrackerEvents(sqlite_url), FakeBookings(), "visitor-a")
    assert not again.found


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert purge(TrackerEvents(url), None, days=30).events == 0
    assert forget(TrackerEvents(url), None, "x").events == 0
    assert not (tmp_path / "never.db").exists()


def test_an_unreachable_database_is_a_retention_error() -> None:
    events = TrackerEvents("postgresql://postgres@127.0.0.1:1/nothing")
    with pytest.raises(retention.RetentionError, match="conversation database"):
        events.delete_sender("x")


# ---------------------------------------------------------------------------- command line


@pytest.fixture()
def cli_env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    env = {
        "DATABASE_URL": sqlite_url,
        "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'bookings.db'}",
        "BOOKING_LOCAL_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "BOOKING_CHANNELS": "local",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    return env


def _booking(store: BookingStore, sender: str, days_ago: float = 0) -> str:
    from datetime import datetime, timedelta

    created = datetime.utcnow() - timedelta(days=days_ago)
    return store.save_request(
        BookingRequest(sender_id=sender, name="Zebulon Quartermaine", therapy="FMM",
                       preferred_times="Tuesday afternoon", consent=True,
                       phone="(310) 555-0199", contraindication_note="pregnancy"),
        channels=["local"], now=created,
    )


async def test_cli_forget_deletes_conversation_and_booking_requests(
    cli_env: Dict[str, str], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await _store_conversations(sqlite_url, {"visitor-a": [time.time()], "visitor-b": [time.time()]})
    bookings = BookingStore.from_url(cli_env["BOOKING_DATABASE_URL"])
    _booking(bookings, "visitor-a")
    _booking(bookings, "visitor-b")
    out = io.StringIO()
    assert retention.main(["forget", "--sender", "visitor-a"], out=out) == EXIT_OK
    assert "deleted 5 conversation event(s) and 1 booking request(s)" in out.getvalue()
    assert _count(sqlite_url, "visitor-a") == 0 and _count(sqlite_url, "visitor-b") == 5
    assert [r.request.sender_id for r in bookings.list_requests()] == ["visitor-b"]
    out = io.StringIO()
    assert retention.main(["forget", "--sender", "visitor-a"], out=out) == EXIT_NOTHING_FOUND
    assert "nothing is stored" in out.getvalue()
    bookings.dispose()


async def test_cli_purge_uses_retention_days(
    cli_env: Dict[str, str], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    await _store_conversations(sqlite_url, {"old": [now - 20 * DAY], "new": [now]})
    bookings = BookingStore.from_url(cli_env["BOOKING_DATABASE_URL"])
    _booking(bookings, "old", days_ago=20)
    _booking(bookings, "new")
    out = io.StringIO()
    assert retention.main(["purge"], out=out) == EXIT_OK  # default 30 days: nothing yet
    assert "deleted 0 conversation event(s)" in out.getvalue()
    monkeypatch.setenv("RETENTION_DAYS", "14")
    out = io.StringIO()
    assert retention.main(["purge"], out=out) == EXIT_OK
    assert ("deleted 5 conversation event(s) from 1 conversation(s) and 1 booking request(s) "
            "older than 14 day(s)") in out.getvalue()
    assert _count(sqlite_url) == 5
    assert [r.request.sender_id for r in bookings.list_requests()] == ["new"]
    bookings.dispose()


@pytest.mark.parametrize(
    "argv, env, message",
    [
        (["forget", "--sender", ""], {}, "SENDER is empty"),
        (["purge"], {"RETENTION_DAYS": "abc"}, "RETENTION_DAYS"),
        (["purge", "--days", "0"], {}, "--days"),
        (["purge", "--every", "soon"], {}, "interval"),
        (["purge"], {"RASA_PORT": "nope"}, "RASA_PORT"),
    ],
)
def test_cli_usage_errors_exit_2(
    cli_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], argv: List[str], env: Dict[str, str], message: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert retention.main(argv, out=io.StringIO()) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_cli_database_errors_exit_3(
    cli_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing")
    assert retention.main(["forget", "--sender", "x"], out=io.StringIO()) == EXIT_DATABASE
    assert retention.main(["purge"], out=io.StringIO()) == EXIT_DATABASE
    err = capsys.readouterr().err
    assert "conversation database" in err and "postgres@" not in err


def test_cli_every_mode_purges_in_a_loop(
    cli_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    loops: List[float] = []

    def fake_run_every(interval: float, job, stop, max_runs=None) -> int:  # noqa: ANN001
        loops.append(interval)
        job()
        job()
        return 2

    monkeypatch.setattr(retention, "run_every", fake_run_every)
    monkeypatch.setattr(retention.signal, "signal", lambda *_: None)
    out = io.StringIO()
    assert retention.main(["purge", "--every", "24h"], out=out) == EXIT_OK
    assert loops == [86400.0]
    assert out.getvalue().count("purge: deleted") == 2


# ---------------------------------------------------------------------------- PostgreSQL


@pytest.fixture()
def pg_schema(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway schema in the test database, dropped afterwards."""
    monkeypatch.delenv("POSTGRESQL_SCHEMA", raising=False)
    schema = f"retention_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, future=True)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture()
def pg_schema_url(postgres_url: str, pg_schema: str) -> str:
    """A URL whose search path is the throwaway schema."""
    sep = "&" if "?" in postgres_url else "?"
    return f"{postgres_url}{sep}options=-csearch_path%3D{pg_schema}"


async def test_purge_and_forget_on_postgresql(pg_schema_url: str) -> None:
    now = time.time()
    store = await _store_conversations(pg_schema_url, {
        "pg-old": [now - 40 * DAY], "pg-new": [now], "pg-forget": [now],
    })
    store.engine.dispose()
    purged = purge(TrackerEvents(pg_schema_url), None, days=30, now=now)
    assert (purged.events, purged.conversations) == (5, 1)
    forgotten = forget(TrackerEvents(pg_schema_url), None, "pg-forget")
    assert forgotten.events == 5
    assert _count(pg_schema_url, "pg-old") == 0
    assert _count(pg_schema_url, "pg-forget") == 0
    assert _count(pg_schema_url, "pg-new") == 5


async def test_cli_forget_on_postgresql(
    pg_schema_url: str, cli_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await _store_conversations(pg_schema_url, {"pg-cli": [time.time()]})
    store.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", pg_schema_url)
    monkeypatch.setenv("BOOKING_DATABASE_URL", pg_schema_url)
    bookings = BookingStore.from_url(pg_schema_url)
    _booking(bookings, "pg-cli")
    out = io.StringIO()
    assert retention.main(["forget", "--sender", "pg-cli"], out=out) == EXIT_OK
    assert "deleted 5 conversation event(s) and 1 booking request(s)" in out.getvalue()
    assert bookings.list_requests() == []
    bookings.dispose()


async def test_postgresql_schema_setting_is_honoured_like_rasa_does(
    postgres_url: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRESQL_SCHEMA", pg_schema)
    store = await _store_conversations(postgres_url, {"pg-schema": [time.time()]})
    store.engine.dispose()
    assert forget(TrackerEvents(postgres_url), None, "pg-schema").events == 5
    assert forget(TrackerEvents(postgres_url, schema="public"), None, "pg-schema").events == 0
