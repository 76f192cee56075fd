"""NLU component that puts the deterministic emergency check in front of everything.

Placed after Rasa's FallbackClassifier (and before the FAQ retriever, which never takes a
safety intent), so nothing after it can undo an alarm. Before it, the FallbackClassifier
turned a forced ``emergency`` into ``nlu_fallback`` whenever the classifier's own best guess
was within its ambiguity threshold of 1.0 (a Spanish chest-pain message got "I don't know
that one"):

* when ``clinic.safety.emergency.detect_emergency`` matches, the message's intent becomes
  ``emergency`` or ``crisis`` with confidence 1.0, whatever the classifier said, so the
  rules answer with the 911 / 988 message even in the middle of a booking form;
* the message then also carries the entity ``safety_language`` (``"en"`` or ``"es"``: the
  language of the match), which fills the slot of the same name, so ``utter_emergency`` and
  ``utter_crisis`` pick their Spanish variation for a Spanish message (domain/safety.yml).
  It is set on every emergency and crisis message, so the slot never answers a new
  emergency in the language of an old one;
* when it does not match but the classifier guessed a safety intent, that guess is demoted
  (the next intent in the ranking wins, or ``nlu_fallback`` when that one is below
  ``fallback_threshold``, as the FallbackClassifier would have decided): only the
  deterministic check may raise an alarm,
  which keeps false alarms measurable in docs/safety.md. Setting ``keep_classifier_above``
  (e.g. 0.9) in config.yml lets a classifier guess at or above that confidence through as
  well; it is off (``null``) until it has been measured with a trained model;
* empty or whitespace-only messages become ``nlu_fallback`` (asked to rephrase).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from clinic.safety.emergency import CRISIS, MEDICAL, detect_emergency
from clinic.safety.text import guess_language

SAFETY_INTENTS = (MEDICAL, CRISIS)
EMPTY_MESSAGE_INTENT = "nlu_fallback"
#: Entity (and slot) naming the language of the emergency reply: "en" or "es".
LANGUAGE_ENTITY = "safety_language"


def _ranking_entry(name: str, confidence: float) -> Dict[str, Any]:
    return {INTENT_NAME_KEY: name, "confidence": confidence}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyGate(GraphComponent):
    """Overrides the predicted intent for emergencies and empty messages."""

    def __init__(self, keep_classifier_above: Optional[float] = None,
                 fallback_threshold: float = 0.55) -> None:
        self.keep_classifier_above = keep_classifier_above
        self.fallback_threshold = fallback_threshold

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``keep_classifier_above``: confidence at which a classifier-only safety guess stays;
        ``fallback_threshold``: the FallbackClassifier's threshold (keep them equal)."""
        return {"keep_classifier_above": None, "fallback_threshold": 0.55}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyGate":
        threshold = config.get("keep_classifier_above")
        if threshold is not None and not 0.0 < float(threshold) <= 1.0:
            raise ValueError(
                f"SafetyGate: keep_classifier_above must be in (0, 1], got {threshold!r}"
            )
        fallback = float(config.get("fallback_threshold", 0.55))
        if not 0.0 <= fallback <= 1.0:
            raise ValueError(
                f"SafetyGate: fallback_threshold must be in [0, 1], got {fallback!r}"
            )
        return cls(None if threshold is None else float(threshold), fallback)

    def process(self, messages: List[Message]) -> List[Message]:
        """Applies the gate to each message."""
        for message in messages:
            self._apply(message)
        return messages

    def _apply(self, message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if text is None:
            return
        if not text.strip():
            self._force(message, EMPTY_MESSAGE_INTENT)
            return
        match = detect_emergency(text)
        if match is not None:
            self._force(message, match.intent)
            self._set_language(message, match.language)
            return
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) in SAFETY_INTENTS:
            confidence = float(intent.get("confidence") or 0.0)
            if (
                self.keep_classifier_above is not None
                and confidence >= self.keep_classifier_above
            ):
                self._set_language(message, guess_language(text))
                return
            ranking = [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) not in SAFETY_INTENTS
            ]
            if not ranking:
                self._force(message, EMPTY_MESSAGE_INTENT)
                return
            best = dict(ranking[0])
            if float(best.get("confidence") or 0.0) < self.fallback_threshold:
                best = _ranking_entry(EMPTY_MESSAGE_INTENT, self.fallback_threshold)
                ranking = [best] + ranking
            message.set(INTENT, best, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    @staticmethod
    def _set_language(message: Message, language: str) -> None:
        """Adds (or replaces) the ``safety_language`` entity, spanning the whole message."""
        entities = [
            e
            for e in message.get(ENTITIES) or []
            if e.get(ENTITY_ATTRIBUTE_TYPE) != LANGUAGE_ENTITY
        ]
        entities.append(
            {
                ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY,
                ENTITY_ATTRIBUTE_VALUE: language,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(message.get(TEXT) or ""),
                ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                EXTRACTOR: SafetyGate.__name__,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _force(message: Message, intent_name: str) -> None:
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) != intent_name
        ]
        message.set(INTENT, _ranking_entry(intent_name, 1.0), add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [_ranking_entry(intent_name, 1.0)] + ranking,
            add_to_output=True,
        )
