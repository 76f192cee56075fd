"""clinic.tracker_store.CachedSQLTrackerStore against Rasa's own SQLTrackerStore: the same
rows, the same trackers read back, the same events for the broker, correct when another
replica or retention changes the conversation, and the repeated reads really gone."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    "version: '3.1'\nslots:\n  language:\n    type: text\n    mappings:\n    - type: custom\n"
)


class ListBroker(EventBroker):
    """Keeps what the store publishes."""

    def __init__(self) -> None:
        self.published: List[Dict[str, Any]] = []

    def publish(self, event: Dict[str, Any]) -> None:
        self.published.append(event)


BASE = time.time() + 365 * 86400  # the turns' times (a year ahead); the store stamps "now"


def _stamped(value: Any) -> Any:
    """``value`` with the store-made timestamps (before BASE) replaced, to compare runs."""
    if isinstance(value, dict):
        return {k: ("now" if k == "timestamp" and v and v < BASE else _stamped(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stamped(v) for v in value]
    return value


def _turn(at: float, text: str, language: str) -> List[Event]:
    return [
        UserUttered(text, {"name": "ask_nmt", "confidence": 0.9}, timestamp=BASE + at),
        ActionExecuted("action_detect_language", timestamp=BASE + at + 0.1),
        SlotSet("language", language, timestamp=BASE + at + 0.2),
        BotUttered(f"answer to {text}", timestamp=BASE + at + 0.3),
        ActionExecuted("action_listen", timestamp=BASE + at + 0.4),
    ]


def _session_start(at: float) -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=BASE + at),
            SessionStarted(timestamp=BASE + at + 0.01),
            ActionExecuted("action_listen", timestamp=BASE + at + 0.02)]


async def _play(store: SQLTrackerStore, sender: str, turns: List[List[Event]]) -> List[Any]:
    """Each turn as Rasa's processor does it: read (or create), add the events, save.
    Returns what each read handed out, as event dicts."""
    seen = []
    for events in turns:
        tracker = await store.get_or_create_tracker(sender)
        seen.append(_stamped([e.as_dict() for e in tracker.events]))
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    return seen


def _rows(url: str) -> List[Tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id")).fetchall()
    engine.dispose()
    return [tuple(row[:2]) + (_stamped({"timestamp": row[2]})["timestamp"],) + tuple(row[3:5])
            + (_stamped(json.loads(row[5])),) for row in rows]


TURNS = [
    _session_start(100.0) + _turn(101.0, "what is nmt", "en"),
    _turn(110.0, "and fmm?", "en"),
    _turn(120.0, "¿y el precio?", "es"),
    _session_start(5000.0) + _turn(5001.0, "back again", "en"),  # a new session
    _turn(5010.0, "thanks", "en"),
]


@pytest.mark.asyncio
async def test_same_rows_reads_and_broker_events_as_rasas_store(tmp_path: Path) -> None:
    results = {}
    for name, cls in (("rasa", SQLTrackerStore), ("cached", CachedSQLTrackerStore)):
        url = f"sqlite:///{tmp_path / name}.db"
        broker = ListBroker()
        store = cls(DOMAIN, host=url, event_broker=broker)
        seen = await _play(store, "visitor-1", TURNS)
        final = await store.retrieve("visitor-1")
        results[name] = (seen, _rows(url), _stamped(broker.published),
                         _stamped([e.as_dict() for e in final.events]),
                         final.get_slot("language"))
    assert results["cached"] == results["rasa"]
    seen, rows, published, final, language = results["cached"]
    assert len(rows) == len(published) == 1 + sum(len(t) for t in TURNS)  # + first listen
    assert language == "en" and final[0]["event"] == "session_started"  # latest session only


@pytest.mark.asyncio
async def test_a_cached_conversation_is_not_read_again(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = CachedSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}",
                                  event_broker=ListBroker())
    await _play(store, "visitor-2", TURNS[:2])  # the session start is read once from the db
    reads: List[str] = []
    original_retrieve = SQLTrackerStore._retrieve

    async def counting(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        reads.append(sender_id)
        return await original_retrieve(self, sender_id, fetch_events_from_all_sessions)

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", counting)
    await _play(store, "visitor-2", TURNS[2:3] + [_turn(130.0, "ok", "en")])
    assert reads == []  # neither the reads nor the re-read before each write
    assert (await store.retrieve("visitor-2")).get_slot("language") == "en"
    assert reads == []


@pytest.mark.asyncio
async def test_the_version_kept_after_a_write_is_the_databases(tmp_path: Path) -> None:
    """The version after a write is derived from the inserted rows, not read again: it must
    equal what the database says (else every next turn would fall back to Rasa's read)."""
    store = CachedSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'v.db'}")
    await _play(store, "visitor-v", TURNS[:1])
    for turn in (TURNS[1:2], TURNS[2:3], [_turn(130.0, "ok", "en")]):
        await _play(store, "visitor-v", turn)
        with store.session_scope() as session:
            assert store._cache["visitor-v"].version == store._version(session, "visitor-v")


@pytest.mark.asyncio
async def test_another_replica_s_turn_is_seen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = (CachedSQLTrackerStore(DOMAIN, host=url) for _ in range(2))
    await _play(first, "visitor-3", TURNS[:2])
    await _play(second, "visitor-3", TURNS[2:3])  # the next turn lands on the other replica
    tracker = await first.retrieve("visitor-3")
    assert tracker.get_slot("language") == "es"
    assert tracker.latest_message.text == "¿y el precio?"
    await _play(first, "visitor-3", [_turn(130.0, "ok", "en")])
    assert len(_rows(url)) == 1 + sum(len(t) for t in TURNS[:3]) + 5  # nothing twice


@pytest.mark.asyncio
async def test_a_conversation_deleted_by_retention_is_gone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = CachedSQLTrackerStore(DOMAIN, host=url)
    await _play(store, "visitor-4", TURNS[:2])
    assert await store.retrieve("visitor-4") is not None
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = 'visitor-4'"))
    engine.dispose()
    assert await store.retrieve("visitor-4") is None


@pytest.mark.asyncio
async def test_a_tracker_that_does_not_continue_the_copy_is_saved_as_rasa_does(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    store = CachedSQLTrackerStore(DOMAIN, host=url)
    await _play(store, "visitor-5", TURNS[:2])
    stranger = DialogueStateTracker.from_events("visitor-5", _turn(200.0, "other", "en"))
    await store.save(stranger)  # Rasa's store counts stored rows and appends the rest
    reference = SQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'ref.db'}")
    await _play(reference, "visitor-5", TURNS[:2])
    await reference.save(stranger)
    strip = [row[1:] for row in _rows(url)]
    assert strip == [row[1:] for row in _rows(f"sqlite:///{tmp_path / 'ref.db'}")]


def test_sqlite_runs_with_the_write_ahead_log_and_pooled_connections(tmp_path: Path) -> None:
    store = CachedSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert isinstance(store.engine.pool, sa.pool.QueuePool)


@pytest.mark.asyncio
async def test_the_cluster_store_publishes_once_when_a_write_is_retried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from clinic.cluster import trackers

    monkeypatch.setattr(trackers, "RETRY_DELAYS_S", (0.01, 0.01, 0.01))
    url = f"sqlite:///{tmp_path / 'cluster.db'}"
    broker = ListBroker()
    store = trackers.ResilientSQLTrackerStore(DOMAIN, host=url, event_broker=broker)
    await _play(store, "visitor-6", TURNS[:2])  # cached from here on
    published, rows = len(broker.published), len(_rows(url))
    failures = [2]
    original_insert = CachedSQLTrackerStore._insert

    def flaky_insert(self: Any, session: Any, sender_id: str, events: Any) -> List[Any]:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return original_insert(self, session, sender_id, events)

    monkeypatch.setattr(CachedSQLTrackerStore, "_insert", flaky_insert)
    await _play(store, "visitor-6", TURNS[2:3])
    assert failures == [0]  # it failed twice, then went through
    assert len(broker.published) == published + len(TURNS[2])  # once, not three times
    assert len(_rows(url)) == rows + len(TURNS[2])
    assert (await store.retrieve("visitor-6")).get_slot("language") == "es"
