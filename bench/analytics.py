"""``make bench-analytics``: consumer throughput and the dashboard query on 1M events.

* Consumer: ``--events`` synthetic Rasa events (bench/analytics_data.py) are queued first,
  then the consumer's own code drains them, timed: embedded queue -> SQLite (``make run``),
  embedded queue -> PostgreSQL, and RabbitMQ -> PostgreSQL (production).
* Dashboard: the analytics tables of about 1,000,000 events (``EVENTS_PER_TURN`` events per
  visitor message, 90 days) in PostgreSQL; every figure of the console's page
  (``staff.analytics.report.dashboard``) and ``make analytics`` alone, median of 5 runs.

Uses scratch SQLite files, a throwaway PostgreSQL schema (``--postgres``, default the test
server) and a unique RabbitMQ queue; all are removed afterwards. Writes its own section of
docs/benchmarks.md (between the markers below), leaving the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import sqlalchemy as sa

from bench.analytics_data import EVENTS_PER_TURN, PgSchema, traffic, turn_rows
from bench.run import machine
from clinic.analytics import rollup, schema
from clinic.analytics.broker import BackgroundSQLBroker, ResilientPikaBroker
from clinic.analytics.sources import PikaSource, SqlQueueSource
from clinic.analytics.translate import Turn
from clinic.analytics.writer import AnalyticsWriter
from clinic.settings import PROJECT_ROOT
from staff.analytics.queries import Period
from staff.analytics.report import dashboard, summary
from staff.analytics.transcripts import matching_conversations

DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench-analytics: begin -->", "<!-- bench-analytics: end -->"
TZ = "America/Los_Angeles"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
RABBITMQ_DEFAULT = "amqp://guest:guest@127.0.0.1:5672/"


def drain_queue(events: List[Dict[str, Any]], engine: sa.engine.Engine, tmp: Path) -> float:
    """Events per second: embedded queue (Rasa's SQLEventBroker file) -> ``engine``."""
    path = tmp / f"queue-{uuid.uuid4().hex[:6]}.db"

    async def publish() -> None:
        broker = BackgroundSQLBroker(path)
        for event in events:
            broker.publish(event)
        await broker.close()

    asyncio.run(publish())
    source = SqlQueueSource(path, AnalyticsWriter(engine, TZ))
    source.writer.ensure_schema()
    started = time.perf_counter()
    applied = 0
    while (result := source.poll()).applied:
        applied += result.applied
    elapsed = time.perf_counter() - started
    source.dispose()
    assert applied == len(events), (applied, len(events))
    return applied / elapsed


def drain_rabbitmq(events: List[Dict[str, Any]], engine: sa.engine.Engine, url: str) -> float:
    """Events per second: RabbitMQ (published by Rasa's PikaEventBroker) -> ``engine``."""
    queue = f"bench_analytics_{uuid.uuid4().hex[:10]}"
    writer = AnalyticsWriter(engine, TZ)
    writer.ensure_schema()

    async def run() -> float:
        import aio_pika

        connection = await aio_pika.connect_robust(url)
        channel = await connection.channel()
        try:
            return await publish_and_drain(channel)
        finally:  # never leave the bench's queue behind in RabbitMQ
            await channel.queue_delete(queue)
            await channel.exchange_delete(queue)
            await connection.close()

    async def publish_and_drain(channel: Any) -> float:
        broker = ResilientPikaBroker(url, queue, asyncio.get_running_loop())
        broker.start()
        while not broker.is_ready():
            await asyncio.sleep(0.1)
        for n, event in enumerate(events):
            broker.publish(event)
            if n % 500 == 499:
                await asyncio.sleep(0)  # let the publishing tasks run
        while broker._background_tasks:  # every publish confirmed by RabbitMQ
            await asyncio.sleep(0.05)
        await broker.close()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        queued = declared.declaration_result.message_count
        assert queued == len(events), (queued, len(events))
        done = asyncio.Event()
        count = {"seen": 0}

        def on_batch(result: Any) -> None:
            count["seen"] += (result.applied + result.duplicates) if result else 0
            if count["seen"] >= queued:
                done.set()

        started = time.perf_counter()
        await asyncio.wait_for(PikaSource(url, queue, writer).run(done, on_batch), 600)
        return count["seen"] / (time.perf_counter() - started)

    return asyncio.run(run())


def fill_dashboard_tables(engine: sa.engine.Engine, events: int, end: float) -> int:
    """Turns and funnel steps of about ``events`` events over 90 days; returns the turns."""
    schema.ensure_schema(engine)
    rows = 0
    chunk: List[Dict[str, Any]] = []
    counters: rollup.Counts = {}
    with engine.begin() as conn:
        for row in turn_rows(events, end, 90, TZ):
            rollup.add(counters, rollup.contributions(Turn(**row)))
            chunk.append(row)
            if len(chunk) == 20_000:
                conn.execute(schema.turns.insert(), chunk)
                rows, chunk = rows + len(chunk), []
        if chunk:
            conn.execute(schema.turns.insert(), chunk)
            rows += len(chunk)
        rollup.apply_deltas(conn, counters)
        conn.execute(sa.text(
            "INSERT INTO analytics_funnel (conversation, turn, step, kind, at, day) "
            "SELECT conversation, turn, s.step, 'booking', at, day FROM analytics_turns "
            "CROSS JOIN (VALUES ('started'), ('completed')) AS s(step) "
            "WHERE turn = 1 AND (id % 20 = 0 AND (s.step = 'started' OR id % 40 = 0))"))
        conn.execute(sa.text("ANALYZE"))
    return rows


def timed(call: Callable[[], Any], runs: int = 5) -> Dict[str, float]:
    """Median and maximum milliseconds of ``runs`` calls after one warm-up."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(times), "max": max(times)}


def render(results: Dict[str, Any]) -> str:
    """The docs/benchmarks.md section."""
    rates, board = results["rates"], results["dashboard"]
    lines = [
        BEGIN,
        "## Analytics (issue 18)",
        "",
        "Written by `make bench-analytics` (bench/analytics.py); `make bench` does not run it.",
        "",
        f"- Measured: {results['date']}",
        f"- Machine: {results['machine']}; load average when it started "
        f"{results['load']:.1f} (the machine is shared: other work competes for the 2 cores)",
        f"- Consumer: {results['events']:,} synthetic events of Rasa's shape, queued first, "
        "then drained by the consumer's own code (batches of 500, one transaction each).",
        f"- Dashboard: {results['turns']:,} visitor messages = about "
        f"{results['turns'] * EVENTS_PER_TURN:,.0f} events ({EVENTS_PER_TURN} events per "
        "message, as in real traffic) over 90 days in PostgreSQL 15, after `ANALYZE`.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    for name, rate in rates.items():
        lines.append(f"| consumer throughput, {name} | {rate:,.0f} events/s (target ≥ 500) |")
    for name, timing in board.items():
        lines.append(f"| {name} (median / max of 5) | {timing['median']:.0f} / "
                     f"{timing['max']:.0f} ms (target ≤ 200 ms) |")
    return "\n".join(lines + ["", END])


def write_section(section: str, doc: Path = DOC) -> None:
    """Replaces this benchmark's section of ``doc`` (or appends it)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    """Runs both measurements and writes the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events for throughput")
    parser.add_argument("--dashboard-events", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=PG_DEFAULT)
    parser.add_argument("--rabbitmq", default=RABBITMQ_DEFAULT)
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args(argv)
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    load = os.getloadavg()[0]
    events = traffic(args.events, time.time() - 3600)
    rates: Dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        sqlite = schema.create_engine(f"sqlite:///{Path(tmp) / 'analytics.db'}")
        rates["embedded queue → SQLite (make run)"] = drain_queue(events, sqlite, Path(tmp))
        sqlite.dispose()
        with PgSchema(args.postgres) as pg:
            rates["embedded queue → PostgreSQL"] = drain_queue(events, pg, Path(tmp))
        with PgSchema(args.postgres) as pg:
            rates["RabbitMQ → PostgreSQL (production)"] = drain_rabbitmq(events, pg,
                                                                         args.rabbitmq)
    print(rates, flush=True)
    with PgSchema(args.postgres) as pg:
        turns = fill_dashboard_tables(pg, args.dashboard_events, time.time())
        today = date.today()
        board = {
            "every dashboard figure, last 30 days": timed(
                lambda: dashboard(pg, Period.last_days(30, today), TZ)),
            "every dashboard figure, last 90 days": timed(
                lambda: dashboard(pg, Period.last_days(90, today), TZ)),
            "`make analytics` figures, last 90 days": timed(
                lambda: summary(pg, Period.last_days(90, today))),
            "conversations with a fallback (transcript list, 50 newest), last 30 days": timed(
                lambda: matching_conversations(pg, Period.last_days(30, today),
                                               fallback=True)),
        }
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": machine(), "load": load, "events": len(events), "turns": turns,
               "rates": rates, "dashboard": board}
    section = render(results)
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
