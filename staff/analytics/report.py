"""The figures put together: ``summary`` (``make analytics``) and ``dashboard`` (console).

``summary`` returns exactly the keys of ``SUMMARY_KEYS``; ``dashboard`` everything the
console's charts need, including "delivered" from the booking store (a booking request whose
every delivery channel reports it delivered).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff.analytics import queries as q
from staff.analytics.queries import Period

SUMMARY_KEYS = ("conversations", "messages", "fallback_rate", "bookings_started",
                "bookings_completed", "emergencies", "top_topics", "latency_ms",
                "per_language")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: Optional[str], name: str) -> date:
    """A ``YYYY-MM-DD`` date; ``ValueError`` with a plain message otherwise."""
    text = (text or "").strip()
    if not text:
        raise ValueError(f"{name} is missing: give a date as YYYY-MM-DD, e.g. "
                         f"{name}={date.today().isoformat()}")
    try:
        if not _DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a date: use YYYY-MM-DD, e.g. "
                         f"{name}={date.today().isoformat()}") from None


def parse_period(start: Optional[str], end: Optional[str]) -> Period:
    """``FROM``/``TO`` as typed on the command line, both days included."""
    first, last = parse_day(start, "FROM"), parse_day(end, "TO")
    if last < first:
        raise ValueError(f"TO ({last}) is before FROM ({first})")
    return Period(first, last)


def summary(engine: Engine, period: Period) -> Dict[str, Any]:
    """The figures printed by ``make analytics``."""
    bookings = q.funnel_counts(engine, period)["booking"]
    return {
        "conversations": q.conversation_count(engine, period),
        "messages": q.message_count(engine, period),
        "fallback_rate": q.fallback_rate(engine, period),
        "bookings_started": bookings["started"],
        "bookings_completed": bookings["completed"],
        "emergencies": q.emergencies(engine, period),
        "top_topics": [[name, n] for name, n in q.top_topics(engine, period)],
        "latency_ms": q.latency_percentiles(engine, period),
        "per_language": q.per_language(engine, period),
    }


def delivered_count(booking_engine: Engine, period: Period, timezone: str,
                    kind: str = "booking") -> int:
    """Booking requests created in the period (clinic's days) that every channel delivered."""
    from actions.booking.store import STATUS_DELIVERED, outbox_table, requests_table

    zone = ZoneInfo(timezone)

    def utc(day: date) -> datetime:  # the store keeps naive UTC
        local = datetime.combine(day, time.min, zone)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    r, o = requests_table, outbox_table
    any_row = sa.exists().where(o.c.request_id == r.c.id)
    undelivered = sa.exists().where(o.c.request_id == r.c.id, o.c.status != STATUS_DELIVERED)
    query = sa.select(sa.func.count()).where(
        r.c.kind == kind, r.c.created_at >= utc(period.start),
        r.c.created_at < utc(period.end + timedelta(days=1)), any_row, sa.not_(undelivered))
    with booking_engine.connect() as conn:
        if not sa.inspect(conn).has_table(r.name):
            return 0
        return int(conn.execute(query).scalar() or 0)


def dashboard(engine: Engine, period: Period, timezone: str,
              booking_engine: Optional[Engine] = None) -> Dict[str, Any]:
    """Every figure of the console's analytics page (JSON-ready)."""
    funnel = q.funnel_counts(engine, period)
    delivered = (delivered_count(booking_engine, period, timezone)
                 if booking_engine is not None else None)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        **summary(engine, period),
        "per_day": q.per_day(engine, period),
        "top_faqs": [[name, n] for name, n in q.top_faqs(engine, period)],
        "funnel": {"started": funnel["booking"]["started"],
                   "completed": funnel["booking"]["completed"], "delivered": delivered},
        "callbacks": funnel["callback"],
        "busiest_hours": [[hour, n] for hour, n in q.busiest_hours(engine, period)],
        "languages": [[name, n] for name, n in q.languages(engine, period)],
    }
