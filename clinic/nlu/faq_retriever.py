"""NLU component: answers staff FAQs by sentence-vector retrieval, without training on them.

After the classifier (config.yml). For each message it compares the message's retrieval
vector (MiniLM's and the multilingual USE's, set by ``SentenceEncoderFeaturizer`` and
``MultilingualSentenceFeaturizer``, side by side: ``clinic.nlu.multilingual``) with the live FAQ version's wordings
(``clinic.faq.live``: polled from the FAQ store, new versions within seconds, no model
reload) and with the nearest *training example of every other topic*, which this component
keeps from training (``train``). ``clinic.faq.retrieval.decide`` then says:

* ``answer``: the intent becomes ``faq`` (confidence = similarity) and the parse result gets
  ``faq = {decision, version, candidates: [{name, question, score}], other_score}``;
  the rule ``intent: faq`` runs ``action_answer_faq``, which reads it;
* ``choose``: the same, with two candidates: the action asks "Did you mean A or B?";
* ``none``: the classifier's result stands.

Emergencies come first: a message the safety gate marked ``emergency``/``crisis`` (or an empty
one) is never taken. ``out_of_scope`` examples are not "other topics": an FAQ may answer what
the assistant used to decline. A classifier prediction of ``faq`` itself ("do you have an
FAQ?") is left as it is when no FAQ matches: the action then lists the FAQs.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.faq.live import LiveFaqs, live_faqs
from clinic.faq.model import FAQ_INTENT
from clinic.faq.retrieval import DIMENSION, RetrievalSettings, decide_message
from clinic.language.detect import detect_language
from clinic.language.text import SPANISH
from clinic.nlu.multilingual import RetrievalEncoder, combined_vectors
from clinic.nlu.multilingual_featurizer import MULTILINGUAL_VECTOR
from clinic.nlu.safety_gate import SAFETY_INTENTS
from clinic.nlu.sentence_featurizer import (
    DEFAULT_MODEL_DIR,
    SENTENCE_VECTOR,
    model_dir,
    shared_encoder,
)
from clinic.settings import Settings

logger = logging.getLogger(__name__)

FAQ_PARSE_KEY = "faq"
NOT_OTHER_TOPICS = frozenset({FAQ_INTENT, "out_of_scope", "nlu_fallback"})
NEVER_TAKEN = frozenset(SAFETY_INTENTS)
_OTHERS_FILE = "others.npy"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FaqRetriever(GraphComponent):
    """Overrides the intent with ``faq`` when a staff FAQ answers the message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The decision's thresholds (``clinic.faq.retrieval.RetrievalSettings``), the encoder
        folder, and ``database_url`` (default: ``DATABASE_URL``, the tracker store's)."""
        defaults = RetrievalSettings()
        return {
            "answer_threshold": defaults.answer_threshold,
            "therapy_margin": defaults.therapy_margin,
            "choice_margin": defaults.choice_margin,
            "model": DEFAULT_MODEL_DIR,
            "database_url": None,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, others: Optional[np.ndarray] = None) -> None:
        self.config = config
        self.settings = RetrievalSettings.from_config(config)
        self.model_storage = model_storage
        self.resource = resource
        self.others = others if others is not None else np.zeros((0, DIMENSION), dtype=np.float32)
        self.encoder = RetrievalEncoder(
            shared_encoder(model_dir(str(config.get("model") or DEFAULT_MODEL_DIR))))
        # read once, when the model is loaded: the store this process answers from
        self.database_url = str(config.get("database_url") or Settings.from_env().database_url)
        self._live: Optional[LiveFaqs] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "FaqRetriever":
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FaqRetriever":
        """The component with the other topics' vectors kept by ``train``."""
        others = None
        try:
            with model_storage.read_from(resource) as directory:
                others = np.load(directory / _OTHERS_FILE)
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("FaqRetriever: no stored vectors of other topics; FAQs are "
                           "compared with nothing else")
        component = cls(config, model_storage, resource, others)
        component.live()  # load the live FAQ version now, not on the first message
        return component

    # ------------------------------------------------------------------ training

    def _vector(self, message: Message) -> Optional[np.ndarray]:
        english, multilingual = message.get(SENTENCE_VECTOR), message.get(MULTILINGUAL_VECTOR)
        if english is not None and multilingual is not None:
            return combined_vectors(english, multilingual)[0]
        text = message.get(TEXT)
        if not isinstance(text, str) or not text.strip():
            return None
        return self.encoder.encode([text])[0]

    def train(self, training_data: TrainingData) -> Resource:
        """Keeps the vectors of every training example of the other topics."""
        vectors = [
            self._vector(example) for example in training_data.intent_examples
            if example.get(INTENT) not in NOT_OTHER_TOPICS
        ]
        kept = [v for v in vectors if v is not None]
        self.others = (np.stack(kept).astype(np.float32) if kept
                       else np.zeros((0, DIMENSION), dtype=np.float32))
        with self.model_storage.write_to(self.resource) as directory:
            np.save(directory / _OTHERS_FILE, self.others)
        return self.resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    # ------------------------------------------------------------------ run time

    def live(self) -> LiveFaqs:
        """The live FAQ index of this process (started on first use)."""
        if self._live is None:
            self._live = live_faqs(self.database_url,
                                   lambda texts: self.encoder.encode(list(texts)))
        return self._live

    def process(self, messages: List[Message]) -> List[Message]:
        """Decides for each message whether an FAQ answers it."""
        index = self.live().index
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not isinstance(text, str) or not text.strip() or intent in NEVER_TAKEN:
                continue
            vector = self._vector(message)
            if vector is None or not len(index):
                continue
            decision = decide_message(index, vector, self.others, self.settings,
                                      detect_language(text).code == SPANISH)
            if decision.kind == "none":
                continue
            message.set(FAQ_PARSE_KEY, decision.as_parse_data(index.version),
                        add_to_output=True)
            entry = {INTENT_NAME_KEY: FAQ_INTENT, "confidence": decision.confidence}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != FAQ_INTENT]
            message.set(INTENT, entry, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [entry] + ranking, add_to_output=True)
        return messages
