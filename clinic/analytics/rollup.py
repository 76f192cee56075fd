"""Per-day counters (``analytics_daily``) kept up to date with the turns, for a fast dashboard.

Every turn contributes to a few counters of its day: ``messages``, ``conversations`` (its
first message), ``fallbacks``, ``emergencies``, ``did_you_mean``, one per ``hour``,
``language`` (messages per language), ``lang_convs`` (the conversation's first message in
that language), ``lang_fallbacks`` (a fallback in that language), ``topic`` (answers to the
booking form left out), ``faq`` and its exact reply time (``latency_ms``: a histogram with
1 ms buckets, so percentiles stay exact). When the writer changes a turn it applies the
difference between the turn's contributions before and after, in the same transaction, so
the counters always equal a recount of the turns (``rebuild`` does that recount). The
dashboard then reads a few thousand rows, not every turn.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clinic.analytics.schema import daily, turns
from clinic.analytics.translate import Turn

Key = Tuple[str, str, str]  # (day, metric, key)
Counts = Dict[Key, int]
MESSAGES, CONVERSATIONS, FALLBACKS, EMERGENCIES = ("messages", "conversations", "fallbacks",
                                                   "emergencies")
DID_YOU_MEAN, HOUR, LANGUAGE, TOPIC, FAQ, LATENCY = ("did_you_mean", "hour", "language",
                                                     "topic", "faq", "latency_ms")
LANGUAGE_CONVERSATIONS, LANGUAGE_FALLBACKS = "lang_convs", "lang_fallbacks"
_CHUNK = 300


def contributions(turn: Optional[Turn]) -> Counts:
    """The counters one turn adds to (``{}`` for none)."""
    if turn is None:
        return {}
    day = turn.day
    found: Counts = {(day, MESSAGES, ""): 1, (day, HOUR, f"{turn.hour:02d}"): 1}
    flags = ((turn.turn == 1, CONVERSATIONS), (turn.fallback, FALLBACKS),
             (turn.emergency, EMERGENCIES), (turn.did_you_mean, DID_YOU_MEAN))
    for flag, metric in flags:
        if flag:
            found[(day, metric, "")] = 1
    if turn.language:
        found[(day, LANGUAGE, turn.language)] = 1
        if turn.first_in_language:
            found[(day, LANGUAGE_CONVERSATIONS, turn.language)] = 1
        if turn.fallback:
            found[(day, LANGUAGE_FALLBACKS, turn.language)] = 1
    if turn.topic and not turn.in_form:
        found[(day, TOPIC, turn.topic)] = 1
    if turn.faq:
        found[(day, FAQ, turn.faq)] = 1
    if turn.latency_ms is not None:
        found[(day, LATENCY, str(turn.latency_ms))] = 1
    return found


def add(total: Counts, counts: Counts, sign: int = 1) -> None:
    """``total += sign * counts``."""
    for key, n in counts.items():
        total[key] = total.get(key, 0) + sign * n


def apply_deltas(conn: Connection, deltas: Counts) -> None:
    """Adds ``deltas`` to the stored counters (rows created as needed)."""
    changed = {key: n for key, n in deltas.items() if n}
    if not changed:
        return
    keys = sorted(changed)
    existing = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        existing.update(tuple(row) for row in conn.execute(
            sa.select(daily.c.day, daily.c.metric, daily.c.key)
            .where(sa.tuple_(daily.c.day, daily.c.metric, daily.c.key).in_(chunk))))
    updates = [{"d": changed[k], "k_day": k[0], "k_metric": k[1], "k_key": k[2]}
               for k in keys if k in existing]
    inserts = [{"day": k[0], "metric": k[1], "key": k[2], "n": changed[k]}
               for k in keys if k not in existing]
    if updates:
        conn.execute(daily.update()
                     .where(daily.c.day == sa.bindparam("k_day"),
                            daily.c.metric == sa.bindparam("k_metric"),
                            daily.c.key == sa.bindparam("k_key"))
                     .values(n=daily.c.n + sa.bindparam("d")), updates)
    if inserts:
        conn.execute(daily.insert(), inserts)


def turn_from_row(row: sa.engine.RowMapping) -> Turn:
    """A stored ``analytics_turns`` row as a ``Turn``."""
    values = {k: v for k, v in row.items() if k != "id"}
    return Turn(**values, row_id=row["id"])


def totals_of(conn: Connection, condition: sa.sql.ClauseElement) -> Counts:
    """The contributions of the stored turns matching ``condition``."""
    total: Counts = {}
    for row in conn.execute(sa.select(turns).where(condition)).mappings():
        add(total, contributions(turn_from_row(row)))
    return total


def rebuild(conn: Connection) -> int:
    """Recounts every counter from the turns; returns how many counter rows there are."""
    conn.execute(daily.delete())
    total = totals_of(conn, sa.true())
    apply_deltas(conn, total)
    return len([n for n in total.values() if n])
