"""Applies batches of Rasa events to the analytics tables, each batch in ONE transaction.

Every event has a key (a hash of its canonical JSON); a key already in ``analytics_seen`` is
skipped, so a redelivered RabbitMQ message or a replayed batch never counts twice. The
embedded queue's read position is stored in the same transaction as the rows derived from
it. Conversation state and the current turn are loaded for the batch's conversations,
updated in memory by ``clinic.analytics.translate`` and written back, with the change to the
per-day counters (``clinic.analytics.rollup``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clinic.analytics import rollup, schema, upgrade
from clinic.analytics.translate import (
    ConversationState,
    FunnelStep,
    Turn,
    apply_event,
    conversation_key,
    new_state,
)

logger = logging.getLogger(__name__)

Incoming = Tuple[str, Mapping[str, Any]]  # (event key, event dict with "sender_id")
_CHUNK = 400  # values per IN (...) list


def event_key(event: Mapping[str, Any]) -> str:
    """The event's idempotency key: the same event gives the same key from any source."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def keyed(events: Iterable[Mapping[str, Any]]) -> List[Incoming]:
    """Pairs each event with its key."""
    return [(event_key(event), event) for event in events]


@dataclass
class BatchResult:
    """What one batch changed."""

    applied: int = 0
    duplicates: int = 0
    malformed: int = 0  # skipped: not a Rasa event this code understands
    turns: int = 0
    steps: int = 0


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


class AnalyticsWriter:
    """Writes analytics rows for batches of events (one consumer per database)."""

    def __init__(self, engine: Engine, timezone: str) -> None:
        self.engine = engine
        self.timezone = timezone
        self._ready = False

    def ensure_schema(self) -> None:
        """Creates the tables on first use, and upgrades tables of an earlier version
        (``clinic.analytics.upgrade``)."""
        if not self._ready:
            schema.ensure_schema(self.engine)
            upgrade.ensure_upgraded(self.engine)
            self._ready = True

    def position(self, source: str) -> int:
        """The stored read position of ``source`` (0 when none)."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(schema.offsets.c.position)
                                 .where(schema.offsets.c.source == source)).scalar()
        return int(value or 0)

    def apply(self, events: Sequence[Incoming], source: Optional[str] = None,
              position: Optional[int] = None) -> BatchResult:
        """Applies ``events`` (in order) and, with ``source``, stores ``position``."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            result = self._apply(conn, events)
            if source is not None and position is not None:
                _store_position(conn, source, position)
        return result

    def _apply(self, conn: Connection, events: Sequence[Incoming]) -> BatchResult:
        result = BatchResult()
        known = _known_keys(conn, [key for key, _ in events])
        fresh: List[Incoming] = []
        for key, event in events:
            if key in known or not event.get("sender_id"):
                result.duplicates += key in known
                continue
            known.add(key)
            fresh.append((key, event))
        if not fresh:
            return result
        ids = sorted({conversation_key(str(e["sender_id"])) for _, e in fresh})
        states = _load_states(conn, ids)
        existing = set(states)
        loaded = _load_turns(conn, states.values())
        current = dict(loaded)
        deltas: rollup.Counts = {}
        for turn in loaded.values():  # what the stored turns count for now
            rollup.add(deltas, rollup.contributions(turn), sign=-1)
        dirty: Dict[Tuple[str, int], Turn] = {}
        steps: List[FunnelStep] = []
        for _key, event in fresh:
            cid = conversation_key(str(event["sender_id"]))
            try:
                state = states.get(cid) or states.setdefault(
                    cid, new_state(str(event["sender_id"]), event))
                turn, new_steps = apply_event(state, current.get(cid), event, self.timezone)
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                # A malformed event must not stop the consumer for good (it would fail
                # again after every restart): it is skipped, and still marked as seen.
                logger.warning("analytics: skipped a malformed %r event (%s)",
                               str(event.get("event"))[:24], type(error).__name__)
                result.malformed += 1
                continue
            if turn is not None:
                current[cid] = dirty[(cid, turn.turn)] = turn
            steps += new_steps
        for turn in dirty.values():
            rollup.add(deltas, rollup.contributions(turn))
        for turn in loaded.values():  # loaded but untouched: no change
            if (turn.conversation, turn.turn) not in dirty:
                rollup.add(deltas, rollup.contributions(turn))
        _write_turns(conn, list(dirty.values()))
        rollup.apply_deltas(conn, deltas)
        _write_states(conn, states, existing)
        result.steps = _write_steps(conn, steps)
        conn.execute(schema.seen.insert(), [
            {"key": key, "at": _timestamp(event)} for key, event in fresh])
        result.applied, result.turns = len(fresh), len(dirty)
        return result


def _timestamp(event: Mapping[str, Any]) -> float:
    try:
        return float(event.get("timestamp") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _known_keys(conn: Connection, keys: Sequence[str]) -> Set[str]:
    found: Set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        found.update(conn.execute(sa.select(schema.seen.c.key)
                                  .where(schema.seen.c.key.in_(chunk))).scalars())
    return found


def _load_states(conn: Connection, ids: Sequence[str]) -> Dict[str, ConversationState]:
    c = schema.conversations
    states: Dict[str, ConversationState] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(sa.select(c).where(c.c.id.in_(chunk))).mappings():
            states[row["id"]] = ConversationState(**dict(row))
    return states


def _load_turns(conn: Connection, states: Iterable[ConversationState]) -> Dict[str, Turn]:
    t = schema.turns
    pairs = [(s.id, s.turns) for s in states if s.turns > 0]
    current: Dict[str, Turn] = {}
    for chunk in _chunks(pairs):
        rows = conn.execute(sa.select(t).where(sa.tuple_(t.c.conversation, t.c.turn).in_(chunk)))
        for row in rows.mappings():
            current[row["conversation"]] = rollup.turn_from_row(row)
    return current


def _turn_values(turn: Turn) -> Dict[str, Any]:
    values = asdict(turn)
    values.pop("row_id")
    return values


def _write_turns(conn: Connection, dirty: List[Turn]) -> None:
    t = schema.turns
    new = [_turn_values(turn) for turn in dirty if turn.row_id is None]
    old = [{**_turn_values(turn), "rid": turn.row_id} for turn in dirty if turn.row_id is not None]
    if new:
        conn.execute(t.insert(), new)
    if old:
        conn.execute(t.update().where(t.c.id == sa.bindparam("rid")), old)


def _write_states(conn: Connection, states: Dict[str, ConversationState],
                  existing: Set[str]) -> None:
    c = schema.conversations
    new = [asdict(s) for cid, s in states.items() if cid not in existing]
    old = [{**asdict(s), "cid": cid} for cid, s in states.items() if cid in existing]
    if new:
        conn.execute(c.insert(), new)
    if old:
        conn.execute(c.update().where(c.c.id == sa.bindparam("cid")), old)


def _write_steps(conn: Connection, steps: List[FunnelStep]) -> int:
    """Inserts funnel steps not stored yet; returns how many."""
    if not steps:
        return 0
    f = schema.funnel
    pairs = [(s.conversation, s.turn, s.step) for s in steps]
    stored = set()
    for chunk in _chunks(pairs):
        stored.update(tuple(r) for r in conn.execute(
            sa.select(f.c.conversation, f.c.turn, f.c.step)
            .where(sa.tuple_(f.c.conversation, f.c.turn, f.c.step).in_(chunk))))
    rows = []
    for step in steps:
        key = (step.conversation, step.turn, step.step)
        if key not in stored:
            stored.add(key)
            rows.append(asdict(step))
    if rows:
        conn.execute(f.insert(), rows)
    return len(rows)


def _store_position(conn: Connection, source: str, position: int) -> None:
    o = schema.offsets
    updated = conn.execute(o.update().where(o.c.source == source).values(position=position))
    if not updated.rowcount:
        conn.execute(o.insert().values(source=source, position=position))
