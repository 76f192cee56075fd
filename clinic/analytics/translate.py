"""Rasa tracker events -> analytics rows (pure: no database, no clock).

A *turn* is one visitor message and everything the assistant did until it listened again.
Events of one conversation are applied in order to its ``ConversationState`` and its current
``Turn``; the same events always give the same rows, however they are split into batches.

What a turn records (docs/analytics.md):

* ``intent``/``confidence`` from the NLU, ``topic``: the curated topic answered (slot
  ``last_topic``), ``faq:<name>`` for a staff FAQ, else the intent;
* ``fallback``: outside the booking form the NLU was unsure (``nlu_fallback``) and the turn
  answered no topic or FAQ (a rephrase request, "did you mean", or "I don't know");
* ``did_you_mean``: the assistant offered a choice ("Did you mean ...?");
* ``emergency``: the 911 / 988 reply was shown (``utter_emergency`` / ``utter_crisis``);
* ``language``: ``es``/``en``: the language detector's (``parse_data["language"]["code"]``,
  ``clinic.language.detect.PARSE_KEY``) where the pipeline has one, else the safety gate's,
  else a guess; none for payloads and messages without words of either language;
* ``first_in_language``: the conversation's first message in that language (so the
  dashboard counts conversations per language; the state remembers the languages seen);
* ``latency_ms``: from the visitor's event to the turn's last bot event (server timestamps;
  Rasa stamps the visitor's event after NLU parsing, so parsing time is not included);
* ``in_form``: an answer to a booking form question (left out of the top topics);
* texts, cleaned (``clinic.analytics.text``), except in *sensitive* turns (booking form,
  health intents, emergencies), which keep none.

The booking funnel: ``started`` when the booking form becomes active, ``completed`` when
``action_submit_booking`` stored the request (it then clears ``booking_name``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from clinic.analytics.text import SENSITIVE_INTENTS, clean_text
from clinic.language.detect import PARSE_KEY
from clinic.safety.text import guess_language

BOOKING_FORM = "booking_form"
SUBMIT_ACTION = "action_submit_booking"
LISTEN_ACTION = "action_listen"
EMERGENCY_ACTIONS = frozenset({"utter_emergency", "utter_crisis"})
FALLBACK_INTENT = "nlu_fallback"
FAQ_INTENT = "faq"
FAQ_NAME_ENTITY = "faq_name"
LANGUAGE_ENTITY = "safety_language"
TOPIC_SLOT = "last_topic"
KIND_SLOT = "booking_kind"
NAME_SLOT = "booking_name"
# How the assistant's replies offering a choice begin (actions/faq_replies.py DID_YOU_MEAN,
# actions/knowledge_replies.py unclear_reply; tests/analytics checks they still do).
DID_YOU_MEAN_PREFIXES = ("Did you mean", "I'm not sure I got that. Did you mean")
STARTED, COMPLETED = "started", "completed"
MAX_BOT_TEXT = 2000


def conversation_key(sender_id: str) -> str:
    """The conversation's key in analytics: a hash, so no sender id is stored."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day_hour(timestamp: float, timezone: str) -> Tuple[str, int]:
    """``("YYYY-MM-DD", hour)`` of a Unix timestamp in the clinic's time zone."""
    moment = datetime.fromtimestamp(timestamp, _zone(timezone))
    return moment.strftime("%Y-%m-%d"), moment.hour


@dataclass
class ConversationState:
    """What must be remembered about a conversation between events."""

    id: str
    first_at: float
    last_at: float
    turns: int = 0
    active_loop: Optional[str] = None
    booking_kind: Optional[str] = None
    last_action: Optional[str] = None
    turn_open: bool = False
    languages: Optional[str] = None  # the languages of its messages so far: "en", "en,es"

    def seen_language(self, code: str) -> bool:
        """Records ``code`` as a language of this conversation; True when it is new."""
        seen = set(filter(None, (self.languages or "").split(",")))
        if code in seen:
            return False
        self.languages = ",".join(sorted(seen | {code}))
        return True


@dataclass
class Turn:
    """One visitor message and the assistant's reply to it."""

    conversation: str
    turn: int
    at: float
    day: str
    hour: int
    intent: Optional[str] = None
    confidence: Optional[float] = None
    topic: Optional[str] = None
    faq: Optional[str] = None
    fallback: bool = False
    did_you_mean: bool = False
    emergency: bool = False
    language: Optional[str] = None
    first_in_language: bool = False  # the conversation's first message in ``language``
    latency_ms: Optional[int] = None
    sensitive: bool = False
    in_form: bool = False  # an answer to a booking form question
    user_text: Optional[str] = None
    bot_text: Optional[str] = None
    row_id: Optional[int] = field(default=None, compare=False)  # set once stored

    def mark_sensitive(self) -> None:
        """Keeps no text of this turn."""
        self.sensitive = True
        self.user_text = self.bot_text = None


@dataclass(frozen=True)
class FunnelStep:
    """A booking funnel step (``started`` or ``completed``)."""

    conversation: str
    turn: int
    step: str
    kind: str
    at: float
    day: str


def _faq_answered(parse: Mapping[str, Any]) -> Optional[str]:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == FAQ_NAME_ENTITY and entity.get("value"):
            return str(entity["value"])
    decision = parse.get("faq") or {}
    candidates = decision.get("candidates") or []
    if decision.get("decision") == "answer" and candidates and candidates[0].get("name"):
        return str(candidates[0]["name"])
    return None


def _language(text: str, parse: Mapping[str, Any]) -> Optional[str]:
    detected = parse.get(PARSE_KEY)  # the language detector's, where the pipeline has one
    if isinstance(detected, Mapping) and "code" in detected:
        return str(detected["code"]) if detected["code"] else None
    for entity in parse.get("entities") or []:
        if entity.get("entity") == LANGUAGE_ENTITY and entity.get("value"):
            return str(entity["value"])
    if not text.strip() or text.startswith("/"):
        return None
    return guess_language(text)


def new_turn(state: ConversationState, event: Mapping[str, Any], timezone: str) -> Turn:
    """The turn a visitor's message opens."""
    at = float(event.get("timestamp") or state.last_at)
    day, hour = local_day_hour(at, timezone)
    text = str(event.get("text") or "")
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    confidence = (parse.get("intent") or {}).get("confidence")
    in_form = state.active_loop == BOOKING_FORM
    faq = _faq_answered(parse) if intent == FAQ_INTENT else None
    turn = Turn(
        conversation=state.id, turn=state.turns, at=at, day=day, hour=hour,
        intent=intent, confidence=None if confidence is None else float(confidence),
        topic=f"faq:{faq}" if faq else intent, faq=faq,
        fallback=intent == FALLBACK_INTENT and not in_form,
        did_you_mean=intent == FAQ_INTENT and (parse.get("faq") or {}).get("decision") == "choose",
        language=_language(text, parse), in_form=in_form, user_text=clean_text(text),
    )
    if turn.language:
        turn.first_in_language = state.seen_language(turn.language)
    if in_form or intent in SENSITIVE_INTENTS:
        turn.mark_sensitive()
    return turn


def apply_event(state: ConversationState, turn: Optional[Turn], event: Mapping[str, Any],
                timezone: str) -> Tuple[Optional[Turn], List[FunnelStep]]:
    """Applies one event; returns the conversation's current turn and any funnel steps."""
    kind = event.get("event")
    at = float(event.get("timestamp") or state.last_at)
    state.last_at = max(state.last_at, at)
    steps: List[FunnelStep] = []
    if kind == "user":
        state.turns += 1
        state.turn_open, state.last_action = True, None
        return new_turn(state, event, timezone), steps
    open_turn = turn if (turn is not None and state.turn_open) else None
    if kind == "bot" and open_turn is not None:
        open_turn.latency_ms = max(0, int(round((at - open_turn.at) * 1000)))
        text = str(event.get("text") or "")
        if text.startswith(DID_YOU_MEAN_PREFIXES):
            open_turn.did_you_mean = True
        if not open_turn.sensitive and text:
            joined = "\n".join(filter(None, [open_turn.bot_text, clean_text(text)]))
            open_turn.bot_text = joined[:MAX_BOT_TEXT]
    elif kind == "action":
        name = event.get("name")
        state.last_action = name
        if name == LISTEN_ACTION:
            state.turn_open = False
        elif name in EMERGENCY_ACTIONS and open_turn is not None:
            open_turn.emergency = True
            open_turn.mark_sensitive()
    elif kind == "active_loop":
        name = event.get("name")
        if name == BOOKING_FORM and state.active_loop != BOOKING_FORM:
            steps.append(_step(state, STARTED, at, timezone))
            if open_turn is not None:
                open_turn.fallback = False
                open_turn.mark_sensitive()
        state.active_loop = name
    elif kind == "slot":
        _apply_slot(state, open_turn, event, at, timezone, steps)
    elif kind == "restart":
        state.active_loop = state.booking_kind = None
        state.turn_open = False
    return turn, steps


def _apply_slot(state: ConversationState, turn: Optional[Turn], event: Mapping[str, Any],
                at: float, timezone: str, steps: List[FunnelStep]) -> None:
    name, value = event.get("name"), event.get("value")
    if name == TOPIC_SLOT and value and turn is not None:
        turn.topic, turn.fallback = str(value), False
    elif name == KIND_SLOT:
        state.booking_kind = str(value) if value else None
    elif name == NAME_SLOT and value is None and state.last_action == SUBMIT_ACTION:
        if turn is not None:
            steps.append(_step(state, COMPLETED, at, timezone))


def _step(state: ConversationState, step: str, at: float, timezone: str) -> FunnelStep:
    day, _hour = local_day_hour(at, timezone)
    return FunnelStep(state.id, state.turns, step, state.booking_kind or "booking", at, day)


def new_state(sender_id: str, event: Mapping[str, Any]) -> ConversationState:
    """The state of a conversation seen for the first time."""
    at = float(event.get("timestamp") or 0.0)
    return ConversationState(id=conversation_key(sender_id), first_at=at, last_at=at)

