"""The consumer's writing side: batches, replays and the embedded queue never count twice,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from clinic.analytics import rollup, schema
from clinic.analytics import writer as writer_module
from clinic.analytics.broker import BackgroundSQLBroker
from clinic.analytics.sources import SqlQueueSource
from clinic.analytics.writer import AnalyticsWriter, keyed
from staff.analytics.report import parse_period, summary
from tests.analytics.events import DAY, SAMPLE_FIGURES, T0, TZ, sample_traffic

PERIOD = parse_period(DAY, DAY)


def figures(engine: Engine) -> Dict[str, Any]:
    return summary(engine, PERIOD)


def rows(engine: Engine) -> List[tuple]:
    """Every analytics row but the surrogate ids, sorted (to compare two databases)."""
    found = []
    with engine.connect() as conn:
        for table in (schema.turns, schema.funnel, schema.conversations):
            columns = [c for c in table.c if c.name != "id" or table is schema.conversations]
            found += sorted(tuple(r) for r in conn.execute(sa.select(*columns)))
    return found


def test_same_events_twice_give_the_same_figures(any_engine: Engine) -> None:
    writer = AnalyticsWriter(any_engine, TZ)
    events = sample_traffic()
    first = writer.apply(keyed(events))
    assert (first.applied, first.duplicates) == (len(events), 0)
    assert figures(any_engine) == SAMPLE_FIGURES
    before = rows(any_engine)
    again = writer.apply(keyed(events))
    assert (again.applied, again.duplicates) == (0, len(events))
    assert figures(any_engine) == SAMPLE_FIGURES
    assert rows(any_engine) == before


def test_any_split_into_batches_gives_the_same_rows(tmp_path: Path) -> None:
    events = sample_traffic()
    whole = schema.create_engine(f"sqlite:///{tmp_path / 'whole.db'}")
    AnalyticsWriter(whole, TZ).apply(keyed(events))
    pieces = schema.create_engine(f"sqlite:///{tmp_path / 'pieces.db'}")
    writer = AnalyticsWriter(pieces, TZ)
    rng = random.Random(18)
    start = 0
    while start < len(events):  # overlapping batches: a redelivery after every batch
        size = rng.randint(1, 9)
        writer.apply(keyed(events[max(0, start - 2):start + size]))
        start += size
    assert rows(pieces) == rows(whole)
    assert figures(pieces) == SAMPLE_FIGURES


def counters(engine: Engine) -> List[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(
            sa.select(schema.daily).where(schema.daily.c.n != 0)))


def test_the_daily_counters_always_equal_a_recount(any_engine: Engine) -> None:
    from clinic.analytics.retention import forget_sender

    writer = AnalyticsWriter(any_engine, TZ)
    events = sample_traffic() + sample_traffic(prefix="t", start=T0 + 86400)
    rng = random.Random(7)
    start = 0
    while start < len(events):  # turns change over several batches: deltas must add up
        size = rng.randint(1, 6)
        writer.apply(keyed(events[start:start + size]))
        start += size
    with any_engine.begin() as conn:
        forget_sender(conn, "s-a")
    incremental = counters(any_engine)
    with any_engine.begin() as conn:
        rollup.rebuild(conn)
    assert incremental == counters(any_engine)
    assert len(incremental) > 20


def publish(path: Path, events: List[Dict[str, Any]]) -> None:
    """Publishes through the Rasa server's broker (Rasa's SQLEventBroker, embedded queue)."""
    async def run() -> None:
        broker = BackgroundSQLBroker(path)
        for event in events:
            broker.publish(event)
        await broker.close()

    asyncio.run(run())


def queued(path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one()
    engine.dispose()
    return int(count)


def _boom(*_args: Any) -> None:
    raise OperationalError("INSERT ...", {}, Exception("the database went away"))


def test_embedded_queue_restarts_never_count_twice(tmp_path: Path, any_engine: Engine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    queue = tmp_path / "analytics-events.db"
    events = sample_traffic()
    publish(queue, events[:40])
    writer = AnalyticsWriter(any_engine, TZ)
    first = SqlQueueSource(queue, writer)
    # Killed right after a commit, before the applied rows were deleted from the queue:
    with first.engine.connect() as conn:
        applied = conn.execute(sa.text("SELECT id, data FROM events ORDER BY id LIMIT 25")).all()
    writer.apply(keyed([json.loads(row.data) for row in applied]), first.source, applied[-1].id)
    assert queued(queue) == 40
    publish(queue, events[40:])
    # Killed inside a transaction: nothing of that batch is kept.
    second = SqlQueueSource(queue, AnalyticsWriter(any_engine, TZ))
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "_write_states", _boom)
        with pytest.raises(OperationalError):
            second.poll(limit=10)
    while second.poll(limit=7).applied:
        pass
    assert figures(any_engine) == SAMPLE_FIGURES
    assert queued(queue) == 0  # applied events do not stay in the queue (personal data)


def test_a_replaced_queue_file_is_read_from_its_beginning(tmp_path: Path,
                                                          writer: AnalyticsWriter) -> None:
    queue = tmp_path / "analytics-events.db"
    events = sample_traffic()
    publish(queue, events[:60])
    SqlQueueSource(queue, writer).poll()
    for leftover in tmp_path.glob("analytics-events.db*"):
        leftover.unlink()
    publish(queue, events[60:])  # a new file: its ids start at 1 again
    while SqlQueueSource(queue, writer).poll().applied:
        pass
    assert figures(writer.engine) == SAMPLE_FIGURES


def test_events_of_many_conversations_in_one_batch(pg_engine: Engine) -> None:
    writer = AnalyticsWriter(pg_engine, TZ)
    events = [e for n in range(30) for e in sample_traffic(prefix=f"v{n}")]
    result = writer.apply(keyed(events))
    assert result.applied == len(events) == 30 * len(sample_traffic())
    got = figures(pg_engine)
    assert (got["conversations"], got["messages"], got["bookings_started"]) == (120, 450, 60)
    assert got["latency_ms"] == SAMPLE_FIGURES["latency_ms"]


def test_a_malformed_event_is_skipped_not_fatal(writer: AnalyticsWriter) -> None:
    events = sample_traffic()
    bad = [{"sender_id": "odd", "event": "user", "timestamp": "soon", "text": "hi"},
           {"sender_id": "odd", "event": "user", "timestamp": T0, "parse_data": "x"},
           {"event": "user", "timestamp": T0}]  # no sender: ignored
    result = writer.apply(keyed(events[:30] + bad + events[30:]))
    assert (result.malformed, result.applied) == (2, len(events) + 2)
    assert figures(writer.engine) == SAMPLE_FIGURES
    assert writer.apply(keyed(bad)).duplicates == 2  # and not retried forever


async def test_the_embedded_broker_never_waits_for_the_disk(tmp_path: Path,
                                                          writer: AnalyticsWriter) -> None:
    import sqlite3

    queue = tmp_path / "analytics-events.db"
    broker = BackgroundSQLBroker(queue)
    lock = sqlite3.connect(queue, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # the file cannot be written for now
    slowest = 0.0
    for event in sample_traffic():
        started = time.perf_counter()
        broker.publish(event)
        slowest = max(slowest, time.perf_counter() - started)
    await asyncio.sleep(1)
    lock.execute("COMMIT")
    lock.close()
    await broker.close()  # the writer thread got through once the lock was gone
    assert slowest < 0.005
    while SqlQueueSource(queue, writer).poll().applied:
        pass
    assert figures(writer.engine) == SAMPLE_FIGURES
