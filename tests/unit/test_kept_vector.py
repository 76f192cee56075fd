"""Sentence vectors kept in message data: usable arrays with a fast, faithful fingerprint."""

from __future__ import annotations

import numpy as np
import rasa.shared.utils.io
from rasa.shared.nlu.training_data.message import Message

from clinic.nlu.kept_vector import KeptVector, kept


def _fingerprint(vector: np.ndarray) -> str:
    return Message(data={"text": "hi", "v": kept(vector)}).fingerprint()


def test_rasa_fingerprints_a_kept_vector_without_printing_it() -> None:
    vector = kept(np.linspace(0.0, 1.0, 384, dtype=np.float32))

    def no_printing(_array: np.ndarray) -> str:
        raise AssertionError("the array was printed to be fingerprinted")

    np.set_string_function(no_printing, repr=False)  # str() of any array now fails
    try:
        assert rasa.shared.utils.io.deep_container_fingerprint(vector) == vector.fingerprint()
        assert Message(data={"text": "hi", "v": vector}).fingerprint()
    finally:
        np.set_string_function(None, repr=False)


def test_the_fingerprint_follows_the_values_dtype_and_shape() -> None:
    base = np.linspace(0.0, 1.0, 384, dtype=np.float32)
    changed = base.copy()
    changed[100] += 1e-6
    assert _fingerprint(base) == _fingerprint(base.copy())
    assert _fingerprint(base) != _fingerprint(changed)  # str() would print both alike
    assert _fingerprint(base) != _fingerprint(base.astype(np.float64))
    assert _fingerprint(base) != _fingerprint(base.reshape(2, 192))


def test_a_kept_vector_is_the_same_array_without_a_copy() -> None:
    base = np.arange(6, dtype=np.float32)
    vector = kept(base)
    assert isinstance(vector, np.ndarray) and np.shares_memory(vector, base)
    np.testing.assert_array_equal(vector * 2, base * 2)
    assert type(np.asarray(vector)) is np.ndarray  # what the FAQ retriever works on
