"""The SafetyGate NLU component: forced safety intents, demoted guesses, empty messages,
and the language of the emergency reply."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.nlu.safety_gate import LANGUAGE_ENTITY, SafetyGate


def _gate(**config: Any) -> SafetyGate:
    merged = {**SafetyGate.get_default_config(), **config}
    return SafetyGate.create(merged, None, None, None)  # type: ignore[arg-type]


def _message(text: Optional[str], ranking: List[Dict[str, Any]]) -> Message:
    data: Dict[str, Any] = {}
    if text is not None:
        data[TEXT] = text
    message = Message(data=data)
    if ranking:
        message.set(INTENT, dict(ranking[0]))
        message.set(INTENT_RANKING_KEY, ranking)
    return message


def _rank(*pairs: Any) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": conf} for name, conf in pairs]


def _intent(message: Message) -> Dict[str, Any]:
    return message.get(INTENT)


def test_a_recognised_emergency_is_forced_with_full_confidence() -> None:
    message = _message("I can't breathe", _rank(("request_booking", 0.9), ("greet", 0.1)))
    _gate().process([message])
    assert _intent(message) == {"name": "emergency", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "emergency"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == [
        "emergency", "request_booking", "greet"
    ]


def test_a_crisis_is_forced_to_the_crisis_intent() -> None:
    message = _message("I want to end my life", _rank(("goodbye", 0.8)))
    _gate().process([message])
    assert _intent(message)["name"] == "crisis"


def test_a_classifier_only_guess_is_demoted() -> None:
    message = _message(
        "the chest workout made my pecs sore",
        _rank(("emergency", 0.3), ("crisis", 0.05), ("ask_fmm_overview", 0.65)),
    )
    _gate().process([message])
    assert _intent(message)["name"] == "ask_fmm_overview"
    assert {r["name"] for r in message.get(INTENT_RANKING_KEY)} == {"ask_fmm_overview"}


def test_a_demoted_guess_whose_next_intent_is_unsure_becomes_fallback() -> None:
    # the gate runs after the FallbackClassifier, so it decides as that one would have
    message = _message(
        "the chest workout made my pecs sore",
        _rank(("emergency", 0.7), ("crisis", 0.2), ("ask_fmm_overview", 0.1)),
    )
    _gate().process([message])
    assert _intent(message) == {"name": "nlu_fallback", "confidence": 0.55}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == [
        "nlu_fallback", "ask_fmm_overview"]


def test_nothing_after_the_fallback_classifier_undoes_an_alarm() -> None:
    """The Spanish chest pain that got "I don't know that one": the classifier's best guess
    was close to 1.0, so a FallbackClassifier *after* the gate saw an ambiguity."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    fallback = FallbackClassifier({"threshold": 0.55, "ambiguity_threshold": 0.1})
    message = _message("me duele el pecho y se me va al brazo izquierdo",
                       _rank(("ask_nerve_entrapment", 0.95), ("greet", 0.05)))
    gated_first = _message("me duele el pecho y se me va al brazo izquierdo",
                           _rank(("ask_nerve_entrapment", 0.95), ("greet", 0.05)))
    _gate().process([gated_first])
    fallback.process([gated_first])  # the old order: the alarm is lost
    assert _intent(gated_first)["name"] == "nlu_fallback"
    fallback.process([message])  # config.yml's order
    _gate().process([message])
    assert _intent(message) == {"name": "emergency", "confidence": 1.0}


def test_config_puts_the_gate_after_the_fallback_classifier() -> None:
    import yaml

    from clinic.settings import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [str(c["name"]).rsplit(".", 1)[-1] for c in config["pipeline"]]
    assert names.index("SafetyGate") > names.index("FallbackClassifier")
    gate = next(c for c in config["pipeline"] if str(c["name"]).endswith("SafetyGate"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert gate.get("fallback_threshold", 0.55) == fallback["threshold"]


def test_a_guess_with_nothing_else_ranked_becomes_fallback() -> None:
    message = _message("hmm", _rank(("emergency", 0.99)))
    _gate().process([message])
    assert _intent(message)["name"] == "nlu_fallback"


def test_the_optional_threshold_keeps_confident_classifier_guesses() -> None:
    confident = _message("something new", _rank(("crisis", 0.95), ("greet", 0.05)))
    unsure = _message("something new", _rank(("crisis", 0.3), ("greet", 0.7)))
    _gate(keep_classifier_above=0.9).process([confident, unsure])
    assert _intent(confident)["name"] == "crisis"
    assert _intent(unsure)["name"] == "greet"


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5])
def test_a_wrong_threshold_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="keep_classifier_above"):
        _gate(keep_classifier_above=threshold)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_messages_become_fallback(text: str) -> None:
    message = _message(text, _rank(("greet", 0.9)))
    _gate().process([message])
    assert _intent(message) == {"name": "nlu_fallback", "confidence": 1.0}


def test_ordinary_messages_and_messages_without_text_are_untouched() -> None:
    ordinary = _message("is FMM good for neck pain?", _rank(("ask_fmm_overview", 0.8)))
    no_text = _message(None, _rank(("greet", 0.8)))
    _gate().process([ordinary, no_text])
    assert _intent(ordinary) == {"name": "ask_fmm_overview", "confidence": 0.8}
    assert _intent(no_text) == {"name": "greet", "confidence": 0.8}


# ---------------------------------------------------------------------------- reply language


def _language(message: Message) -> List[str]:
    return [
        e["value"] for e in message.get(ENTITIES) or [] if e.get("entity") == LANGUAGE_ENTITY
    ]


@pytest.mark.parametrize(
    "text, intent, language",
    [
        ("me duele el pecho y se me va al brazo izquierdo", "emergency", "es"),
        ("mi papa tiene la boca chueca y no puede hablar", "emergency", "es"),
        ("me quiero morir", "crisis", "es"),
        ("tengo chest pain y se me va al brazo", "emergency", "es"),
        ("I have chest pain and my left arm hurts", "emergency", "en"),
        ("I want to end my life", "crisis", "en"),
    ],
)
def test_an_emergency_carries_the_language_of_its_match(
    text: str, intent: str, language: str
) -> None:
    message = _message(text, _rank(("out_of_scope", 0.9)))
    _gate().process([message])
    assert _intent(message) == {"name": intent, "confidence": 1.0}
    assert _language(message) == [language]
    entity = next(e for e in message.get(ENTITIES) if e["entity"] == LANGUAGE_ENTITY)
    assert (entity["start"], entity["end"], entity["extractor"]) == (0, len(text), "SafetyGate")
    assert LANGUAGE_ENTITY in [e["entity"] for e in message.as_dict_nlu()[ENTITIES]]


def test_the_language_entity_is_added_to_the_other_entities_once() -> None:
    message = _message("me duele el pecho y se me va al brazo", _rank(("greet", 0.9)))
    body_part = {"entity": "body_part", "value": "chest", "start": 12, "end": 17}
    message.set(ENTITIES, [body_part, {"entity": LANGUAGE_ENTITY, "value": "en"}])
    _gate().process([message])
    assert message.get(ENTITIES)[0] == body_part
    assert _language(message) == ["es"]


def test_ordinary_and_spanish_non_emergencies_get_no_language_entity() -> None:
    messages = [
        _message(text, _rank(("ask_fmm_overview", 0.8)))
        for text in (
            "is FMM good for neck pain?",
            "¿la terapia ayuda con el dolor de pecho muscular?",
            "tengo hormigueo en las manos",
        )
    ]
    _gate().process(messages)
    for message in messages:
        assert _intent(message)["name"] == "ask_fmm_overview"
        assert _language(message) == []


def test_a_kept_classifier_guess_gets_the_language_of_the_message() -> None:
    spanish = _message("algo nuevo que el clasificador conoce", _rank(("crisis", 0.95)))
    english = _message("something new the classifier knows", _rank(("crisis", 0.95)))
    _gate(keep_classifier_above=0.9).process([spanish, english])
    assert _intent(spanish)["name"] == _intent(english)["name"] == "crisis"
    assert (_language(spanish), _language(english)) == (["es"], ["en"])
