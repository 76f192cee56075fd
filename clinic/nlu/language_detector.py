"""NLU component that records the language of every message in its parse data.

Placed last in the pipeline (config.yml), after the SafetyGate, whose 911 / 988 decision it
never touches. For each message it adds:

* ``parse_data["language"]``: the ``Detection`` of clinic/language/detect.py, e.g.
  ``{"code": "es", "confidence": 0.998, "confident": true, "clear": true,
  "unsure": false, "words": 4, "source": "model"}``. ``code`` is ``"en"``, ``"es"`` or
  ``null`` (no words of either: "ok", "NMT?", a payload). This is the stable place for
  the language of a message (analytics reads it there);
* for a message asking for a language ("en español, por favor", "English please",
  intent ``choose_language``) the entity ``language`` ("en" / "es"), exactly as the
  buttons' payloads ``/choose_language{"language":"es"}`` carry it.

A typed ``choose_language`` that names no language is demoted (the next intent of the
ranking, or ``nlu_fallback`` below ``fallback_threshold``, as the FallbackClassifier would
decide; never a safety intent the SafetyGate did not force): the intent's examples are the
only Spanish sentences in the training data, so the classifier also gives it "cuánto
cuesta la sesión".

The conversation's language (slot ``language``) is kept by actions/language.py from this
detection and the conversation so far (clinic/language/rules.py): only a clear message
switches it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

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

from clinic.language.detect import PARSE_KEY, Scorer, detect, fasttext_scorer
from clinic.language.text import is_payload, requested_language

#: The intent of "English / Español" choices, typed or from a button.
CHOOSE_INTENT = "choose_language"
#: Entity (and slot) of the language asked for.
LANGUAGE_ENTITY = "language"
#: Never promoted by a demotion: only the SafetyGate may raise them.
NOT_PROMOTED = frozenset({CHOOSE_INTENT, "emergency", "crisis"})
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds each message's language to its parse data (see the module docstring)."""

    def __init__(self, scorer: Scorer, fallback_threshold: float = 0.55) -> None:
        self.scorer = scorer
        self.fallback_threshold = fallback_threshold

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``fallback_threshold``: the FallbackClassifier's (keep them equal). The detection
        thresholds are measured constants (clinic/language/detect.py)."""
        return {"fallback_threshold": 0.55}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        """Loads the bundled fastText model (once per process, ~0.2 s)."""
        return cls(fasttext_scorer(), float(config.get("fallback_threshold", 0.55)))

    def process(self, messages: List[Message]) -> List[Message]:
        """Annotates each message with its language."""
        for message in messages:
            self._annotate(message)
        return messages

    def _annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if text is None:
            return
        detection = detect(text, self.scorer)
        message.set(PARSE_KEY, detection.as_parse_data(), add_to_output=True)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent != CHOOSE_INTENT or is_payload(text):
            return  # a payload brings its own entity
        language = requested_language(text)
        if language is None:
            self._demote(message)
            return
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
                ENTITY_ATTRIBUTE_END: len(text),
                ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                EXTRACTOR: LanguageDetector.__name__,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)

    def _demote(self, message: Message) -> None:
        """Replaces ``choose_language`` by the next intent (see the module docstring)."""
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) not in NOT_PROMOTED
        ]
        best = dict(ranking[0]) if ranking else {}
        if float(best.get("confidence") or 0.0) < self.fallback_threshold:
            best = {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": self.fallback_threshold}
            ranking = [best] + ranking
        message.set(INTENT, best, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
