"""Held-out questions answered end to end (trained model + real action server).

The questions in tests/heldout/ were written apart from the training data: the English
batches (``HELDOUT_FILES``) and, measured apart with its own floor, the Spanish set
(``SPANISH_HELDOUT_FILE``), and the English ones with one typo each (staff/typos.py). Each
is asked in a fresh conversation; the ``last_topic`` slot
set by the answer actions must name the expected topic ("none": the assistant must not
answer with any topic).
"""

from __future__ import annotations

from typing import Callable, List, NamedTuple

import pytest

from staff.evaluation import run_heldout
from staff.typos import TYPO_MINIMUM, typo_questions
from staff.evaluation_scores import (
    HELDOUT_MINIMUM,
    SPANISH_HELDOUT_MINIMUM,
    HeldOutQuestion,
    load_heldout,
    load_spanish_heldout,
    nonsense_questions,
    score_heldout,
)


class HeldOutSet(NamedTuple):
    """A held-out set, the fewest questions it must hold and its accuracy floor."""

    load: Callable[[], List[HeldOutQuestion]]
    size: int
    floor: float


# The floors live in staff/evaluation_scores.py (make eval's report states them too).
HELDOUT_SETS = {
    "english": HeldOutSet(load_heldout, 150, HELDOUT_MINIMUM),
    "spanish": HeldOutSet(load_spanish_heldout, 150, SPANISH_HELDOUT_MINIMUM),
    # the English questions with one typo each (staff/typos.py)
    "typos": HeldOutSet(lambda: typo_questions(load_heldout()), 500, TYPO_MINIMUM),
}


@pytest.mark.parametrize("name", list(HELDOUT_SETS))
async def test_heldout_topic_accuracy(stack, agent, name: str) -> None:
    load, size, floor = HELDOUT_SETS[name]
    questions = load()
    assert len(questions) >= size, f"the {name} held-out set must hold at least {size} questions"

    score = score_heldout(await run_heldout(agent, questions, prefix=f"test-heldout-{name}"))

    misses = "\n".join(
        f"  {m.question.text!r}: expected {m.question.topic}, got {m.predicted}"
        for m in score.misses
    )
    assert score.accuracy >= floor, (
        f"{name} held-out accuracy {score.accuracy:.3f} ({score.correct}/{score.total}) is "
        f"below {floor}; misses:\n{misses}"
    )


async def test_unrelated_heldout_questions_never_get_a_therapy_answer(stack, agent) -> None:
    unrelated = [q for q in load_heldout() if q.topic == "none"]
    assert unrelated, "the held-out set must contain questions that must not be answered"

    results = await run_heldout(agent, unrelated, prefix="test-heldout-none")

    answered = [(r.question.text, r.predicted) for r in results if not r.correct]
    assert not answered, f"unrelated questions got a therapy answer: {answered}"


async def test_random_letter_strings_never_get_a_therapy_answer(stack, agent) -> None:
    questions = nonsense_questions()
    results = await run_heldout(agent, questions, prefix="test-nonsense")

    answered = [(r.question.text, r.predicted) for r in results if not r.correct]
    assert not answered, f"random letter strings got a therapy answer: {answered}"
