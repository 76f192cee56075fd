"""Event -> row translation, on event dicts made by Rasa's own event classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from clinic.analytics.text import clean_text
from clinic.analytics.translate import (
    DID_YOU_MEAN_PREFIXES,
    ConversationState,
    FunnelStep,
    Turn,
    apply_event,
    conversation_key,
    local_day_hour,
    new_state,
)
from tests.analytics.events import DAY, T0, TZ, Conversation

ROOT = Path(__file__).resolve().parents[2]


def translate(events: Sequence[Dict[str, Any]]) -> Tuple[List[Turn], List[FunnelStep]]:
    """Applies events of one conversation in order; returns every turn and funnel step."""
    state: ConversationState = new_state(events[0]["sender_id"], events[0])
    turn = None
    turns: Dict[int, Turn] = {}
    steps: List[FunnelStep] = []
    for event in events:
        turn, new_steps = apply_event(state, turn, event, TZ)
        steps += new_steps
        if turn is not None:
            turns[turn.turn] = turn
    return [turns[n] for n in sorted(turns)], steps


def test_answers_faqs_and_fallbacks_become_turns() -> None:
    c = Conversation("visitor-1")
    c.user("hello", "greet").action("utter_greet").bot("Hi!").listen()
    c.answer("what is nmt?", "ask_nmt_overview", "nmt_overview", after=0.020)
    c.faq("how much does it cost", "prices")
    c.unclear("trigger thing", "I think you're asking about trigger points.")
    c.slot("last_topic", "ignored after action_listen")
    c.unclear("which one", "I'm not sure I got that. Did you mean…?")
    c.unclear("blue")
    turns, steps = translate(c.events)
    assert [t.turn for t in turns] == [1, 2, 3, 4, 5, 6]
    assert [t.topic for t in turns] == ["greet", "nmt_overview", "faq:prices", "nlu_fallback",
                                        "nlu_fallback", "nlu_fallback"]
    assert [t.faq for t in turns] == [None, None, "prices", None, None, None]
    assert [t.fallback for t in turns] == [False, False, False, True, True, True]
    assert [t.did_you_mean for t in turns] == [False, False, False, False, True, False]
    assert [t.latency_ms for t in turns] == [11, 21, 11, 11, 11, 11]
    assert turns[0].conversation == conversation_key("visitor-1") != "visitor-1"
    assert (turns[0].day, turns[0].hour) == (DAY, 15)
    assert turns[1].intent == "ask_nmt_overview" and turns[1].confidence == 0.99
    assert turns[1].user_text == "what is nmt?" and turns[1].bot_text == "About nmt_overview."
    assert steps == []


def test_a_fallback_answered_from_the_content_is_not_a_fallback() -> None:
    c = Conversation("visitor-2")
    c.user("trigger thing", "nlu_fallback", 0.55).action("action_handle_unclear")
    c.bot("I think you're asking about trigger points.").slot("last_topic", "trigger_points")
    turns, _ = translate(c.listen().events)
    assert (turns[0].topic, turns[0].fallback) == ("trigger_points", False)


def test_booking_funnel_started_completed_and_kinds() -> None:
    done = Conversation("booker").booking(["Maria Lopez", "maria@example.com", "tuesday"])
    turns, steps = translate(done.events)
    assert [(s.step, s.turn, s.kind, s.day) for s in steps] == [
        ("started", 1, "booking", DAY), ("completed", 5, "booking", DAY)]
    assert [t.in_form for t in turns] == [False, True, True, True, True]
    cancelled = Conversation("canceller").booking(["Jo"], complete=False)
    assert [s.step for s in translate(cancelled.events)[1]] == ["started"]
    callback = Conversation("caller").booking(["Al", "al@example.com"], kind="callback")
    assert {s.kind for s in translate(callback.events)[1]} == {"callback"}


def test_a_request_that_could_not_be_stored_is_not_completed() -> None:
    c = Conversation("unlucky").booking(["Maria"], complete=False)
    c.events = c.events[:-6]  # drop the cancel turn
    c.user("/affirm", "affirm").action("booking_form").loop(None)
    c.action("action_submit_booking").bot("Sorry, I couldn't pass on your request.").listen()
    steps = translate(c.events)[1]
    assert [s.step for s in steps] == ["started"]


def test_a_fallback_inside_the_booking_form_is_an_answer_not_a_fallback() -> None:
    c = Conversation("concern").booking([], complete=False)
    c.events = c.events[:-6]
    c.user("my back hurts", "nlu_fallback", 0.55).action("booking_form").bot("Next?").listen()
    turns, _ = translate(c.events)
    assert turns[-1].in_form and not turns[-1].fallback and turns[-1].topic == "nlu_fallback"


def test_emergencies_and_languages() -> None:
    c = Conversation("es-visitor")
    c.emergency("me duele mucho el pecho y el brazo izquierdo", "es")
    c.user("¿qué es la terapia neuromuscular?", "ask_nmt_overview").action("x").bot("…").listen()
    c.user("/ask_fmm_overview", "ask_fmm_overview", 1.0).action("x").bot("…").listen()
    turns, _ = translate(c.events)
    assert [t.emergency for t in turns] == [True, False, False]
    assert turns[0].latency_ms == 5
    assert [t.language for t in turns] == ["es", "es", None]


def test_personal_data_is_not_kept() -> None:
    c = Conversation("private")
    c.user("my name is Zebulon, mail zeb@example.com or call (310) 555-0199", "inform_booking")
    c.action("action_reply_guard").bot("Thanks. I don't keep your e-mail address here.").listen()
    c.booking(["Zebulon Quartermaine", "zeb@example.com"])
    c.user("do I have sciatica? my leg is numb", "ask_diagnosis").action("x").bot("…").listen()
    c.emergency("crushing chest pain")
    turns, _ = translate(c.events)
    assert turns[0].user_text == "my name is [name], mail [email] or call [phone]"
    assert all(t.user_text is None and t.bot_text is None for t in turns[1:])
    assert all(t.sensitive for t in turns[1:])


def test_clean_text_blanks_names_contacts_and_long_texts() -> None:
    assert clean_text("I'm Ana, 555-0199") == "I'm [name], [phone]"
    assert clean_text("I'm having pain") == "I'm having pain"
    assert clean_text("   ") is None
    assert len(clean_text("word " * 400) or "") == 500


def test_did_you_mean_prefixes_are_what_the_actions_say() -> None:
    from actions.faq_replies import DID_YOU_MEAN

    assert DID_YOU_MEAN.startswith(DID_YOU_MEAN_PREFIXES)
    source = (ROOT / "actions" / "knowledge_replies.py").read_text(encoding="utf-8")
    assert '"I\'m not sure I got that. Did you mean…?"' in source
    assert "I'm not sure I got that. Did you mean…?".startswith(DID_YOU_MEAN_PREFIXES)


def test_days_and_hours_are_the_clinics() -> None:
    assert local_day_hour(T0, TZ) == ("2026-12-06", 15)
    assert local_day_hour(T0 + 9 * 3600, TZ) == ("2026-12-07", 0)
    assert local_day_hour(T0, "UTC") == ("2026-12-06", 23)


def test_the_language_detectors_answer_comes_first() -> None:
    c = Conversation("detected")
    c.user("ok", "affirm").action("x").bot("…").listen()
    c.events[-4]["parse_data"]["language"] = {"code": "es", "confidence": 0.9}
    c.user("hola, ¿qué es?", "greet").action("x").bot("…").listen()
    c.events[-4]["parse_data"]["language"] = {"code": None, "confidence": 0.0}
    turns, _ = translate(c.events)
    assert [t.language for t in turns] == ["es", None]


def test_each_message_keeps_its_language_and_the_first_in_each_is_marked() -> None:
    from tests.analytics.events import MIXED_LANGUAGES, mixed_language_traffic

    events = mixed_language_traffic()
    for sender, languages in MIXED_LANGUAGES.items():
        mine = [e for e in events if e["sender_id"] == sender]
        state = new_state(sender, mine[0])
        turn = None
        turns: Dict[int, Turn] = {}
        for event in mine:
            turn, _steps = apply_event(state, turn, event, TZ)
            if turn is not None:
                turns[turn.turn] = turn
        assert [turns[n].language for n in sorted(turns)] == languages
        firsts = [turns[n].language for n in sorted(turns) if turns[n].first_in_language]
        assert firsts == list(dict.fromkeys(code for code in languages if code)), sender
        assert state.languages == (",".join(sorted(set(filter(None, languages)))) or None)
    # "en,es": a third message in English is not the first in English any more
    state = ConversationState(id="x", first_at=T0, last_at=T0, turns=3, languages="en,es")
    c = Conversation("x")
    c.user("and in FMM?", "ask_fmm_overview", language="en")
    c.user("¿y en FMM?", "ask_fmm_overview", language="es")
    c.user("ok", "affirm", language=None)
    marks = [apply_event(state, None, e, TZ)[0] for e in c.events if e["event"] == "user"]
    assert [(t.language, t.first_in_language) for t in marks] == \
        [("en", False), ("es", False), (None, False)]
    assert state.languages == "en,es"
