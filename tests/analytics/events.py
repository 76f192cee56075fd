"""Conversations built from Rasa's own event classes, as the broker publishes them.

Each event is ``{"sender_id": ..., **event.as_dict()}``, exactly what
``TrackerStore.stream_events`` hands to ``EventBroker.publish``; timestamps are set so that
the reply times are known.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from clinic.language.detect import PARSE_KEY, Detection
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

_UNSET = object()  # no language in the parse data (a pipeline without the detector)
T0 = 1_796_600_000.0  # 2026-12-06 23:33:20 UTC = 15:33:20 in Los Angeles
TZ = "America/Los_Angeles"
DAY = "2026-12-06"


def detected(code: Optional[str], text: str) -> Dict[str, Any]:
    """What the language detector writes into a message's parse data (``PARSE_KEY``)."""
    words = len(text.split())
    if code is None:
        return Detection(None, 0.0, False, False, False, 0, "none").as_parse_data()
    return Detection(code, 0.99, True, words >= 3, False, words, "model").as_parse_data()


class Conversation:
    """A scripted conversation: call the helpers in order, read ``events``."""

    def __init__(self, sender: str, start: float = T0) -> None:
        self.sender = sender
        self.t = start
        self.events: List[Dict[str, Any]] = []
        self.add(ActionExecuted("action_session_start"))
        self.add(SessionStarted())
        self.add(ActionExecuted("action_listen"))

    def add(self, event: Event, after: float = 0.001) -> "Conversation":
        self.t += after
        event.timestamp = self.t
        self.events.append({"sender_id": self.sender, **event.as_dict()})
        return self

    def user(self, text: str, intent: str, confidence: float = 0.99,
             entities: Sequence[Dict[str, Any]] = (), faq: Optional[Dict[str, Any]] = None,
             language: Any = _UNSET) -> "Conversation":
        parse = {"text": text, "intent": {"name": intent, "confidence": confidence},
                 "entities": list(entities),
                 "intent_ranking": [{"name": intent, "confidence": confidence}]}
        if faq is not None:
            parse["faq"] = faq
        if language is not _UNSET:
            parse[PARSE_KEY] = detected(language, text)
        return self.add(UserUttered(text, parse["intent"], list(entities), parse), after=1.0)

    def bot(self, text: str, after: float = 0.010) -> "Conversation":
        return self.add(BotUttered(text, {}), after=after)

    def action(self, name: str) -> "Conversation":
        return self.add(ActionExecuted(name, policy="GuardedRulePolicy", confidence=1.0))

    def slot(self, name: str, value: Any) -> "Conversation":
        return self.add(SlotSet(name, value))

    def loop(self, name: Optional[str]) -> "Conversation":
        return self.add(ActiveLoop(name))

    def listen(self) -> "Conversation":
        return self.action("action_listen")

    # ------------------------------------------------------------------ whole turns

    def answer(self, text: str, intent: str, topic: str, after: float = 0.010,
               language: Any = _UNSET) -> "Conversation":
        self.user(text, intent, language=language).action("action_answer_question")
        return self.bot(f"About {topic}.", after=after).slot("last_topic", topic).listen()

    def faq(self, text: str, name: str, language: Any = _UNSET) -> "Conversation":
        decision = {"decision": "answer", "version": 1,
                    "candidates": [{"name": name, "question": "?", "score": 0.97}]}
        self.user(text, "faq", 0.97, faq=decision, language=language)
        self.action("action_answer_faq")
        return self.bot(f"The answer of {name}.").listen()

    def unclear(self, text: str, reply: str = "I'm sorry, I don't know that one.",
                language: Any = _UNSET) -> "Conversation":
        self.user(text, "nlu_fallback", 0.55, language=language)
        self.action("action_handle_unclear")
        return self.bot(reply).listen()

    def emergency(self, text: str, language: str = "en") -> "Conversation":
        entity = {"entity": "safety_language", "value": language, "start": 0, "end": len(text)}
        self.user(text, "emergency", 1.0, entities=[entity]).slot("safety_language", language)
        self.action("utter_emergency").bot("Please call 911 now.", after=0.003)
        return self.action("action_stop_form_for_safety").listen()

    def booking(self, answers: Sequence[str], complete: bool = True,
                kind: Optional[str] = None) -> "Conversation":
        self.user("I'd like to book a session", "request_booking").action("action_booking_start")
        if kind:
            self.slot("booking_kind", kind)
        self.bot("Happy to help you request a session.").action("booking_form")
        self.loop("booking_form").slot("requested_slot", "booking_name")
        self.bot("What name should the clinic use?").listen()
        for answer in answers:
            self.user(answer, "inform_booking").action("booking_form")
            self.bot("Next question?").listen()
        if not complete:
            self.user("cancel", "cancel_booking").action("action_deactivate_loop").loop(None)
            return self.action("action_cancel_booking").bot("Okay, I've stopped.").listen()
        self.user("/affirm", "affirm", 1.0).action("booking_form").slot("requested_slot", None)
        self.loop(None).action("action_submit_booking")
        self.bot("Thank you, Maria Lopez! Your booking request has been received.")
        for slot in ("booking_name", "booking_contact", "booking_kind"):
            self.slot(slot, None)
        return self.listen()


def sample_traffic(prefix: str = "s", start: float = T0) -> List[Dict[str, Any]]:
    """Four conversations with known figures (see ``SAMPLE_FIGURES``)."""
    a = Conversation(f"{prefix}-a", start)
    a.user("hello", "greet").action("utter_greet").bot("Hi!").listen()
    a.answer("what is nmt?", "ask_nmt_overview", "nmt_overview", after=0.020)
    a.faq("how much does it cost", "prices")
    a.unclear("which one", "I'm not sure I got that. Did you mean…?")
    b = Conversation(f"{prefix}-b", start + 5)
    b.booking(["Maria Lopez", "maria@example.com", "310-555-0142", "tuesday"])
    c = Conversation(f"{prefix}-c", start + 10)
    c.emergency("me duele el pecho", "es")
    c.unclear("blue")
    d = Conversation(f"{prefix}-d", start + 15)
    d.booking(["Jo"], complete=False)
    return a.events + b.events + c.events + d.events


# What ``make analytics`` must say about ``sample_traffic`` (worked out by hand: a has 4 turns,
# b 6, c 2, d 3; "which one" and "blue" are unanswered fallbacks; the answers to the form's
# questions are left out of the topics; reply times: 5, nine times 11, 13, 14, 21, 24, 24 ms).
SAMPLE_FIGURES = {
    "conversations": 4,
    "messages": 15,
    "fallback_rate": round(2 / 15, 4),
    "bookings_started": 2,
    "bookings_completed": 1,
    "emergencies": 1,
    "top_topics": [["nlu_fallback", 2], ["request_booking", 2], ["emergency", 1],
                   ["faq:prices", 1], ["greet", 1], ["nmt_overview", 1]],
    "latency_ms": {"p50": 11, "p95": 24},
    # no detector in these parse data: the safety gate's language ("me duele el pecho"),
    # else a guess; "/affirm" (a button) has none
    "per_language": {
        "en": {"messages": 13, "conversations": 4, "fallbacks": 2,
               "fallback_rate": round(2 / 13, 4)},
        "es": {"messages": 1, "conversations": 1, "fallbacks": 0, "fallback_rate": 0.0},
        "none": {"messages": 1, "conversations": None, "fallbacks": 0, "fallback_rate": 0.0},
    },
}


def mixed_language_traffic(prefix: str = "m", start: float = T0) -> List[Dict[str, Any]]:
    """Four conversations in English, Spanish, both, and neither, with the language
    detector's answer in every parse data (see ``MIXED_FIGURES``)."""
    en = Conversation(f"{prefix}-en", start)
    en.user("hello", "greet", language="en").action("utter_greet").bot("Hi!").listen()
    en.answer("what is nmt?", "ask_nmt_overview", "nmt_overview", language="en")
    en.unclear("tell me about the blue thing", language="en")
    es = Conversation(f"{prefix}-es", start + 5)
    es.user("hola", "greet", language="es").action("utter_greet").bot("¡Hola!").listen()
    es.answer("¿qué es la terapia neuromuscular?", "ask_nmt_overview", "nmt_overview",
              language="es")
    es.unclear("no entiendo nada de eso", "No estoy seguro de haberle entendido.",
               language="es")
    es.user("ok", "affirm", language=None).action("utter_happy").bot("¡Genial!").listen()
    both = Conversation(f"{prefix}-both", start + 10)
    both.answer("what is fmm?", "ask_fmm_overview", "fmm_overview", language="en")
    both.faq("y cuánto cuesta una sesión", "prices", language="es")
    both.unclear("qué es eso de azul", language="es")
    both.user("/affirm", "affirm", 1.0, language=None).action("utter_happy").bot("Great!")
    both.listen()
    neither = Conversation(f"{prefix}-none", start + 15)
    neither.unclear("👍", language=None)
    return en.events + es.events + both.events + neither.events


# ``mixed_language_traffic`` by hand: 4 conversations, 12 messages, 4 not understood.
# English: m-en's 3 and m-both's first (2 conversations, 1 not understood); Spanish: m-es's
# 3 and m-both's 2 (2 conversations, 2 not understood); none: "ok", "/affirm", "👍".
MIXED_FIGURES = {
    "conversations": 4,
    "messages": 12,
    "fallback_rate": round(4 / 12, 4),
    "per_language": {
        "en": {"messages": 4, "conversations": 2, "fallbacks": 1, "fallback_rate": 0.25},
        "es": {"messages": 5, "conversations": 2, "fallbacks": 2, "fallback_rate": 0.4},
        "none": {"messages": 3, "conversations": None, "fallbacks": 1,
                 "fallback_rate": round(1 / 3, 4)},
    },
}
# Each message's language, per conversation, as the transcripts show them.
MIXED_LANGUAGES = {
    "m-en": ["en", "en", "en"],
    "m-es": ["es", "es", "es", None],
    "m-both": ["en", "es", "es", None],
    "m-none": [None],
}
