"""Dense sentence features from the MiniLM sentence encoder (``clinic/nlu/minilm.py``).

Rasa's bag-of-words and character n-gram features only see words a visitor shares with the
training examples; with no pretrained vectors, "pins and needles in my fingers" and "my hand
goes numb" look unrelated. This featurizer adds a 384-float vector per message (per chosen layer) that puts
such paraphrases close together, so the intent classifier generalises beyond the exact
words it was trained on (measured in docs/nlu-quality.md); the last layer's vector is also
kept on the message for the FAQ retriever (``SENTENCE_VECTOR``).

Pipeline position: after the tokenizer, beside the sparse featurizers (config.yml). It adds
sentence features only (the intent classifier reads sentence features; entities come from
the spaCy entity ruler).

``weight`` is the length the vector is given. The count featurizers' sentence vectors are
raw counts (a ten-word message has a length of roughly 10-30), so a unit vector would be
drowned out in a linear classifier; 10 was best of 1, 3 and 10 in 5-fold cross-validation
(docs/nlu-quality.md).

``layers`` chooses which of the encoder's six layers are pooled (1-based; the default, the
last layer, is the published sentence embedding). Each gives its own vector of length
``weight`` and the features are their concatenation: the earlier layers keep more of the
words and their spelling, the last one more of the meaning, and the classifier gains from
seeing both (measured in cross-validation, see config.yml).

The encoder is loaded once per process and shared by every copy of the component (Rasa
builds one per model it loads, e.g. during a live model swap).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.kept_vector import kept
from clinic.nlu.typo_corrector import text_for_encoders
from clinic.nlu.minilm import EncoderError, MiniLMEncoder
from clinic.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = "models/minilm-l6"
# Message property (not part of the parse result): the last layer's unit vector, the
# published sentence embedding, which the FAQ retriever compares (clinic/nlu/faq_retriever.py).
SENTENCE_VECTOR = "minilm_sentence_vector"
_encoders: Dict[Path, MiniLMEncoder] = {}
_lock = threading.Lock()


def model_dir(configured: str) -> Path:
    """The encoder folder: as configured, relative paths against the project root."""
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


def shared_encoder(path: Path) -> MiniLMEncoder:
    """One encoder per folder and process (loading takes ~0.3 s and ~90 MB)."""
    with _lock:
        if path not in _encoders:
            _encoders[path] = MiniLMEncoder(path)
            logger.info("sentence encoder loaded from %s", path)
        return _encoders[path]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a MiniLM sentence vector to the ``text`` of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``model``: the encoder's folder (``scripts/fetch-encoder.sh`` fills it);
        ``weight``: the length of each layer's vector; ``layers``: which encoder layers
        are pooled, 1-based (see the module's docstring)."""
        return {**DenseFeaturizer.get_default_config(), "model": DEFAULT_MODEL_DIR,
                "weight": 1.0, "layers": [6]}

    @staticmethod
    def required_packages() -> List[Text]:
        """Python packages this component imports."""
        return ["numpy", "scipy", "safetensors"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.validate_config(self._config)
        try:
            self.encoder = shared_encoder(model_dir(str(self._config["model"])))
            self.layers = self.encoder.check_layers(self._config["layers"])
        except EncoderError as exc:
            raise RuntimeError(f"the sentence encoder cannot be loaded: {exc}") from exc

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Creates the component (see the parent class)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """``weight`` must be a positive number and ``layers`` a non-empty list of distinct
        whole numbers (the folder, and that each layer exists, are checked when loading)."""
        weight = config.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(f"SentenceEncoderFeaturizer: weight must be > 0, got {weight!r}")
        layers = config.get("layers", [6])
        if (
            not isinstance(layers, list)
            or not layers
            or any(isinstance(n, bool) or not isinstance(n, int) for n in layers)
            or len(set(layers)) != len(layers)
        ):
            raise ValueError(
                "SentenceEncoderFeaturizer: layers must be a list of distinct layer numbers "
                f"such as [6, 4, 3], got {layers!r}"
            )

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT).strip()]
        if not todo:
            return
        texts = [text_for_encoders(m) for m in todo]
        vectors = self.encoder.encode(texts, layers=self.layers)
        last = self.encoder.depth
        if last in self.layers:
            start = self.layers.index(last) * self.encoder.dimension
            published = vectors[:, start:start + self.encoder.dimension].copy()
        else:
            published = self.encoder.encode(texts)
        for message, vector in zip(todo, published):
            message.set(SENTENCE_VECTOR, kept(vector))
        vectors *= float(self._config["weight"])
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        for message, vector in zip(todo, vectors):
            message.add_features(
                Features(
                    np.asarray(vector, dtype=np.float32).reshape(1, -1),
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    alias,
                )
            )

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the sentence vector to incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the sentence vector to every training example that has a text."""
        self._featurize(training_data.training_examples)
        return training_data
