"""Synthetic traffic for ``make bench-analytics`` (Rasa-shaped events, analytics turns) and
the scratch PostgreSQL schema it runs in.

The events have the shape and size of what the Rasa server publishes (``sender_id`` plus
``Event.as_dict()``: session start, user messages with full parse data, bot replies with
buttons, slots, ``action_listen``); the turns are what the consumer makes of such traffic.
"""

from __future__ import annotations

import random
import uuid
from typing import Any, Dict, Iterator, List, Tuple

import sqlalchemy as sa

from clinic.analytics import schema
from clinic.analytics.translate import conversation_key, local_day_hour

# (intent, topic slot, FAQ) of a turn, in the proportions of a plausible day.
MIX: List[Tuple[str, Any, Any]] = (
    [("greet", None, None)] * 3 + [("ask_nmt_overview", "nmt_overview", None)] * 4
    + [("ask_compare_therapies", "compare_therapies", None)] * 3
    + [("faq", None, "prices")] * 2 + [("faq", None, "what_to_wear")]
    + [("nlu_fallback", None, None)] + [("thank", None, None)] * 2
)
INTENTS = sorted({intent for intent, _, _ in MIX} | {"out_of_scope", "affirm", "deny"})
# Events per visitor message in real traffic (the explore run: 193 events, 22 messages).
EVENTS_PER_TURN = 8.8


def _event(sender: str, kind: str, at: float, **fields: Any) -> Dict[str, Any]:
    return {"sender_id": sender, "event": kind, "timestamp": at, "metadata": {}, **fields}


def conversation(sender: str, start: float, turns: int, rng: random.Random
                 ) -> List[Dict[str, Any]]:
    """One conversation of ``turns`` visitor messages."""
    t = start
    events = [
        _event(sender, "action", t, name="action_session_start", policy=None, confidence=1.0),
        _event(sender, "session_started", t),
        _event(sender, "slot", t, name="clinic_name", value="our clinic"),
        _event(sender, "action", t, name="action_listen", policy=None, confidence=None),
    ]
    for _ in range(turns):
        intent, topic, faq = rng.choice(MIX)
        t += rng.uniform(5, 40)
        ranking = [{"name": name, "confidence": round(rng.random() / 10, 4)}
                   for name in rng.sample(INTENTS, 8)]
        parse: Dict[str, Any] = {
            "text": f"question {rng.randint(1, 10**6)} about massage", "entities": [],
            "intent": {"name": intent, "confidence": 0.97}, "intent_ranking": ranking,
            "message_id": uuid.uuid4().hex, "metadata": {}}
        if faq:
            parse["faq"] = {"decision": "answer", "version": 1, "other_score": 0.4,
                            "candidates": [{"name": faq, "question": "?", "score": 0.97}]}
        events.append(_event(sender, "user", t, text=parse["text"], parse_data=parse,
                             input_channel="rest", message_id=parse["message_id"]))
        events.append(_event(sender, "user_featurization", t, use_text_for_featurization=False))
        latency = rng.uniform(0.005, 0.12)
        events.append(_event(sender, "action", t + 0.001, name="action_answer_question",
                             policy="GuardedRulePolicy", confidence=1.0))
        events.append(_event(sender, "bot", t + latency, text="An answer. " * 30,
                             data={"buttons": [{"title": "Book a session",
                                                "payload": "/request_booking"}] * 3}))
        if topic:
            events.append(_event(sender, "slot", t + latency, name="last_topic", value=topic))
        events.append(_event(sender, "action", t + latency + 0.001, name="action_listen",
                             policy="GuardedRulePolicy", confidence=1.0))
    return events


def traffic(total_events: int, start: float, seed: int = 18) -> List[Dict[str, Any]]:
    """About ``total_events`` events from conversations of 2-8 messages, interleaved."""
    rng = random.Random(seed)
    conversations: List[List[Dict[str, Any]]] = []
    count = 0
    while count < total_events:
        events = conversation(f"bench-{uuid.uuid4().hex}", start + rng.uniform(0, 3600),
                              rng.randint(2, 8), rng)
        conversations.append(events)
        count += len(events)
    return sorted((e for c in conversations for e in c), key=lambda e: e["timestamp"])


def turn_rows(total_events: int, end: float, days: int, timezone: str,
              seed: int = 18) -> Iterator[Dict[str, Any]]:
    """``analytics_turns`` rows for about ``total_events`` events spread over ``days``."""
    rng = random.Random(seed)
    for n in range(int(total_events / EVENTS_PER_TURN)):
        conversation_no, turn = divmod(n, 5)
        at = end - rng.uniform(0, days * 86400)
        day, hour = local_day_hour(at, timezone)
        intent, topic, faq = rng.choice(MIX)
        fallback = intent == "nlu_fallback"
        yield {"conversation": conversation_key(f"c{conversation_no}"), "turn": turn + 1,
               "at": at, "day": day, "hour": hour, "intent": intent, "confidence": 0.9,
               "topic": f"faq:{faq}" if faq else (topic or intent), "faq": faq,
               "fallback": fallback, "did_you_mean": fallback and rng.random() < 0.3,
               "emergency": rng.random() < 0.002, "language": "es" if n % 9 == 0 else "en",
               "latency_ms": int(rng.lognormvariate(3.5, 0.6)), "sensitive": False,
               "in_form": False, "user_text": "question about massage", "bot_text": "answer"}


class PgSchema:
    """A throwaway PostgreSQL schema and an analytics engine on it."""

    def __init__(self, url: str) -> None:
        self.url, self.name = url, f"bench_analytics_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(url, future=True)

    def __enter__(self) -> sa.engine.Engine:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        self.engine = schema.create_engine(self.url, schema=self.name)
        return self.engine

    def __exit__(self, *_exc: Any) -> None:
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()
