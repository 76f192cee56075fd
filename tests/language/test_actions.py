"""The language actions (actions/language.py), the Spanish answers of the curated content
and the Spanish note in the answering actions, with trackers built in code, as rasa-sdk's
own tests do."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.answers as answer_actions
import actions.language as language_actions
from actions.answers import ActionAnswerQuestion
from actions.contact import ActionOfferHuman
from actions.conversation import ActionHandleUnclear, ActionReplyGuard
from actions.knowledge import KnowledgeBase, knowledge_base
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
    last_topic: Optional[str] = None,
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
    slots = {"language": slot, "language_question": question, "last_topic": last_topic}
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


KB = knowledge_base()


def spanish(topic_id: str, part: str = "answer") -> str:
    return KB.topics[topic_id].spanish[part]


def titles(message: Dict[str, Any]) -> List[str]:
    return [b["title"] for b in message.get("buttons") or []]


def payloads(message: Dict[str, Any]) -> List[str]:
    return [b.get("payload") or b.get("url") for b in message.get("buttons") or []]


def bot(text: str, buttons: List[Dict[str, str]]) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons}}


async def test_a_spanish_conversation_gets_the_spanish_answer_with_no_note() -> None:
    t = tracker("¿qué es nmt?", intent="ask_nmt_overview", slot="es", language=SPANISH)
    events, said = await run(ActionAnswerQuestion(), t)
    assert len(said) == 1 and MESSAGES.note.text not in said[0]["text"]
    assert said[0]["text"].startswith(spanish("nmt_overview"))
    assert "(Fuente: nuestro artículo «Neuromuscular Massage in Los Angeles" in said[0]["text"]
    assert titles(said[0]) == ["¿Qué usa NMT?", "¿NMT o FMM?", "Pedir una cita"]
    _, english = await run(ActionAnswerQuestion(), tracker("what is nmt", intent="ask_nmt_overview"))
    assert payloads(said[0]) == payloads(english[0])  # the same payloads in both languages
    assert {"event": "slot", "timestamp": None, "name": "last_topic",
            "value": "nmt_overview"} in events


async def test_an_english_conversation_is_unchanged() -> None:
    for slot in (None, "en"):
        t = tracker("what is nmt", intent="ask_nmt_overview", slot=slot)
        _, said = await run(ActionAnswerQuestion(), t)
        assert len(said) == 1 and said[0]["text"].startswith(KB.topics["nmt_overview"].answer)
        assert "(From our article" in said[0]["text"]
        assert titles(said[0]) == ["What does NMT use?", "NMT or FMM?", "Book a session"]


async def test_tell_me_more_why_and_the_other_therapy_in_spanish() -> None:
    more = tracker("cuénteme más", intent="ask_more", slot="es", last_topic="trigger_points_nmt")
    _, said = await run(ActionAnswerQuestion(), more)
    assert [m["text"].split("\n\n")[0] for m in said] == [spanish("trigger_points_nmt", "more")]
    why = tracker("¿por qué?", intent="ask_why", slot="es", last_topic="client_role")
    _, said = await run(ActionAnswerQuestion(), why)
    assert [m["text"].split("\n\n")[0] for m in said] == [spanish("client_role", "why")]
    # no "why" of its own: its "more"
    why = tracker("¿por qué?", intent="ask_why", slot="es", last_topic="trigger_points")
    _, said = await run(ActionAnswerQuestion(), why)
    assert said[0]["text"].startswith(spanish("trigger_points", "more"))
    # "¿y en FMM?" after an NMT-only topic: the Spanish note of the topic, then FMM's answer
    other = tracker("¿y en FMM?", intent="ask_other_therapy", slot="es", last_topic="nmt_tools",
                    entities=[{"entity": "therapy", "value": "FMM", "text": "FMM"}])
    _, said = await run(ActionAnswerQuestion(), other)
    assert said[0]["text"].startswith(
        f'{spanish("nmt_tools", "other_therapy_note")} {spanish("fmm_overview")}')


async def test_typed_short_replies_in_spanish_follow_the_context() -> None:
    why = tracker("¿por qué?", slot="es", last_topic="client_role")
    _, said = await run(ActionReplyGuard(), why)
    assert [m["text"].split("\n\n")[0] for m in said] == [spanish("client_role", "why")]
    _, said = await run(ActionReplyGuard(), tracker("vale", slot="es"))
    assert said[0]["text"] == "Me alegra que le sirva. ¿Hay algo más que le gustaría saber?"
    assert titles(said[0]) == ["¿Qué es NMT?", "¿Qué es FMM?", "¿NMT o FMM?", "Pedir una cita"]
    offered = [bot("¿Se refería a…?", [
        {"title": "¿Qué son los puntos gatillo?", "payload": "/ask_trigger_points"},
        {"title": "¿Qué es la coraza muscular?", "payload": "/ask_armoring"}])]
    _, said = await run(ActionReplyGuard(), tracker("la segunda", slot="es", earlier=offered))
    assert said[0]["text"].startswith(spanish("armoring"))
    # the same in English is unchanged
    _, said = await run(ActionReplyGuard(), tracker("ok"))
    assert said[0]["text"] == "Glad that helps. Is there anything else you'd like to know?"


async def test_an_unclear_spanish_question_is_searched_in_the_spanish_texts() -> None:
    t = tracker("tengo hormigueo en los dedos de la mano", slot="es", language=SPANISH)
    _, said = await run(ActionHandleUnclear(), t)
    assert len(said) == 1 and MESSAGES.note.text not in said[0]["text"]
    assert said[0]["text"].startswith(
        f"Creo que me pregunta por «El atrapamiento nervioso». {spanish('nerve_entrapment')}")
    assert titles(said[0])[-1] == "Pedir una cita"


async def test_a_topic_with_no_spanish_is_answered_in_english_after_the_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    topics = dict(KB.topics)
    topics["nmt_overview"] = replace(topics["nmt_overview"], spanish={})
    english_only = KnowledgeBase(topics=topics, sources=KB.sources, routes=KB.routes)
    monkeypatch.setattr(answer_actions, "knowledge_base", lambda: english_only)
    t = tracker("¿qué es nmt?", intent="ask_nmt_overview", slot="es", language=SPANISH)
    _, said = await run(ActionAnswerQuestion(), t)
    assert said[0]["text"] == MESSAGES.note.text
    assert said[1]["text"].startswith(KB.topics["nmt_overview"].answer)
    assert "Book a session" in titles(said[1])  # all English, never half and half


async def test_the_language_question_still_comes_first_in_spanish() -> None:
    t = tracker("¿qué es nmt?", intent="ask_nmt_overview", slot="es", question=True)
    events, said = await run(ActionAnswerQuestion(), t)
    assert said[0]["text"] == MESSAGES.ask.text
    assert said[1]["text"].startswith(spanish("nmt_overview")) and len(said) == 2
    assert slot_value(events, "language_question") is False


async def test_a_spanish_location_answer_fills_spanish_clinic_sentences() -> None:
    t = tracker("¿dónde están?", intent="ask_location", slot="es")
    _, said = await run(ActionAnswerQuestion(), t)
    text = said[0]["text"]
    assert text.startswith("Estamos en Los Angeles.") and "{" not in text
    assert "todavía no" in text and "isn't" not in text and "aren't" not in text
    assert MESSAGES.note.text not in text


async def test_asking_for_a_person_in_spanish() -> None:
    _, said = await run(ActionOfferHuman(), tracker("quiero hablar con una persona",
                                                    intent="ask_human", slot="es"))
    assert len(said) == 1 and said[0]["text"].startswith("Soy el asistente virtual")
    assert titles(said[0]) == ["Pedir que me llamen", "Pedir una cita"]
    assert payloads(said[0]) == ["/request_callback", "/request_booking"]
    _, english = await run(ActionOfferHuman(), tracker("a person please", intent="ask_human"))
    assert english[0]["text"].startswith("I'm the clinic's virtual assistant")


async def test_an_unclear_spanish_message_gets_the_spanish_reply() -> None:
    t = tracker("zxqv blorf snark", slot="es")
    _, said = await run(ActionHandleUnclear(), t)
    assert [m["text"] for m in said] == [MESSAGES.unclear.text]
    _, said = await run(ActionHandleUnclear(), tracker("zxqv blorf snark"))
    assert said and said[0]["text"] != MESSAGES.unclear.text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("vale", "ack"), ("ya veo", "ack"), ("Perfecto.", "ack"),
        ("sí", "affirm"), ("Sí, por favor", "affirm"), ("claro que sí", "affirm"),
        ("no, gracias", "deny"), ("nada más", "deny"),
        ("¿por qué?", "question_word"), ("¿Cómo?", "question_word"), ("cuénteme más", "question_word"),
        ("el primero", "choice"), ("La segunda", "choice"), ("las dos", "choice"),
        ("ninguno", "choice"), ("el último", "choice"),
        ("¿cómo funciona la FMM?", "other"), ("me duele la espalda", "other"),
    ],
)
def test_spanish_short_messages_have_the_same_kinds(text: str, kind: str) -> None:
    from actions.short_replies import message_kind

    assert message_kind(text, "nlu_fallback") == kind
