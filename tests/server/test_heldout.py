"""Held-out questions answered end to end (trained model + real action server).

The questions in tests/heldout/questions.yml were written apart from the training data.
Each is asked in a fresh conversation; the ``last_topic`` slot set by the answer actions
must name the expected topic ("none": the assistant must not answer with any topic).
"""

from __future__ import annotations

from staff.evaluation import (
    HELDOUT_MINIMUM,
    load_heldout,
    nonsense_questions,
    run_heldout,
    score_heldout,
)


async def test_heldout_topic_accuracy(stack, agent) -> None:
    questions = load_heldout()
    assert len(questions) >= 150, "the held-out set must hold at least 150 questions"

    score = score_heldout(await run_heldout(agent, questions, prefix="test-heldout"))

    misses = "\n".join(
        f"  {m.question.text!r}: expected {m.question.topic}, got {m.predicted}"
        for m in score.misses
    )
    assert score.accuracy >= HELDOUT_MINIMUM, (
        f"held-out accuracy {score.accuracy:.3f} ({score.correct}/{score.total}) is below "
        f"{HELDOUT_MINIMUM}; misses:\n{misses}"
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
