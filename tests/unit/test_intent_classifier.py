"""The intent classifier answers "no intent" for messages it cannot featurise."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.intent_classifier import IntentClassifier

VOCAB = ["hi", "hello", "nmt", "what", "is", "bye"]


def _message(text: str, intent: Optional[str] = None, features: bool = True) -> Message:
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    if features:
        counts = np.array([[text.lower().split().count(word) for word in VOCAB]], dtype=float)
        message.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE,
                                      TEXT, "counts"))
        message.add_features(Features(np.full((1, 3), float(len(text))), FEATURE_TYPE_SENTENCE,
                                      TEXT, "dense"))
    return message


def _trained(tmp_path: Path) -> IntentClassifier:
    classifier = IntentClassifier.create(
        IntentClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    examples: List[Message] = [
        _message(t, i) for t, i in [("hi", "greet"), ("hello", "greet"), ("hi hello", "greet"),
                                    ("what is nmt", "ask_nmt_overview"), ("nmt", "ask_nmt_overview"),
                                    ("what is nmt nmt", "ask_nmt_overview"), ("bye", "goodbye"),
                                    ("bye bye", "goodbye")]
    ]
    classifier.train(TrainingData(examples))
    return classifier


def test_featurised_messages_get_rasas_prediction(tmp_path: Path) -> None:
    classifier = _trained(tmp_path)
    message = classifier.process([_message("what is nmt")])[0]
    assert message.get(INTENT)["name"] == "ask_nmt_overview"
    assert message.get("intent_ranking")[0]["name"] == "ask_nmt_overview"


def test_dense_rows_give_the_probabilities_of_rasas_sparse_rows(tmp_path: Path) -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )

    classifier = _trained(tmp_path)
    messages = [_message(t) for t in ("what is nmt", "hi", "bye bye hello", "is")]
    ours = classifier._create_X(messages)
    rasas = LogisticRegressionClassifier._create_X(classifier, messages)
    assert isinstance(ours, np.ndarray) and scipy.sparse.issparse(rasas)
    np.testing.assert_allclose(classifier.clf.predict_proba(ours),
                               classifier.clf.predict_proba(rasas), atol=1e-12)
    # the whole output, against Rasa's own process() on the same messages
    ours_out = classifier.process([_message(m.get(TEXT)) for m in messages])
    theirs = LogisticRegressionClassifier.process(classifier, messages)
    for a, b in zip(ours_out, theirs):
        assert a.get(INTENT)["name"] == b.get(INTENT)["name"]
        assert a.get(INTENT)["confidence"] == pytest.approx(b.get(INTENT)["confidence"], abs=1e-12)
        assert [e["name"] for e in a.get("intent_ranking")] == \
            [e["name"] for e in b.get("intent_ranking")]


def test_message_without_features_gets_no_intent_instead_of_an_error(tmp_path: Path) -> None:
    classifier = _trained(tmp_path)
    empty, normal = classifier.process([_message("", features=False), _message("hi hello")])
    assert empty.get(INTENT) == {"name": None, "confidence": 0.0}
    assert empty.get("intent_ranking") == []
    assert normal.get(INTENT)["name"] == "greet"  # the others in the batch are unaffected


def test_features_of_the_wrong_width_get_no_intent(tmp_path: Path) -> None:
    classifier = _trained(tmp_path)
    partial = Message(data={TEXT: "???"})
    partial.add_features(Features(np.ones((1, 3)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    assert classifier.process([partial])[0].get(INTENT)["name"] is None


def test_regularisation_strength_reaches_the_model(tmp_path: Path) -> None:
    config = {**IntentClassifier.get_default_config(), "C": 3}
    classifier = IntentClassifier.create(
        config, LocalModelStorage(tmp_path), Resource("intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    assert classifier.clf.C == 3.0
    assert IntentClassifier.get_default_config()["C"] == 1.0


@pytest.mark.parametrize("bad", [0, -1, "3", True])
def test_bad_regularisation_strength_is_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="C must be a number > 0"):
        IntentClassifier.create(
            {**IntentClassifier.get_default_config(), "C": bad}, LocalModelStorage(tmp_path),
            Resource("intent"), ExecutionContext(GraphSchema({}), "test"),
        )


def test_counts_are_damped_and_scaled_to_the_configured_length() -> None:
    from clinic.nlu.intent_classifier import scaled_counts

    row = scaled_counts(scipy.sparse.coo_matrix(np.array([[0.0, 1.0, 4.0, 1.0]])), 5.0)
    values = row.toarray()[0]
    assert np.linalg.norm(values) == pytest.approx(5.0)
    damped = np.array([0.0, 1.0, 1.0 + np.log(4.0), 1.0])
    np.testing.assert_allclose(values, damped / np.linalg.norm(damped) * 5.0)
    assert scaled_counts(scipy.sparse.coo_matrix(np.zeros((1, 3))), 5.0).nnz == 0


def test_count_length_scales_each_sparse_block_and_keeps_dense_features(tmp_path: Path) -> None:
    config = {**IntentClassifier.get_default_config(), "count_length": 2.0}
    classifier = IntentClassifier.create(
        config, LocalModelStorage(tmp_path), Resource("intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    message = _message("hi hi hello nmt")
    row = classifier._create_X([message])[0]
    counts, dense = row[: len(VOCAB)], row[len(VOCAB):]
    assert np.linalg.norm(counts) == pytest.approx(2.0)
    assert counts[0] > counts[1] > 0  # "hi" twice still weighs more than "hello" once
    np.testing.assert_allclose(dense, [15.0, 15.0, 15.0])  # dense features untouched
    plain = IntentClassifier.create(
        IntentClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("plain"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    np.testing.assert_allclose(plain._create_X([message])[0][:3], [2.0, 1.0, 1.0])


@pytest.mark.parametrize("bad", [0, -2, "5", True])
def test_bad_count_length_is_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="count_length must be a number > 0 or null"):
        IntentClassifier.create(
            {**IntentClassifier.get_default_config(), "count_length": bad},
            LocalModelStorage(tmp_path), Resource("intent"),
            ExecutionContext(GraphSchema({}), "test"),
        )


def test_trained_with_count_length_predicts_and_reads_empty_text(tmp_path: Path) -> None:
    classifier = IntentClassifier.create(
        {**IntentClassifier.get_default_config(), "count_length": 5.0},
        LocalModelStorage(tmp_path), Resource("intent"), ExecutionContext(GraphSchema({}), "test"),
    )
    examples = [_message(t, i) for t, i in [("hi", "greet"), ("hello", "greet"),
                                            ("what is nmt", "ask_nmt_overview"),
                                            ("nmt", "ask_nmt_overview"), ("bye", "goodbye"),
                                            ("bye bye", "goodbye")]]
    classifier.train(TrainingData(examples))
    normal, empty = classifier.process([_message("what is nmt"), _message("", features=False)])
    assert normal.get(INTENT)["name"] == "ask_nmt_overview"
    assert empty.get(INTENT) == {"name": None, "confidence": 0.0}


def test_a_mostly_non_zero_matrix_is_trained_dense_with_the_same_predictions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic.nlu import intent_classifier as module

    (tmp_path / "dense").mkdir()
    (tmp_path / "sparse").mkdir()
    dense = _trained(tmp_path / "dense")  # the dense vector columns make it mostly non-zero
    examples = [_message("what is nmt"), _message("hi"), _message("bye bye")]
    X, _ = dense._create_training_matrix(TrainingData([_message("hi", "greet")]))
    assert isinstance(X, np.ndarray)

    monkeypatch.setattr(module, "DENSE_FROM", 1.01)  # never dense: Rasa's sparse matrix
    sparse = _trained(tmp_path / "sparse")
    X, _ = sparse._create_training_matrix(TrainingData([_message("hi", "greet")]))
    assert scipy.sparse.issparse(X)
    for message in examples:
        a = dense.process([Message(data=dict(message.data), features=message.features)])[0]
        b = sparse.process([Message(data=dict(message.data), features=message.features)])[0]
        assert a.get(INTENT)["name"] == b.get(INTENT)["name"]
        assert abs(a.get(INTENT)["confidence"] - b.get(INTENT)["confidence"]) < 1e-3


def test_a_model_restored_under_a_new_node_name_still_loads(tmp_path: Path) -> None:
    """Rasa's training cache restores a cached classifier's directory unchanged when an
    inserted component renumbers the nodes: the file keeps the old node's name."""
    import shutil

    classifier = _trained(tmp_path)
    storage = LocalModelStorage(tmp_path)
    shutil.copytree(tmp_path / "intent", tmp_path / "intent9")  # as the cache restores it
    assert not (tmp_path / "intent9" / "intent9.skops").exists()
    context = ExecutionContext(GraphSchema({}), "test")
    loaded = IntentClassifier.load(IntentClassifier.get_default_config(), storage,
                                   Resource("intent9"), context)
    texts = ["what is nmt", "bye", "hello"]
    expected = [m.get("intent_ranking") for m in classifier.process([_message(t) for t in texts])]
    got = [m.get("intent_ranking") for m in loaded.process([_message(t) for t in texts])]
    assert got == expected


def test_nothing_saved_loads_an_untrained_classifier_as_rasa_does(tmp_path: Path) -> None:
    loaded = IntentClassifier.load(IntentClassifier.get_default_config(),
                                   LocalModelStorage(tmp_path), Resource("never-trained"),
                                   ExecutionContext(GraphSchema({}), "test"))
    assert getattr(loaded.clf, "classes_", None) is None


def test_the_training_matrix_from_column_blocks_is_rasas_matrix(tmp_path: Path) -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )

    from clinic.nlu.intent_classifier import column_blocks
    from clinic.nlu.sample_space import ColumnBlocks

    classifier = _trained(tmp_path)
    examples = [_message(t, "x") for t in ("what is nmt", "hi", "bye bye hello", "is is")]
    X, y = classifier._training_rows(TrainingData(examples))
    rasas = LogisticRegressionClassifier._create_X(classifier, examples).toarray()
    assert isinstance(X, ColumnBlocks) and y == ["x"] * 4
    np.testing.assert_array_equal(X.toarray(), rasas)
    np.testing.assert_array_equal(classifier._create_training_matrix(
        TrainingData(examples))[0], rasas)
    np.testing.assert_allclose(X.gram(), rasas @ rasas.T, rtol=1e-12)
    # a message without one of the two kinds of features: Rasa's rows, no blocks
    assert column_blocks(examples + [_message("hi", "x", features=False)]) is None
    no_dense = Message(data={TEXT: "hi", INTENT: "x"}, features=examples[1].features[:1])
    assert column_blocks([examples[0], no_dense]) is None


def test_training_through_the_blocks_gives_the_same_model_as_rasas_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic.nlu import intent_classifier as module

    (tmp_path / "blocks").mkdir()
    (tmp_path / "rows").mkdir()
    blocks = _trained(tmp_path / "blocks")
    monkeypatch.setattr(module, "column_blocks", lambda messages: None)  # Rasa's rows
    rows = _trained(tmp_path / "rows")
    probe = [_message(t) for t in ("what is nmt", "hi there", "bye", "nmt nmt hello")]
    np.testing.assert_allclose(blocks.clf.predict_proba(blocks._create_X(probe)),
                               rows.clf.predict_proba(rows._create_X(probe)), atol=1e-6)
