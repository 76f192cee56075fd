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

from clinic.analytics import rollup, schema, upgrade
from clinic.analytics import writer as writer_module
from clinic.analytics.broker import BackgroundSQLBroker
from clinic.analytics.sources import SqlQueueSource
from clinic.analytics.writer import AnalyticsWriter, keyed
from staff.analytics.report import parse_period, summary
from tests.analytics.events import (
    DAY,
    MIXED_FIGURES,
    SAMPLE_FIGURES,
    T0,
    TZ,
    Conversation,
    mixed_language_traffic,
    sample_traffic,
)

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
    events = (sample_traffic() + sample_traffic(prefix="t", start=T0 + 86400)
              + mixed_language_traffic() + mixed_language_traffic("n", start=T0 + 86400))
    rng = random.Random(7)
    start = 0
    while start < len(events):  # turns change over several batches: deltas must add up
        size = rng.randint(1, 6)
        writer.apply(keyed(events[start:start + size]))
        start += size
    with any_engine.begin() as conn:
        forget_sender(conn, "s-a")
        forget_sender(conn, "m-both")
    incremental = counters(any_engine)
    assert {key for _day, metric, key, _n in incremental
            if metric in (rollup.LANGUAGE_CONVERSATIONS, rollup.LANGUAGE_FALLBACKS)} == \
        {"en", "es"}
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


def _make_it_old(engine: Engine) -> None:
    """Turns a database into one written by the version before the figures per language:
    no ``first_in_language`` / ``languages`` columns, no ``lang_*`` counters, no record of
    the upgrade."""
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE analytics_turns DROP COLUMN first_in_language"))
        conn.execute(sa.text("ALTER TABLE analytics_conversations DROP COLUMN languages"))
        conn.execute(schema.daily.delete().where(schema.daily.c.metric.in_(
            [rollup.LANGUAGE_CONVERSATIONS, rollup.LANGUAGE_FALLBACKS])))
        conn.execute(sa.text("DROP TABLE analytics_upgrades"))
    with engine.connect() as conn:
        assert [c.name for c in upgrade.missing_columns(conn)] == ["first_in_language",
                                                                  "languages"]


def test_an_older_database_is_upgraded_in_place(any_engine: Engine, tmp_path: Path) -> None:
    """The consumer of this version on a database of the previous one: the columns are
    added and filled from the stored turns, the counters per language appear for the past
    days, and conversations carry on as if the database had always had them."""
    before = sample_traffic() + mixed_language_traffic()
    AnalyticsWriter(any_engine, TZ).apply(keyed(before))
    _make_it_old(any_engine)
    assert figures(any_engine)["per_language"]["es"]["conversations"] == 0  # not yet
    later = Conversation("m-both", start=before[-1]["timestamp"] + 60)  # carries on
    later.answer("¿y el FMM?", "ask_fmm_overview", "fmm_overview", language="es")
    later.answer("and parking?", "ask_parking", "parking", language="en")
    fresh = Conversation("m-late", start=before[-1]["timestamp"] + 90)
    fresh.unclear("¿qué más hay?", language="es")
    after = later.events + fresh.events
    AnalyticsWriter(any_engine, TZ).apply(keyed(after))  # a new consumer starts: upgrade

    whole = schema.create_engine(f"sqlite:///{tmp_path / 'always-new.db'}")
    AnalyticsWriter(whole, TZ).apply(keyed(before + after))
    assert rows(any_engine) == rows(whole)
    assert counters(any_engine) == counters(whole)
    with any_engine.begin() as conn:
        rollup.rebuild(conn)
    assert counters(any_engine) == counters(whole)
    spanish = figures(any_engine)["per_language"]["es"]
    mixed = MIXED_FIGURES["per_language"]["es"]
    # m-both's new Spanish message is not a new Spanish conversation; m-late's is
    assert (spanish["messages"], spanish["conversations"], spanish["fallbacks"]) == \
        (SAMPLE_FIGURES["per_language"]["es"]["messages"] + mixed["messages"] + 2,
         SAMPLE_FIGURES["per_language"]["es"]["conversations"] + mixed["conversations"] + 1,
         mixed["fallbacks"] + 1)
    with any_engine.connect() as conn:
        assert upgrade.missing_columns(conn) == []
        state = conn.execute(sa.select(schema.conversations.c.languages).where(
            schema.conversations.c.id == writer_module.conversation_key("m-both"))).scalar()
    assert state == "en,es"
    with any_engine.begin() as conn:
        assert upgrade.upgrade(conn) is False  # done once
    whole.dispose()


def test_an_upgrade_cut_short_is_finished_on_the_next_start(sqlite_engine: Engine) -> None:
    """SQLite runs the ALTER TABLE outside the transaction: columns added but never filled
    (a crash in between) are filled on the next start, because the upgrade's record is
    what counts."""
    AnalyticsWriter(sqlite_engine, TZ).apply(keyed(mixed_language_traffic()))
    expected = counters(sqlite_engine)
    _make_it_old(sqlite_engine)
    with sqlite_engine.begin() as conn:
        for column in upgrade.missing_columns(conn):
            ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {column.table.name} ADD COLUMN {ddl}"))
    assert counters(sqlite_engine) != expected
    AnalyticsWriter(sqlite_engine, TZ).ensure_schema()  # the consumer starts again
    assert counters(sqlite_engine) == expected
    assert figures(sqlite_engine)["per_language"] == MIXED_FIGURES["per_language"]


def test_make_forget_upgrades_a_database_the_consumer_has_not(any_engine: Engine) -> None:
    from clinic.analytics.retention import forget_sender

    AnalyticsWriter(any_engine, TZ).apply(keyed(mixed_language_traffic()))
    _make_it_old(any_engine)
    with any_engine.begin() as conn:
        assert forget_sender(conn, "m-es") == 4 + 1
    per_language = figures(any_engine)["per_language"]
    assert (per_language["es"]["messages"], per_language["es"]["conversations"]) == (2, 1)
