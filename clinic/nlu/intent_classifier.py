"""The intent classifier: Rasa's logistic regression, safe on messages without features.

Rasa 3.6's ``LogisticRegressionClassifier`` raises on a message that has no features (an
empty or whitespace-only message has no tokens, so no count features: "Found array with 0
feature(s)"), and the visitor then gets no reply at all. Here such a message, or any whose
features do not have the width the model was trained with, gets *no intent* with
confidence 0.0, so the FallbackClassifier turns it into ``nlu_fallback`` and the assistant
asks what the visitor would like to know, as for any message it cannot read.

It also exposes the regularisation strength ``C`` that Rasa's component leaves at
scikit-learn's 1.0 (smaller is stronger regularisation), and ``count_length``: when set, each
sparse sentence feature block (the word and character n-gram counts, the lookup-table
matches) is damped (``1 + log(count)``) and scaled to that Euclidean length before it goes
beside the dense sentence vectors, so a long message's raw counts no longer outweigh the
MiniLM vectors and short and long messages weigh alike. config.yml says why ``C`` is set;
``count_length`` is off there: on ``make eval``'s three seeded splits ``count_length: 5``
gave 0.949/0.952/0.948 instead of 0.947/0.947/0.948 (held-out 0.957 instead of 0.962), but
the solver then needs ~46 s instead of ~20 s, which put a staff FAQ retrain over 3 minutes.

Training solves the same problem as Rasa's in the span of the training rows, which is
faster for this wide matrix (``clinic.nlu.sample_space``). Loading finds the saved model
even when Rasa's training cache restored it under an earlier node name (see ``load``).
Everything else (persistence, probabilities and ranking) is Rasa's own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.sample_space import ColumnBlocks, fit_in_sample_space

logger = logging.getLogger(__name__)

NO_INTENT = {INTENT_NAME_KEY: None, "confidence": 0.0}
DENSE_FROM = 0.05  # share of non-zero entries from which training uses a dense array
DENSE_MAX_BYTES = 1 << 30  # ... as long as that array stays under 1 GiB


def scaled_counts(counts: Any, length: float) -> scipy.sparse.csr_matrix:
    """One sparse row of counts, damped (``1 + log(count)`` for counts ≥ 1) and scaled to
    Euclidean ``length`` (an all-zero row stays zero)."""
    row = scipy.sparse.csr_matrix(counts, dtype=np.float64)
    positive = row.data > 0
    row.data[positive] = 1.0 + np.log(row.data[positive])
    norm = float(np.sqrt((row.data ** 2).sum()))
    if norm > 0:
        row = row * (length / norm)
    return row


def _dense_row(message: Message) -> np.ndarray:
    """Rasa's ``_create_X`` row of one message (sparse then dense sentence features),
    as a dense 1 x width array."""
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    blocks = [np.zeros((1, 0))]
    if sparse is not None:
        blocks.append(sparse.features.toarray())
    if dense is not None:
        blocks.append(np.asarray(dense.features, dtype=np.float64).reshape(1, -1))
    return np.hstack(blocks)


def _sentence_features(message: Message) -> List[Any]:
    """The message's sentence features of its text, sparse ones first, each kind in the
    order Rasa's ``get_sparse_features`` / ``get_dense_features`` combine them."""
    mine = [f for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    return [f for f in mine if f.is_sparse()] + [f for f in mine if not f.is_sparse()]


def column_blocks(messages: List[Message]) -> Optional[List[Any]]:
    """The columns of Rasa's ``_create_X`` rows (sparse then dense sentence features) as
    one block per featurizer: SciPy CSR for sparse features, NumPy arrays for dense ones,
    float64, each built in one step instead of Rasa's copies and ``hstack`` per message
    (0.1 s instead of 4.6 s on this project's 3,569 examples). ``None`` unless every
    message has sparse and dense features from the same featurizers with the same widths.
    """
    if not messages:
        return None
    layout = None
    columns: List[List[Any]] = []
    for message in messages:
        features = _sentence_features(message)
        shape = [(f.origin, f.is_sparse(), f.features.shape[1]) for f in features]
        if layout is None:
            layout, columns = shape, [[] for _ in features]
        if shape != layout:
            return None
        for column, feature in zip(columns, features):
            column.append(feature.features)
    kinds = [is_sparse for _, is_sparse, _ in layout]
    if not (any(kinds) and not all(kinds)):
        return None
    return [scipy.sparse.vstack(rows, format="csr", dtype=np.float64) if is_sparse
            else np.vstack([np.asarray(row, dtype=np.float64).reshape(1, -1) for row in rows])
            for rows, is_sparse in zip(columns, kinds)]


def _dense_enough(shape: Tuple[int, int], nnz: int) -> bool:
    """A matrix of ``shape`` with ``nnz`` non-zero entries is trained as a dense array."""
    size = shape[0] * shape[1]
    return bool(size) and nnz / size >= DENSE_FROM and size * 8 <= DENSE_MAX_BYTES


def classifier_file(model_dir: Path, resource_name: str) -> Path:
    """The saved classifier in ``model_dir``: ``<resource name>.skops`` as Rasa writes it,
    or else the directory's only ``.skops`` file.

    Rasa names the file after the graph node, and its training cache restores a cached
    component's directory unchanged under the node's new name when a component inserted
    earlier in the pipeline renumbers the nodes: the file keeps the old name
    (``...IntentClassifier8.skops`` in ``...IntentClassifier9/``), and Rasa's own load
    then fails with FileNotFoundError.
    """
    exact = model_dir / f"{resource_name}.skops"
    if exact.exists():
        return exact
    saved = sorted(model_dir.glob("*.skops"))
    return saved[0] if len(saved) == 1 else exact


def _feature_width(message: Message) -> int:
    """Width of the row Rasa's ``_create_X`` builds: sparse then dense sentence features."""
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    return sum(int(f.features.shape[1]) for f in (sparse, dense) if f is not None)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over the sentence features; no intent when it cannot read one."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Rasa's defaults plus ``C``, the inverse regularisation strength (default 1.0),
        and ``count_length`` (default ``None``: the counts as Rasa passes them)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0,
                "count_length": None}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """``C`` must be a positive number, ``count_length`` a positive number or null."""
        c = config.get("C", 1.0)
        if isinstance(c, bool) or not isinstance(c, (int, float)) or c <= 0:
            raise ValueError(f"IntentClassifier: C must be a number > 0, got {c!r}")
        length = config.get("count_length")
        if length is not None and (
            isinstance(length, bool) or not isinstance(length, (int, float)) or length <= 0
        ):
            raise ValueError(
                f"IntentClassifier: count_length must be a number > 0 or null, got {length!r}"
            )

    def __init__(
        self,
        config: Dict[Text, Any],
        name: Text,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        merged = {**self.get_default_config(), **config}
        self.validate_config(merged)
        super().__init__(merged, name, model_storage, resource)
        self.clf.set_params(C=float(merged["C"]))

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentClassifier":
        """Rasa's load (skops, no untrusted types; an untrained classifier when nothing was
        saved), with the file found by ``classifier_file``."""
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = classifier_file(Path(model_dir), resource.name)
                untrusted = sio.get_untrusted_types(file=path)
                if untrusted:
                    raise ValueError(f"untrusted types in {path.name}: {untrusted}")
                clf = sio.load(path, trusted=untrusted)
        except ValueError as exc:
            logger.debug("no trained intent classifier in '%s' (%s)", resource.name, exc)
            return cls.create(config, model_storage, resource, execution_context)
        component = cls(config, execution_context.node_name, model_storage, resource)
        component.clf = clf
        return component

    def _create_X(self, messages: List[Message]) -> np.ndarray:
        """The rows to predict: Rasa's feature rows (see :meth:`_sparse_rows`), dense.

        A message's row is mostly the dense sentence vectors, so scikit-learn's product
        with the coefficients runs in BLAS (0.1 ms) instead of scipy's sparse-times-dense
        loop (1.7 ms a message, issue 20's profile), and building the row directly skips
        scipy's ``hstack`` (1.7 ms); the same coefficients, the same probabilities (a test
        compares them with Rasa's sparse rows).
        """
        if self.config.get("count_length") is None:
            return np.vstack([_dense_row(message) for message in messages])
        return self._sparse_rows(messages).toarray()

    def _sparse_rows(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """Rasa's feature matrix, with the sparse blocks scaled when ``count_length`` is set."""
        length = self.config.get("count_length")
        if length is None:
            return super()._create_X(messages)
        rows = []
        for message in messages:
            blocks = [
                scaled_counts(f.features, float(length))
                for f in message.features
                if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
            ]
            dense = message.get_dense_features(attribute=TEXT)[1]
            if dense is not None:
                blocks.append(scipy.sparse.csr_matrix(dense.features))
            rows.append(scipy.sparse.hstack(blocks) if blocks else scipy.sparse.csr_matrix([]))
        return scipy.sparse.vstack(rows).tocsr()

    def _create_training_matrix(self, training_data: Any) -> Tuple[Any, List[str]]:
        """Rasa's (X, y), with X as a dense array when it is dense enough and small enough.

        The MiniLM sentence vectors make the matrix mostly non-zero (2,509 x 9,977 with 3.1
        million entries on this project's data), and scikit-learn's solver multiplies a dense
        array with BLAS much faster than a CSR matrix: 24 s instead of 39 s on 2 cores, with
        the same predictions (probabilities within 0.0003).
        """
        X, y = self._training_rows(training_data)
        return (X.toarray() if isinstance(X, ColumnBlocks) else X), y

    def _training_rows(self, training_data: Any) -> Tuple[Any, List[str]]:
        """``_create_training_matrix``'s (X, y), with a dense X as :class:`ColumnBlocks`
        when it could be built from its column blocks (``column_blocks``), which the
        solver multiplies block by block without a dense copy of the whole matrix."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        y = [e.get(INTENT) for e in examples]  # as Rasa's LogisticRegressionClassifier
        blocks = column_blocks(examples) if self.config.get("count_length") is None else None
        if blocks is None:
            X = self._sparse_rows(examples)
            return (X.toarray() if _dense_enough(X.shape, X.nnz) else X), y
        matrix = ColumnBlocks(blocks)
        nnz = sum(block.nnz if scipy.sparse.issparse(block) else int(np.count_nonzero(block))
                  for block in blocks)
        return (matrix if _dense_enough(matrix.shape, nnz) else matrix.tocsr()), y

    def train(self, training_data: TrainingData) -> Resource:
        """Rasa's training, with the solver run in the span of the training rows when the
        matrix is dense and wider than tall (``clinic.nlu.sample_space``: the same
        regularised model: 25 s instead of 63 s on this project's data at the earlier
        tolerance 0.003, about 13 s at config.yml's 0.01; docs/benchmarks.md)."""
        X, y = self._training_rows(training_data)
        if X.shape[0] == 0:  # as Rasa: nothing to learn from, nothing persisted
            return self._resource
        self.clf = fit_in_sample_space(self.clf, X, y)
        self.persist()
        return self._resource

    def _width(self) -> Optional[int]:
        return getattr(self.clf, "n_features_in_", None)

    def readable(self, message: Message) -> bool:
        """True when the message has features of the width the model was trained with."""
        width = self._width()
        if width is None:  # not trained: let Rasa's own code decide
            return True
        return _feature_width(message) == width

    def process(self, messages: List[Message]) -> List[Message]:
        """Predicts intents as Rasa's ``process`` does (intent, ranking of
        ``ranking_length``); a message without usable features gets no intent. Each
        message's row is built once and its width checked on it."""
        width = self._width()
        if width is None:  # not trained: Rasa's own code decides
            return super().process(messages)
        for message in messages:
            row = self._create_X([message])
            if row.shape[1] != width:
                message.set(INTENT, dict(NO_INTENT), add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            probabilities = self.clf.predict_proba(row)[0]
            ranking = sorted(
                ({INTENT_NAME_KEY: name, "confidence": value}
                 for name, value in zip(self.clf.classes_, probabilities)),
                key=lambda entry: -entry["confidence"],
            )
            intent = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
