"""FAQ retrieval quality on held-out FAQ questions (``staff.faq.quality``, ``make eval``).

The target (0.95, docs/nlu-quality.md) is reported by ``make eval``; the suite holds the floor
below which a change must not go, and that no FAQ takes the practical questions no FAQ
answers or the therapy look-alikes beyond the current single misses.
"""

from __future__ import annotations

import numpy as np

from clinic.faq.retrieval import DIMENSION, RetrievalSettings
from staff.faq.gate import Outcome
from staff.faq.load import load_faq_text
from staff.faq.quality import FaqResult, load_questions, measure, measure_project

FLOOR = 0.80


def test_held_out_faq_questions_reach_their_faq() -> None:
    score = measure_project()
    labels = {label for _, label in load_questions()}
    assert {"parking", "prices", "none", "therapy"} <= labels
    assert score.faq_accuracy >= FLOOR, [(r.text, r.shown) for r in score.misses]
    none_right, none_total = score.share(labels=("none",))
    therapy_right, therapy_total = score.share(labels=("therapy",))
    assert none_total >= 25 and none_right >= none_total - 1
    assert therapy_total >= 10 and therapy_right >= therapy_total - 1


def test_a_choice_that_offers_the_right_faq_counts_and_no_faq_is_right_for_none() -> None:
    assert FaqResult("x", "prices", Outcome("", ("prices", "gift_cards"))).correct
    assert not FaqResult("x", "prices", Outcome("gift_cards")).correct
    assert FaqResult("x", "none", Outcome("")).correct
    assert not FaqResult("x", "therapy", Outcome("", ("prices", "insurance"))).correct


def test_measure_uses_the_running_assistants_decision(tmp_path) -> None:
    faq, _ = load_faq_text(tmp_path / "parking.yml", (
        "question: Is there parking?\nasked_as:\n  - parking\n  - park\n  - parking lot\n"
        "  - park the car\n  - where to park\nanswer: Ask us.\n"))
    assert faq is not None

    def encode(texts):  # "park..." texts point one way, everything else another
        return np.array([[1.0] + [0.0] * (DIMENSION - 1) if "park" in t
                         else [0.0, 1.0] + [0.0] * (DIMENSION - 2)
                         for t in texts], dtype=np.float32)

    score = measure([faq], [("where do i park", "parking"), ("hello", "none")], encode,
                    np.zeros((0, DIMENSION), dtype=np.float32), RetrievalSettings())
    assert [r.correct for r in score.results] == [True, True]
    assert score.faq_accuracy == 1.0
