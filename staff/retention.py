"""Data retention: ``make purge`` and ``make forget SENDER=...``.

* ``purge`` deletes every conversation event older than ``RETENTION_DAYS`` (default 30)
  from Rasa's tracker store, and the booking requests older than that from the booking
  store. A conversation idle for longer than that disappears entirely. ``--every 24h``
  keeps running and purges once per interval (or use cron, see docs/deployment.md).
* ``forget`` deletes one visitor's whole conversation and their booking requests.
* Both cover the analytics tables in the same database (``clinic.analytics.retention``):
  ``purge`` clears the message texts kept for transcripts (the anonymous counts stay),
  ``forget`` deletes the visitor's analytics rows.

The tracker store is Rasa's ``SQLTrackerStore`` (table ``events``: ``sender_id``,
``type_name``, ``timestamp``, ...) at ``DATABASE_URL``: SQLite by default, PostgreSQL with a
``postgresql://`` URL. The booking store is ``actions.booking.store.BookingStore`` at
``BOOKING_DATABASE_URL``.

Exit codes: 0 done; 1 ``forget`` found nothing stored for that sender (check the id);
2 wrong usage or configuration; 3 a database could not be read or written.
Nothing personal is printed: only counts, and the sender id the operator typed.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Protocol, TextIO, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from clinic.analytics.retention import forget_sender as forget_analytics
from clinic.analytics.retention import purge_before as purge_analytics
from clinic.settings import PROJECT_ROOT, Settings

DEFAULT_RETENTION_DAYS = 30
EVENTS_TABLE = "events"  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent.__tablename__
POSTGRESQL_SCHEMA_ENV = "POSTGRESQL_SCHEMA"  # Rasa's SQLTrackerStore honours it too
MAX_SENDER_ID_CHARS = 255  # the width of SQLTrackerStore's sender_id column

EXIT_OK = 0
EXIT_NOTHING_FOUND = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3


class RetentionError(RuntimeError):
    """A database could not be read or written; the message says which one."""


class BookingRequests(Protocol):
    """The part of ``actions.booking.store.BookingStore`` that retention needs."""

    def delete_by_sender(self, sender_id: str) -> int:
        """Deletes one visitor's booking requests; returns how many."""

    def purge_older_than(self, days: float) -> int:
        """Deletes booking requests older than ``days``; returns how many."""


@dataclass(frozen=True)
class PurgeResult:
    """What one purge deleted."""

    events: int
    conversations: int
    booking_requests: int
    analytics_texts: int = 0  # analytics turns whose texts were cleared


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting one visitor deleted."""

    events: int
    booking_requests: int
    analytics_rows: int = 0

    @property
    def found(self) -> bool:
        """True when anything was stored for the visitor."""
        return bool(self.events or self.booking_requests or self.analytics_rows)


# ---------------------------------------------------------------------------- settings


def retention_days(env: Optional[Mapping[str, str]] = None) -> int:
    """``RETENTION_DAYS`` as a whole number of days (at least 1; default 30).

    Raises:
        ValueError: the variable is not a positive whole number.
    """
    env = os.environ if env is None else env
    raw = env.get("RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError as exc:
        raise ValueError(f"RETENTION_DAYS must be a whole number of days, got {raw!r}") from exc
    if days < 1:
        raise ValueError(f"RETENTION_DAYS must be at least 1, got {days}")
    return days


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_interval(text: str) -> float:
    """Seconds in an interval such as ``24h``, ``30m``, ``1d`` or ``90s``.

    Raises:
        ValueError: the text is not a positive number followed by s, m, h or d.
    """
    match = _INTERVAL.match(text or "")
    if not match:
        raise ValueError(f"interval must look like 24h, 30m, 1d or 90s, got {text!r}")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"interval must be longer than zero, got {text!r}")
    return seconds


def normalise_database_url(url: str, root: Path = PROJECT_ROOT) -> str:
    """Makes a relative SQLite path relative to the project and accepts ``postgres://``.

    The servers run from the project folder, so ``sqlite:///var/conversations.db`` means
    the same file whichever directory this command runs from.
    """
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        url = prefix + str(root / url[len(prefix):])
    return url


def sqlite_path(url: str) -> Optional[Path]:
    """The file of a ``sqlite:///`` URL, ``None`` for other databases or ``:memory:``."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix + ":memory:":
        return None
    return Path(url[len(prefix):].split("?", 1)[0])


def sender_id_problem(sender_id: Optional[str]) -> Optional[str]:
    """Why ``sender_id`` cannot be a conversation id, or ``None`` when it can."""
    if sender_id is None or not sender_id.strip():
        return "SENDER is empty: give the conversation id, e.g. `make forget SENDER=abc123`"
    if len(sender_id) > MAX_SENDER_ID_CHARS:
        return f"SENDER is longer than {MAX_SENDER_ID_CHARS} characters"
    if any(not ch.isprintable() for ch in sender_id):
        return "SENDER contains control characters"
    return None


# ---------------------------------------------------------------------------- tracker store


class TrackerEvents:
    """Deletes rows from Rasa's SQL tracker store (the ``events`` table)."""

    def __init__(
        self, url: str, table: str = EVENTS_TABLE, schema: Optional[str] = None
    ) -> None:
        self.url = normalise_database_url(url)
        self.table_name = table
        # Like Rasa: POSTGRESQL_SCHEMA puts the tracker store's table in that schema.
        self.schema = schema if schema is not None else os.environ.get(POSTGRESQL_SCHEMA_ENV)
        self._engine: Optional[Engine] = None

    def _exists(self) -> bool:
        """False when there is nothing to delete yet (no SQLite file, or no table)."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return False
        return sa.inspect(self.engine).has_table(self.table_name)

    @property
    def engine(self) -> Engine:
        """The engine, created on first use."""
        if self._engine is None:
            kwargs: dict = {}
            if self.schema and self.url.startswith("postgresql"):
                kwargs["connect_args"] = {"options": f"-csearch_path={self.schema}"}
            try:
                self._engine = sa.create_engine(self.url, future=True, **kwargs)
            except (ArgumentError, ImportError) as exc:
                raise RetentionError(
                    "DATABASE_URL is not a usable database URL (sqlite:///... or "
                    "postgresql://...)"
                ) from exc
        return self._engine

    def _table(self) -> sa.Table:
        meta = sa.MetaData()
        return sa.Table(
            self.table_name,
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255)),
            sa.Column("timestamp", sa.Float),
        )

    def delete_sender(self, sender_id: str) -> int:
        """Deletes every event of one conversation; returns how many rows went."""
        try:
            if not self._exists():
                return 0
            table = self._table()
            with self.engine.begin() as conn:
                result = conn.execute(table.delete().where(table.c.sender_id == sender_id))
                return int(result.rowcount or 0)
        except SQLAlchemyError as exc:
            raise RetentionError("could not delete from the conversation database") from exc

    def purge_before(self, cutoff: float) -> Tuple[int, int]:
        """Deletes events with a timestamp before ``cutoff`` (Unix seconds).

        Returns:
            ``(events deleted, conversations that had events deleted)``.
        """
        try:
            if not self._exists():
                return 0, 0
            table = self._table()
            old = table.c.timestamp < cutoff
            with self.engine.begin() as conn:
                conversations = conn.execute(
                    sa.select(sa.func.count(sa.distinct(table.c.sender_id))).where(old)
                ).scalar_one()
                result = conn.execute(table.delete().where(old))
                return int(result.rowcount or 0), int(conversations or 0)
        except SQLAlchemyError as exc:
            raise RetentionError("could not purge the conversation database") from exc

    def analytics(self, operation: Callable[[Connection], int]) -> int:
        """Runs an analytics purge/forget (``clinic.analytics.retention``) on this database."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return 0
        try:
            with self.engine.begin() as conn:
                return int(operation(conn))
        except SQLAlchemyError as exc:
            raise RetentionError("could not delete from the analytics tables") from exc

    def dispose(self) -> None:
        """Closes the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()


# ---------------------------------------------------------------------------- operations


def purge(
    events: TrackerEvents,
    bookings: Optional[BookingRequests],
    days: int,
    now: Optional[float] = None,
) -> PurgeResult:
    """Deletes conversation events and booking requests older than ``days`` days."""
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = (time.time() if now is None else now) - days * 86400.0
    deleted_events, conversations = events.purge_before(cutoff)
    texts = events.analytics(lambda conn: purge_analytics(conn, cutoff))
    deleted_requests = 0
    if bookings is not None:
        deleted_requests = _booking_call(lambda: bookings.purge_older_than(days))
    return PurgeResult(deleted_events, conversations, deleted_requests, texts)


def forget(
    events: TrackerEvents, bookings: Optional[BookingRequests], sender_id: str
) -> ForgetResult:
    """Deletes one visitor's conversation and booking requests."""
    problem = sender_id_problem(sender_id)
    if problem:
        raise ValueError(problem)
    deleted_events = events.delete_sender(sender_id)
    analytics_rows = events.analytics(lambda conn: forget_analytics(conn, sender_id))
    deleted_requests = 0
    if bookings is not None:
        deleted_requests = _booking_call(lambda: bookings.delete_by_sender(sender_id))
    return ForgetResult(deleted_events, deleted_requests, analytics_rows)


def _booking_call(call: Callable[[], int]) -> int:
    from actions.booking.store import BookingStoreError

    try:
        return int(call())
    except (BookingStoreError, SQLAlchemyError) as exc:
        raise RetentionError("could not delete from the booking database") from exc


def booking_store_from_env() -> BookingRequests:
    """The configured booking store (``BOOKING_DATABASE_URL``, ``BOOKING_LOCAL_OUTBOX``).

    Raises:
        ValueError: a ``BOOKING_*`` variable is wrong.
        RetentionError: the booking database cannot be opened.
    """
    from actions.booking.settings import BookingSettings
    from actions.booking.store import BookingStore, BookingStoreError

    settings = BookingSettings.from_env()  # BookingConfigError is a ValueError
    try:
        return BookingStore.from_url(settings.database_url, settings.local_outbox_path)
    except BookingStoreError as exc:
        raise RetentionError("could not open the booking database") from exc


def run_every(
    interval_s: float,
    job: Callable[[], None],
    stop: threading.Event,
    max_runs: Optional[int] = None,
) -> int:
    """Runs ``job`` now and then every ``interval_s`` seconds until ``stop`` is set.

    Returns:
        How many times the job ran.
    """
    runs = 0
    while not stop.is_set():
        job()
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
        stop.wait(interval_s)
    return runs


# ---------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m staff.retention",
        description="Delete stored conversations and booking requests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    purge_cmd = commands.add_parser(
        "purge", help="delete everything older than RETENTION_DAYS (default 30)"
    )
    purge_cmd.add_argument("--days", type=int, help="override RETENTION_DAYS")
    purge_cmd.add_argument(
        "--every", metavar="INTERVAL", help="keep running; purge every INTERVAL (e.g. 24h)"
    )
    forget_cmd = commands.add_parser(
        "forget", help="delete one visitor's conversation and booking requests"
    )
    forget_cmd.add_argument("--sender", required=True, help="the conversation (sender) id")
    return parser


def _purge_once(
    settings: Settings,
    days: int,
    out: TextIO,
    bookings_factory: Callable[[], BookingRequests],
) -> int:
    events = TrackerEvents(settings.database_url)
    try:
        result = purge(events, bookings_factory(), days)
    except RetentionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_DATABASE
    finally:
        events.dispose()
    print(
        f"purge: deleted {result.events} conversation event(s) from "
        f"{result.conversations} conversation(s) and {result.booking_requests} booking "
        f"request(s) older than {days} day(s); cleared the texts of {result.analytics_texts} "
        "analytics message(s).",
        file=out,
        flush=True,
    )
    return EXIT_OK


def main(
    argv: Optional[List[str]] = None,
    out: TextIO = sys.stdout,
    bookings_factory: Callable[[], BookingRequests] = booking_store_from_env,
) -> int:
    """Command line entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    if args.command == "forget":
        problem = sender_id_problem(args.sender)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_USAGE
        events = TrackerEvents(settings.database_url)
        try:
            result = forget(events, bookings_factory(), args.sender)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except RetentionError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_DATABASE
        finally:
            events.dispose()
        if not result.found:
            print(
                f"forget: nothing is stored for sender {args.sender!r} (no conversation, no "
                "booking request). Check the id.",
                file=out,
            )
            return EXIT_NOTHING_FOUND
        print(
            f"forget: deleted {result.events} conversation event(s) and "
            f"{result.booking_requests} booking request(s) of sender {args.sender!r}; "
            f"{result.analytics_rows} analytics row(s).",
            file=out,
        )
        return EXIT_OK

    try:
        days = args.days if args.days is not None else retention_days()
        if days < 1:
            raise ValueError(f"--days must be at least 1, got {days}")
        interval = parse_interval(args.every) if args.every else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE

    if interval is None:
        try:
            return _purge_once(settings, days, out, bookings_factory)
        except ValueError as error:  # a BOOKING_* variable is wrong
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"purge: running every {args.every}; Ctrl-C stops.", file=out, flush=True)
    failures = {"last": EXIT_OK}

    def job() -> None:
        try:
            failures["last"] = _purge_once(settings, days, out, bookings_factory)
        except (ValueError, RetentionError) as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            failures["last"] = EXIT_USAGE

    run_every(interval, job, stop)
    return failures["last"]


if __name__ == "__main__":
    sys.exit(main())
