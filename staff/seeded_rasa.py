"""Rasa's command line with NumPy's global random generator seeded first.

``rasa test nlu --cross-validation`` splits the data with scikit-learn's
``StratifiedKFold(shuffle=True)`` and no seed (``rasa.nlu.test.generate_folds``), so every
run draws different folds and the macro F1 moves by about ±0.005 between runs on the same
data. Seeding NumPy's global generator before Rasa starts makes the split, and so the score,
repeatable; ``make eval`` averages several such seeded runs (``staff.evaluation``).

For a cross-validation run it also skips Rasa's scoring of each fold's *training* part
(``skip_train_fold_scoring``): Rasa parses all training examples of every fold again to
log "train" accuracies, which nothing here reads, and that took ~1:50 of the ~4:10 of each
fold on 2 cores. The folds are drawn before the first fold trains, and the test-fold
figures come from the same models, so the reports are what they would be otherwise.

Run: ``python -m staff.seeded_rasa SEED <rasa arguments>``, e.g.
``python -m staff.seeded_rasa 1 test nlu --cross-validation --folds 5``.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, List, Optional

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


def skip_train_fold_scoring() -> None:
    """Makes ``rasa.nlu.test.combine_result`` return without parsing when Rasa calls it
    for a fold's training part (the only call without a results list); the test-fold call
    runs unchanged."""
    import rasa.nlu.test as nlu_test

    original = getattr(nlu_test.combine_result, "__wrapped__", nlu_test.combine_result)

    @functools.wraps(original)
    async def combine_result(intent_metrics: Any, entity_metrics: Any,
                             response_selection_metrics: Any, processor: Any, data: Any,
                             intent_results: Optional[list] = None,
                             entity_results: Optional[list] = None,
                             response_selection_results: Optional[list] = None) -> Any:
        if intent_results is None and entity_results is None and (
                response_selection_results is None):
            return intent_metrics, entity_metrics, response_selection_metrics
        return await original(intent_metrics, entity_metrics, response_selection_metrics,
                              processor, data, intent_results, entity_results,
                              response_selection_results)

    nlu_test.combine_result = combine_result


def main(argv: Optional[List[str]] = None) -> None:
    """Seeds NumPy, then hands the remaining arguments to Rasa's own ``main``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit("usage: python -m staff.seeded_rasa SEED <rasa arguments>")
    np.random.seed(parse_seed(args[0]))
    if "--cross-validation" in args:
        skip_train_fold_scoring()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
