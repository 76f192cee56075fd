"""The sentence encoder (clinic/nlu/minilm.py, minilm_onnx.py) and its Rasa featurizer.

Reference values come from independent implementations, not from this code:
- token ids: Hugging Face ``tokenizers`` 0.23.3 on the model's own ``tokenizer.json``
  (checked on all 1,329 training texts too: identical);
- 0.755 for the "eating food" pair: the cosine similarity the sentence-transformers
  documentation reports for all-MiniLM-L6-v2.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from clinic.nlu.minilm import EncoderError, MiniLMEncoder, WordPieceTokenizer, basic_tokens
from clinic.nlu.sentence_featurizer import DEFAULT_MODEL_DIR, model_dir, shared_encoder

MODEL_DIR = model_dir(DEFAULT_MODEL_DIR)

REFERENCE_IDS = {
    "Ünïcödé café naïve": [101, 27260, 7668, 15743, 102],
    "emoji 😀 test!!": [101, 7861, 29147, 2072, 100, 3231, 999, 999, 102],
    "n.m.t. vs FMM?": [101, 1050, 1012, 1049, 1012, 1056, 1012, 5443, 4718, 2213, 1029, 102],
    "neuromusculer therapy": [101, 11265, 10976, 7606, 21225, 2099, 7242, 102],
    "don't": [101, 2123, 1005, 1056, 102],
    "中文": [101, 1746, 1861, 102],
    "tab\tnew\nline": [101, 21628, 2047, 2240, 102],
    "x" * 101: [101, 100, 102],
}


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return shared_encoder(MODEL_DIR)


@pytest.mark.parametrize("text", sorted(REFERENCE_IDS))
def test_token_ids_match_the_reference_tokenizer(encoder: MiniLMEncoder, text: str) -> None:
    assert encoder.tokenizer.encode(text) == REFERENCE_IDS[text]


def test_basic_tokens_split_punctuation_and_strip_accents() -> None:
    assert basic_tokens("Café, NMT-vs-FMM!") == ["cafe", ",", "nmt", "-", "vs", "-", "fmm", "!"]


def test_long_texts_are_cut_to_the_token_limit(encoder: MiniLMEncoder) -> None:
    ids = encoder.tokenizer.encode("pain " * 500, max_tokens=16)
    assert len(ids) == 16 and ids[0] == 101 and ids[-1] == 102


def test_published_similarity_is_reproduced(encoder: MiniLMEncoder) -> None:
    food, bread, horse = encoder.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert float(food @ bread) == pytest.approx(0.755, abs=0.005)
    assert float(food @ horse) < 0.4


def test_paraphrases_without_shared_words_are_close(encoder: MiniLMEncoder) -> None:
    numb, tingle, address = encoder.encode(
        ["my hand goes numb at my desk", "pins and needles in my fingers when I type",
         "where is your clinic located"]
    )
    assert float(numb @ tingle) > float(numb @ address) + 0.25


def test_vectors_are_unit_length_and_independent_of_batching(encoder: MiniLMEncoder) -> None:
    texts = ["hi", "what is neuromuscular therapy and how does it work for my neck", ""]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (3, encoder.dimension) == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-4)  # padding changes nothing


def test_missing_files_are_named(tmp_path) -> None:
    with pytest.raises(EncoderError, match="config.json"):
        MiniLMEncoder(tmp_path)
    (tmp_path / "vocab.txt").write_text("hello\n", encoding="utf-8")
    with pytest.raises(EncoderError, match=r"\[CLS\]"):
        WordPieceTokenizer.from_file(tmp_path / "vocab.txt")


def test_featurizer_adds_one_sentence_vector_per_text() -> None:
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from clinic.nlu.sentence_featurizer import SentenceEncoderFeaturizer

    config = {**SentenceEncoderFeaturizer.get_default_config(), "alias": "minilm"}
    featurizer = SentenceEncoderFeaturizer(config, "minilm")
    with_text = Message(data={TEXT: "what are trigger points?"})
    without_text = Message(data={"intent": "greet"})
    featurizer.process_training_data(TrainingData([with_text, without_text]))
    sequence, sentence = with_text.get_dense_features(TEXT)
    assert sequence is None
    assert sentence is not None and sentence.features.shape == (1, 384)
    assert without_text.get_dense_features(TEXT) == (None, None)
    incoming = featurizer.process([Message(data={TEXT: "what are trigger points?"})])[0]
    np.testing.assert_allclose(incoming.get_dense_features(TEXT)[1].features,
                               sentence.features, atol=1e-5)


@pytest.mark.parametrize("layers", [[6], [6, 4, 3], [2]])
def test_every_backend_gives_the_same_vectors(encoder: MiniLMEncoder, layers) -> None:
    from clinic.nlu.minilm import numpy_backend, onnx_backend, tensorflow_backend

    assert tensorflow_backend() is not None, "TensorFlow (installed with Rasa) must import"
    assert onnx_backend() is not None, "onnxruntime and onnx (requirements.lock) must import"
    texts = ["my hand goes numb at my desk", "what is fmm", "hi", ""]
    with_numpy = MiniLMEncoder(MODEL_DIR, backend=numpy_backend()).encode(texts, layers=layers)
    for backend in (tensorflow_backend(), onnx_backend()):
        vectors = MiniLMEncoder(MODEL_DIR, backend=backend).encode(texts, layers=layers)
        np.testing.assert_allclose(vectors, with_numpy, atol=1e-4, err_msg=backend.name)
        # one text at a time (a visitor's message) as in a batch (training)
        alone = MiniLMEncoder(MODEL_DIR, backend=backend).encode(texts[:1], layers=layers)
        np.testing.assert_allclose(alone, with_numpy[:1], atol=1e-4, err_msg=backend.name)
    assert encoder.backend.name == "onnxruntime"  # the fastest one is the default


def test_chosen_layers_are_concatenated_unit_vectors(encoder: MiniLMEncoder) -> None:
    texts = ["my hand goes numb at my desk", "where is the clinic"]
    last = encoder.encode(texts)
    several = encoder.encode(texts, layers=[6, 4, 3])
    assert encoder.depth == 6
    assert several.shape == (2, 3 * encoder.dimension)
    np.testing.assert_allclose(several[:, :384], last, atol=1e-6)  # layer 6 = the published one
    blocks = several.reshape(2, 3, 384)
    np.testing.assert_allclose(np.linalg.norm(blocks, axis=2), 1.0, atol=1e-5)
    # an earlier layer is a different view of the sentence, not a copy of the last one
    assert float(np.abs(blocks[:, 1] - blocks[:, 0]).max()) > 0.05
    np.testing.assert_allclose(encoder.encode(texts, layers=[4]), blocks[:, 1], atol=1e-6)


@pytest.mark.parametrize("layers", [[], [0], [7], [6, 9]])
def test_layers_outside_the_model_are_refused(encoder: MiniLMEncoder, layers) -> None:
    with pytest.raises(EncoderError, match="layers must be numbers from 1 to 6"):
        encoder.encode(["hello"], layers=layers)


def test_featurizer_concatenates_the_configured_layers() -> None:
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from clinic.nlu.sentence_featurizer import SentenceEncoderFeaturizer

    config = {**SentenceEncoderFeaturizer.get_default_config(), "alias": "minilm",
              "layers": [6, 3], "weight": 10}
    featurizer = SentenceEncoderFeaturizer(config, "minilm")
    message = featurizer.process([Message(data={TEXT: "what is fmm"})])[0]
    vector = message.get_dense_features(TEXT)[1].features
    assert vector.shape == (1, 768)
    np.testing.assert_allclose(np.linalg.norm(vector.reshape(2, 384), axis=1), 10.0, rtol=1e-5)


@pytest.mark.parametrize("layers", [[], "6", [6, 6], [6.0], None])
def test_featurizer_refuses_a_bad_layer_list(layers) -> None:
    from clinic.nlu.sentence_featurizer import SentenceEncoderFeaturizer

    config = {**SentenceEncoderFeaturizer.get_default_config(), "layers": layers}
    with pytest.raises(ValueError, match="layers must be a list"):
        SentenceEncoderFeaturizer.validate_config(config)


def test_training_encodes_on_every_core_with_the_same_vectors(
        encoder: MiniLMEncoder, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic.nlu import minilm_onnx

    texts = ["what is nmt", "my hand goes numb when I type, can massage help?", "hola", ""]
    one_thread = encoder.encode(texts, layers=[6, 4, 3])
    assert encoder._graph.session.get_session_options().intra_op_num_threads == 1
    monkeypatch.setattr(minilm_onnx, "THREADS", minilm_onnx.THREADS)  # restored afterwards
    minilm_onnx.use_every_core()  # what clinic.rasa_main does for `train`
    every_core = MiniLMEncoder(MODEL_DIR)
    options = every_core._graph.session.get_session_options()
    assert options.intra_op_num_threads == (os.cpu_count() or 1)
    np.testing.assert_allclose(every_core.encode(texts, layers=[6, 4, 3]), one_thread,
                               atol=1e-5)
