"""Rasa's command line with NumPy's global random generator seeded first.

``rasa test nlu --cross-validation`` splits the data with scikit-learn's
``StratifiedKFold(shuffle=True)`` and no seed (``rasa.nlu.test.generate_folds``), so every
run draws different folds and the macro F1 moves by about ±0.005 between runs on the same
data. Seeding NumPy's global generator before Rasa starts makes the split, and so the score,
repeatable; ``make eval`` averages several such seeded runs (``clinic.evaluation``).

Run: ``python -m clinic.seeded_rasa SEED <rasa arguments>``, e.g.
``python -m clinic.seeded_rasa 1 test nlu --cross-validation --folds 5``.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import numpy as np


def parse_seed(text: str) -> int:
    """The seed: a whole number from 0 to 2**32 - 1 (NumPy's range)."""
    try:
        seed = int(text)
    except ValueError:
        raise SystemExit(f"seeded_rasa: the seed must be a whole number, got {text!r}")
    if not 0 <= seed < 2**32:
        raise SystemExit(f"seeded_rasa: the seed must be between 0 and 2**32 - 1, got {seed}")
    return seed


def main(argv: Optional[List[str]] = None) -> None:
    """Seeds NumPy, then hands the remaining arguments to Rasa's own ``main``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit("usage: python -m clinic.seeded_rasa SEED <rasa arguments>")
    np.random.seed(parse_seed(args[0]))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
