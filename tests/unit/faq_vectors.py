"""Hand-made FAQs and vectors for the FAQ retrieval and gate tests.

Unit vectors of dimension 384 built from a few axes, so each similarity is known exactly
(``vec({0: 0.6, 2: 0.8}) @ vec({0: 1}) == 0.6``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from clinic.faq.model import Faq, Phrasing
from clinic.faq.retrieval import DIMENSION, RetrievalSettings

SETTINGS = RetrievalSettings(answer_threshold=0.45, therapy_margin=0.0, choice_margin=0.03)


def vec(weights: Mapping[int, float]) -> np.ndarray:
    """A unit vector with the given weights on the given axes (normalised)."""
    vector = np.zeros(DIMENSION, dtype=np.float32)
    for axis, weight in weights.items():
        vector[axis] = weight
    return vector / np.linalg.norm(vector)


def make_faq(name: str, question: str, wordings: Sequence[str], answer: str = "") -> Faq:
    """An FAQ as the loader would give it (lines from 3 on)."""
    return Faq(name=name, path=Path("faq") / f"{name}.yml", question=question,
               asked_as=tuple(Phrasing(text, i + 3) for i, text in enumerate(wordings)),
               answer=answer or f"The answer about {name}.")
