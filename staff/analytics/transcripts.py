"""The conversations behind a figure, as redacted transcripts (the dashboard's click-through).

``matching_conversations`` lists the conversations of a period that had a given topic, a turn
the assistant did not understand, a message in a given language, or a combination;
``transcript`` returns one conversation's turns, each with its language. Texts
are what the consumer kept: cleaned of e-mail addresses, phone numbers and names, absent for
booking, health and emergency turns and for turns older than ``RETENTION_DAYS`` (``make
purge``). Conversations are known only by a hash of their sender id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic.analytics.schema import has_tables, turns
from staff.analytics.languages import NONE
from staff.analytics.queries import Period


@dataclass(frozen=True)
class ConversationMatch:
    """A conversation with at least one matching turn."""

    conversation: str
    first_at: float
    matching_turns: int


@dataclass(frozen=True)
class TranscriptTurn:
    """One visitor message and the reply, as kept."""

    turn: int
    at: float
    topic: Optional[str]
    fallback: bool
    did_you_mean: bool
    emergency: bool
    language: Optional[str]  # "en", "es"; None: no language (a button, "ok", "NMT?")
    user_text: Optional[str]  # None: not kept (booking, health, emergency, or purged)
    bot_text: Optional[str]
    latency_ms: Optional[int]


def matching_conversations(engine: Engine, period: Period, topic: Optional[str] = None,
                           fallback: bool = False, limit: int = 50,
                           language: Optional[str] = None) -> List[ConversationMatch]:
    """Conversations with a turn on ``topic``, with ``fallback`` a misunderstood one, with
    ``language`` (``en``, ``es``, or ``none``: no language) one in that language; every
    condition given holds for the same turn. Most recent first."""
    if topic is None and not fallback and language is None:
        raise ValueError("give a topic, fallback=True or a language")
    condition = [period.where(turns)]
    if topic is not None:
        condition.append(turns.c.topic == topic)
    if fallback:
        condition.append(turns.c.fallback)
    if language == NONE:
        condition.append(sa.or_(turns.c.language.is_(None), turns.c.language == ""))
    elif language is not None:
        condition.append(turns.c.language == language)
    first = sa.func.min(turns.c.at).label("first_at")
    query = (sa.select(turns.c.conversation, first, sa.func.count())
             .where(*condition).group_by(turns.c.conversation)
             .order_by(first.desc()).limit(limit))
    with engine.connect() as conn:
        if not has_tables(conn):
            return []
        return [ConversationMatch(str(c), float(at), int(n)) for c, at, n in conn.execute(query)]


def transcript(engine: Engine, conversation: str) -> List[TranscriptTurn]:
    """Every kept turn of one conversation, in order."""
    query = (sa.select(turns.c.turn, turns.c.at, turns.c.topic, turns.c.fallback,
                       turns.c.did_you_mean, turns.c.emergency, turns.c.language,
                       turns.c.user_text, turns.c.bot_text, turns.c.latency_ms)
             .where(turns.c.conversation == conversation).order_by(turns.c.turn))
    with engine.connect() as conn:
        if not has_tables(conn):
            return []
        return [TranscriptTurn(int(r.turn), float(r.at), r.topic, bool(r.fallback),
                               bool(r.did_you_mean), bool(r.emergency), r.language or None,
                               r.user_text, r.bot_text, r.latency_ms)
                for r in conn.execute(query)]
