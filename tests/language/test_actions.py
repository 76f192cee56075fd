"""The language actions (actions/language.py) and the Spanish note in the answering actions,
with trackers built in code, as rasa-sdk's own tests do."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.language as language_actions
from actions.answers import ActionAnswerQuestion
from actions.conversation import ActionHandleUnclear
from actions.language import ActionConfirmLanguage, ActionDetectLanguage
from clinic.language.detect import NO_LANGUAGE, Detection
from clinic.language.messages import language_messages

MESSAGES = language_messages()
SPANISH = Detection("es", 0.99, True, True, False, 5, "model").as_parse_data()
MIXED = Detection("es", 0.7, False, False, True, 3, "model").as_parse_data()


def tracker(
    text: str,
    *,
    intent: str = "nlu_fallback",
    language: Optional[Dict[str, Any]] = None,
    slot: Optional[str] = None,
    question: bool = False,
    entities: Optional[List[Dict[str, Any]]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    earlier: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    latest: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "language": language if language is not None else NO_LANGUAGE.as_parse_data(),
    }
    if metadata is not None:
        latest["metadata"] = metadata
    events = list(earlier or []) + [{"event": "user", "text": text, "parse_data": latest}]
    slots = {"language": slot, "language_question": question}
    return Tracker("s", slots, latest, events, False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return events, dispatcher.messages


def slot_value(events: List[Dict[str, Any]], name: str = "language") -> Any:
    values = [e["value"] for e in events if e.get("name") == name]
    return values[-1] if values else "unchanged"


@pytest.fixture(autouse=True)
def both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language_actions, "_offered", lambda: ["en", "es"])


async def test_a_clear_spanish_message_sets_spanish() -> None:
    events, said = await run(ActionDetectLanguage(), tracker("quiero una cita", language=SPANISH))
    assert slot_value(events) == "es" and said == []


async def test_ok_changes_nothing() -> None:
    events, said = await run(ActionDetectLanguage(), tracker("ok", slot="es"))
    assert events == [] and said == []


async def test_an_unsure_first_message_gets_the_language_buttons_once() -> None:
    events, said = await run(ActionDetectLanguage(), tracker("ok and the masaje", language=MIXED))
    assert slot_value(events) == "unchanged" and said == []  # a slot mapping cannot speak
    assert slot_value(events, "language_question") is True
    # ...so the turn's answer asks first, and only once
    events, said = await run(ActionAnswerQuestion(), tracker(
        "ok and the masaje", intent="ask_nmt_overview", language=MIXED, question=True))
    assert said[0]["text"] == MESSAGES.ask.text
    assert [b["payload"] for b in said[0]["buttons"]] == [
        '/choose_language{"language":"en"}', '/choose_language{"language":"es"}']
    assert slot_value(events, "language_question") is False
    earlier = [{"event": "user", "text": "hmm what", "parse_data": {"intent": {"name": "x"}}}]
    events, said = await run(ActionDetectLanguage(), tracker(
        "ok and the masaje", language=MIXED, earlier=earlier, question=True))
    assert slot_value(events, "language_question") is False


async def test_the_button_and_the_widget_page_language() -> None:
    chosen = [{"entity": "language", "value": "es"}]
    events, _ = await run(ActionDetectLanguage(), tracker(
        '/choose_language{"language":"es"}', intent="choose_language", entities=chosen,
        slot="en"))
    assert slot_value(events) == "es"
    events, _ = await run(ActionDetectLanguage(), tracker(
        "/what_can_you_do", intent="what_can_you_do", metadata={"language": "es-MX"}))
    assert slot_value(events) == "es"


async def test_english_only_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language_actions, "_offered", lambda: ["en"])
    events, said = await run(ActionDetectLanguage(), tracker("quiero una cita", language=SPANISH))
    assert events == [] and said == []
    chosen = [{"entity": "language", "value": "es"}]
    _, said = await run(ActionConfirmLanguage(), tracker(
        "Español", intent="choose_language", entities=chosen))
    assert said[0]["text"] == MESSAGES.unavailable.text


async def test_confirm_language_says_it_in_the_language_chosen() -> None:
    chosen = [{"entity": "language", "value": "es"}]
    _, said = await run(ActionConfirmLanguage(), tracker(
        "Español", intent="choose_language", entities=chosen, slot="es"))
    assert said[0]["text"] == MESSAGES.chosen["es"].text
    _, said = await run(ActionConfirmLanguage(), tracker(
        "other languages?", intent="choose_language"))
    assert said[0]["text"] == MESSAGES.ask.text


async def test_an_english_answer_in_a_spanish_conversation_comes_after_the_note() -> None:
    t = tracker("¿qué es nmt?", intent="ask_nmt_overview", slot="es", language=SPANISH)
    _, said = await run(ActionAnswerQuestion(), t)
    assert said[0]["text"] == MESSAGES.note.text
    assert "NMT" in said[1]["text"] or "Neuromuscular" in said[1]["text"]
    _, said = await run(ActionAnswerQuestion(), tracker("what is nmt", intent="ask_nmt_overview"))
    assert MESSAGES.note.text not in [m["text"] for m in said]


async def test_an_unclear_spanish_message_gets_the_spanish_reply() -> None:
    t = tracker("zxqv blorf snark", slot="es")
    _, said = await run(ActionHandleUnclear(), t)
    assert [m["text"] for m in said] == [MESSAGES.unclear.text]
    _, said = await run(ActionHandleUnclear(), tracker("zxqv blorf snark"))
    assert said and said[0]["text"] != MESSAGES.unclear.text
