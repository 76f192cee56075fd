"""A sentence vector kept in a message's data, with a fingerprint Rasa can take quickly.

The sentence featurizers keep each message's unit vector in its data for the FAQ retriever.
During training Rasa fingerprints the whole training data after every component (for its
cache), and ``deep_container_fingerprint`` turns any value without a ``fingerprint()``
method into ``str(value)``: NumPy's printing of 3,538 x 2 vectors of 384 and 512 floats,
after each of the nine components that follow, took about 30 s of a 112 s training
(py-spy, 2026-12-07). A :class:`KeptVector` is the same array with a ``fingerprint()`` over
its bytes, which that function calls instead.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np


class KeptVector(np.ndarray):
    """A NumPy array whose ``fingerprint()`` is the MD5 of its dtype, shape and bytes."""

    def fingerprint(self) -> str:
        """Hex digest Rasa's ``deep_container_fingerprint`` uses for this value."""
        array = np.ascontiguousarray(self)
        digest = hashlib.md5(usedforsecurity=False)
        digest.update(f"{array.dtype.str}{array.shape}".encode("ascii"))
        digest.update(array.tobytes())
        return digest.hexdigest()


def kept(vector: Any) -> KeptVector:
    """``vector`` as a :class:`KeptVector` (a view, no copy, when it is an array already)."""
    return np.asarray(vector).view(KeptVector)
