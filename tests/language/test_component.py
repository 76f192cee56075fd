"""The NLU component (clinic/nlu/language_detector.py) on Rasa messages, real model."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.shared.nlu.training_data.message import Message

from clinic.language.detect import fasttext_scorer
from clinic.nlu.language_detector import LanguageDetector


def parse(text: str, intent: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
    """What the component leaves in the parse data of ``text``."""
    message = Message(data={"text": text, **extra})
    if intent:
        message.set("intent", {"name": intent, "confidence": 0.95}, add_to_output=True)
    [out] = LanguageDetector(fasttext_scorer()).process([message])
    return out.as_dict(only_output_properties=True)


def test_every_message_carries_its_language_in_the_parse_data() -> None:
    spanish = parse("¿Cuánto cuesta una sesión de NMT?")["language"]
    assert spanish["code"] == "es" and spanish["clear"] and spanish["source"] == "model"
    assert parse("how long does a session last")["language"]["code"] == "en"
    for text in ("ok", "NMT?", "/greet"):
        assert parse(text)["language"]["code"] is None


def test_a_typed_language_request_gets_the_language_entity() -> None:
    entities = parse("en español por favor", intent="choose_language")["entities"]
    assert [(e["entity"], e["value"]) for e in entities] == [("language", "es")]
    entities = parse("I don't speak Spanish", intent="choose_language")["entities"]
    assert [(e["entity"], e["value"]) for e in entities] == [("language", "en")]


def test_no_entity_for_other_intents_or_payloads() -> None:
    assert not parse("I speak Spanish and have back pain", intent="ask_nmt_overview").get(
        "entities")
    payload = parse('/choose_language{"language":"es"}', intent="choose_language")
    assert not payload.get("entities")  # the payload's own entity comes from Rasa


def test_the_intent_is_never_touched() -> None:
    out = parse("me duele el pecho y el brazo izquierdo", intent="emergency")
    assert out["intent"]["name"] == "emergency"


def test_a_typed_choice_that_names_no_language_is_demoted() -> None:
    message = Message(data={"text": "cuanto cuesta la sesion"})
    message.set("intent", {"name": "choose_language", "confidence": 0.85}, add_to_output=True)
    message.set("intent_ranking", [
        {"name": "choose_language", "confidence": 0.85},
        {"name": "emergency", "confidence": 0.08},  # never promoted: only the SafetyGate
        {"name": "out_of_scope", "confidence": 0.07},
    ], add_to_output=True)
    [out] = LanguageDetector(fasttext_scorer(), 0.55).process([message])
    assert out.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in out.get("intent_ranking")] == ["nlu_fallback", "out_of_scope"]
    strong = Message(data={"text": "can you speak another language"})
    strong.set("intent", {"name": "choose_language", "confidence": 0.5}, add_to_output=True)
    strong.set("intent_ranking", [{"name": "choose_language", "confidence": 0.3},
                                  {"name": "bot_challenge", "confidence": 0.6}],
               add_to_output=True)
    [out] = LanguageDetector(fasttext_scorer(), 0.55).process([strong])
    assert out.get("intent")["name"] == "bot_challenge"
