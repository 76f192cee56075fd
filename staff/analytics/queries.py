"""The figures of the analytics tables, for ``make analytics`` and the console's dashboard.

Every function takes an engine on ``DATABASE_URL`` (``clinic.analytics.schema.create_engine``)
and a ``Period`` of whole days in the clinic's time zone (``BOOKING_TIMEZONE``), and works on
SQLite and PostgreSQL alike. Counts are summed in SQL from the per-day counters that the
consumer keeps next to the turns (``analytics_daily``, clinic/analytics/rollup.py), so a
figure reads a few thousand rows whatever the traffic; percentiles come from the exact 1 ms
histogram of reply times. A database without the tables (the consumer never ran) gives zeros.
What is counted: clinic/analytics/translate.py and docs/analytics.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic.analytics import rollup as r
from clinic.analytics.schema import daily, funnel, has_tables
from staff.analytics.languages import CODES, NONE

Counted = List[Tuple[str, int]]


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def last_days(cls, days: int, today: Optional[date] = None) -> "Period":
        """The ``days`` days up to and including ``today``."""
        today = today or date.today()
        return cls(today - timedelta(days=days - 1), today)

    def days(self) -> List[str]:
        """Every day of the period as ``YYYY-MM-DD``."""
        return [(self.start + timedelta(days=n)).isoformat()
                for n in range((self.end - self.start).days + 1)]

    def where(self, table: sa.Table) -> Any:
        """The SQL condition selecting the period's rows of ``table``."""
        return table.c.day.between(self.start.isoformat(), self.end.isoformat())


def _rows(engine: Engine, query: Any) -> List[Any]:
    with engine.connect() as conn:
        if not has_tables(conn):
            return []
        return list(conn.execute(query))


def totals(engine: Engine, period: Period, metrics: Sequence[str]) -> Dict[str, int]:
    """Sum of each keyless counter over the period (0 when absent)."""
    query = (sa.select(daily.c.metric, sa.func.sum(daily.c.n))
             .where(period.where(daily), daily.c.metric.in_(list(metrics)))
             .group_by(daily.c.metric))
    found = {metric: int(n or 0) for metric, n in _rows(engine, query)}
    return {metric: found.get(metric, 0) for metric in metrics}


def by_key(engine: Engine, period: Period, metric: str, limit: Optional[int] = None) -> Counted:
    """A keyed counter summed over the period: most first, ties by key."""
    total = sa.func.sum(daily.c.n).label("total")
    query = (sa.select(daily.c.key, total).where(period.where(daily), daily.c.metric == metric)
             .group_by(daily.c.key).order_by(total.desc(), daily.c.key))
    if limit is not None:
        query = query.limit(limit)
    return [(str(key), int(n)) for key, n in _rows(engine, query) if n]


def conversation_count(engine: Engine, period: Period) -> int:
    """Conversations whose first visitor message falls in the period."""
    return totals(engine, period, [r.CONVERSATIONS])[r.CONVERSATIONS]


def message_count(engine: Engine, period: Period) -> int:
    """Visitor messages in the period."""
    return totals(engine, period, [r.MESSAGES])[r.MESSAGES]


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def fallback_rate(engine: Engine, period: Period) -> float:
    """Share of visitor messages the assistant did not understand (0.0 without messages)."""
    found = totals(engine, period, [r.MESSAGES, r.FALLBACKS])
    return _rate(found[r.FALLBACKS], found[r.MESSAGES])


def emergencies(engine: Engine, period: Period) -> int:
    """Visitor messages answered with the 911 / 988 reply."""
    return totals(engine, period, [r.EMERGENCIES])[r.EMERGENCIES]


def per_day(engine: Engine, period: Period) -> List[Dict[str, Any]]:
    """Per day: conversations, messages, fallbacks and the fallback rate (every day listed)."""
    metrics = (r.CONVERSATIONS, r.MESSAGES, r.FALLBACKS)
    query = (sa.select(daily.c.day, daily.c.metric, sa.func.sum(daily.c.n))
             .where(period.where(daily), daily.c.metric.in_(metrics))
             .group_by(daily.c.day, daily.c.metric))
    found = {(day, metric): int(n or 0) for day, metric, n in _rows(engine, query)}
    days = []
    for day in period.days():
        messages, fallbacks = found.get((day, r.MESSAGES), 0), found.get((day, r.FALLBACKS), 0)
        days.append({"day": day, "conversations": found.get((day, r.CONVERSATIONS), 0),
                     "messages": messages, "fallbacks": fallbacks,
                     "fallback_rate": _rate(fallbacks, messages)})
    return days


def top_topics(engine: Engine, period: Period, limit: int = 10) -> Counted:
    """The most frequent topics (``faq:<name>`` for staff FAQs; answers to the booking form's
    questions left out), ties by name."""
    return by_key(engine, period, r.TOPIC, limit)


def top_faqs(engine: Engine, period: Period, limit: int = 10) -> Counted:
    """The staff FAQs answered most often."""
    return by_key(engine, period, r.FAQ, limit)


def busiest_hours(engine: Engine, period: Period) -> List[Tuple[int, int]]:
    """Visitor messages per hour of the day (0-23, clinic's time zone), every hour listed."""
    found = {int(hour): n for hour, n in by_key(engine, period, r.HOUR)}
    return [(hour, found.get(hour, 0)) for hour in range(24)]


def languages(engine: Engine, period: Period) -> Counted:
    """Visitor messages per language (``en``, ``es``; button clicks have none), most first;
    ``per_language`` has every figure per language."""
    return by_key(engine, period, r.LANGUAGE)


def per_language(engine: Engine, period: Period) -> Dict[str, Dict[str, Any]]:
    """Per language (``en``, ``es``, any other found, then ``none``): visitor messages,
    conversations with a message in it (counted on the day of their first message in it; a
    conversation in both languages counts in both), messages not understood and their rate.
    ``none`` is the messages without a language (button clicks, "ok", "NMT?"); its
    ``conversations`` is ``None`` (not counted)."""
    keyed = (r.LANGUAGE, r.LANGUAGE_CONVERSATIONS, r.LANGUAGE_FALLBACKS)
    query = (sa.select(daily.c.metric, daily.c.key, sa.func.sum(daily.c.n))
             .where(period.where(daily), daily.c.metric.in_((*keyed, r.MESSAGES, r.FALLBACKS)))
             .group_by(daily.c.metric, daily.c.key))
    found = {(metric, key): int(n or 0) for metric, key, n in _rows(engine, query)}
    codes = list(CODES) + sorted({key for (metric, key), n in found.items()
                                  if metric in keyed and n and key not in CODES})
    figures: Dict[str, Dict[str, Any]] = {}
    for code in codes:
        messages = found.get((r.LANGUAGE, code), 0)
        fallbacks = found.get((r.LANGUAGE_FALLBACKS, code), 0)
        figures[code] = {"messages": messages,
                         "conversations": found.get((r.LANGUAGE_CONVERSATIONS, code), 0),
                         "fallbacks": fallbacks, "fallback_rate": _rate(fallbacks, messages)}
    messages = max(0, found.get((r.MESSAGES, ""), 0)
                   - sum(f["messages"] for f in figures.values()))
    fallbacks = max(0, found.get((r.FALLBACKS, ""), 0)
                    - sum(f["fallbacks"] for f in figures.values()))
    figures[NONE] = {"messages": messages, "conversations": None, "fallbacks": fallbacks,
                     "fallback_rate": _rate(fallbacks, messages)}
    return figures


def funnel_counts(engine: Engine, period: Period) -> Dict[str, Dict[str, int]]:
    """``{kind: {"started": n, "completed": n}}`` for ``booking`` and ``callback``."""
    counts: Dict[str, Dict[str, int]] = {k: {"started": 0, "completed": 0}
                                         for k in ("booking", "callback")}
    query = (sa.select(funnel.c.kind, funnel.c.step, sa.func.count())
             .where(period.where(funnel)).group_by(funnel.c.kind, funnel.c.step))
    for kind, step, n in _rows(engine, query):
        counts.setdefault(kind, {"started": 0, "completed": 0})[step] = int(n)
    return counts


def nearest_rank(share: float, n: int) -> int:
    """The 1-based rank of the ``share`` percentile among ``n`` sorted values (the definition
    of PostgreSQL's ``percentile_disc``)."""
    return max(1, min(n, math.ceil(round(share * n, 9))))


def percentile(histogram: Sequence[Tuple[int, int]], share: float) -> Optional[int]:
    """The ``share`` percentile of sorted ``(value, count)`` pairs; ``None`` when empty."""
    n = sum(count for _, count in histogram)
    if not n:
        return None
    rank, seen = nearest_rank(share, n), 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]


def latency_percentiles(engine: Engine, period: Period) -> Dict[str, Optional[int]]:
    """Median and 95th percentile of the reply time in ms (exact, nearest rank)."""
    histogram = sorted((int(ms), n) for ms, n in by_key(engine, period, r.LATENCY))
    return {"p50": percentile(histogram, 0.5), "p95": percentile(histogram, 0.95)}
