"""The FAQ quality gate (staff/faq/gate.py) on hand-made vectors.

Each text's vector is a unit vector on a few axes, so which FAQ a wording reaches when it
is left out is known in advance: parking lives on axis 0, prices on axis 1, car rental on
axis 2, therapy questions on axis 7.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import pytest

from clinic.faq.model import Faq
from clinic.faq.retrieval import DIMENSION, FaqIndex
from staff.faq.gate import GateReport, Outcome, duplicate_answers, run_gate
from tests.unit.faq_vectors import SETTINGS, make_faq, vec

NO_OTHERS = np.zeros((0, DIMENSION), dtype=np.float32)
Therapy = Sequence[Tuple[str, str, np.ndarray]]




VECTORS: Dict[str, np.ndarray] = {
    "Is there parking?": vec({0: 1.0}),
    "where can i park": vec({0: 1.0, 10: 0.1}),
    "do you have a parking lot": vec({0: 1.0, 11: 0.1}),
    "where can i leave my car": vec({0: 0.6, 2: 0.8}),
    "How much does a session cost?": vec({1: 1.0}),
    "what are your prices": vec({1: 1.0, 12: 0.1}),
    "how much is nmt": vec({1: 1.0, 13: 0.1}),
    "Can I rent a car here?": vec({2: 1.0}),
    "do you rent cars": vec({2: 1.0, 14: 0.1}),
    "car hire": vec({2: 1.0, 15: 0.1}),
    "how much does parking cost": vec({1: 1.0, 0: 0.2}),
    "valet?": vec({40: 1.0}),
    "What kinds of massage do you offer?": vec({8: 1.0}),
    "what therapies do you do": vec({7: 1.0, 8: 0.3}),
    "which treatments are there": vec({7: 1.0, 8: 0.3, 17: 0.1}),
}
PARKING_WORDINGS = ["where can i park", "do you have a parking lot",
                    "where can i leave my car"]
PARKING = make_faq("parking", "Is there parking?", PARKING_WORDINGS)
PRICES = make_faq("prices", "How much does a session cost?",
                  ["what are your prices", "how much is nmt"])
RENTAL = make_faq("car_rental", "Can I rent a car here?", ["do you rent cars", "car hire"])
MASSAGES = make_faq("massages", "What kinds of massage do you offer?",
                    ["what therapies do you do", "which treatments are there"])
THERAPY_QUESTION = "what is neuromuscular therapy"
THERAPY: Therapy = [(THERAPY_QUESTION, "nmt_overview", vec({7: 1.0}))]
THERAPY_OTHERS = np.stack([vec({7: 1.0, 30: 1.0})])  # an NMT training example: 0.71 away


def index(*faqs: Faq, version: Optional[int] = None) -> FaqIndex:
    return FaqIndex.build(version, faqs, VECTORS)


def gate(new: Sequence[Faq], old: Optional[Sequence[Faq]], therapy: Therapy = (),
         others: np.ndarray = NO_OTHERS,
         answer_vectors: Optional[Mapping[str, np.ndarray]] = None) -> GateReport:
    return run_gate(index(*new), index(*old, version=1) if old is not None else None, VECTORS,
                    others, list(therapy), SETTINGS, answer_vectors)


LIVE = [PARKING, PRICES]


def test_passed_when_nothing_got_worse() -> None:
    report = gate(LIVE, LIVE)
    assert report.passed
    assert (report.problems, report.notes) == ([], [])
    assert (report.loo_hits, report.loo_total) == (5, 5)
    assert report.loo_accuracy == 1.0


def test_a_wording_that_now_reaches_another_faq_stops_the_publish() -> None:
    report = gate([PARKING, PRICES, RENTAL], LIVE)
    assert not report.passed
    assert len(report.problems) == 1, report.problems
    problem = report.problems[0]
    assert problem.startswith("'where can i leave my car' (FAQ 'Is there parking?') used to "
                              "get its own answer")
    assert "would now get the answer for 'Can I rent a car here?'" in problem
    assert (report.loo_hits, report.loo_total) == (6, 7)
    assert report.notes == []


def _choice_vectors() -> Dict[str, np.ndarray]:
    """Two car FAQs whose questions are near "where can i leave my car" (0.80 and 0.79),
    with wordings of their own far from everything else."""
    return {**VECTORS,
            "Can I rent a car here?": vec({2: 1.0}),
            "do you rent cars": vec({51: 1.0, 14: 0.1}), "car hire": vec({51: 1.0, 15: 0.1}),
            "Can I hire a van?": vec({2: 1.0, 52: 0.15}),
            "do you rent vans": vec({53: 1.0, 14: 0.1}), "van hire": vec({53: 1.0, 15: 0.1})}


def test_a_regression_into_a_choice_names_both_faqs() -> None:
    vans = make_faq("vans", "Can I hire a van?", ["do you rent vans", "van hire"])
    vectors = _choice_vectors()
    report = run_gate(FaqIndex.build(None, [PARKING, PRICES, RENTAL, vans], vectors),
                      FaqIndex.build(1, LIVE, vectors), vectors, NO_OTHERS, [], SETTINGS)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith(
        "'where can i leave my car' (FAQ 'Is there parking?') used to get its own answer and "
        "would now get a choice between 'Can I rent a car here?' and 'Can I hire a van?'.")


def test_a_choice_that_offers_the_wordings_own_faq_is_a_hit() -> None:
    vectors = {**_choice_vectors(), "Can I rent a car here?": vec({2: 0.7625, 51: 0.647})}
    report = run_gate(FaqIndex.build(None, [PARKING, PRICES, RENTAL], vectors),
                      FaqIndex.build(1, LIVE, vectors), vectors, NO_OTHERS, [], SETTINGS)
    assert report.passed, report.problems
    assert (report.loo_hits, report.loo_total) == (7, 7)


def test_a_new_wording_reaching_another_faq_is_a_problem() -> None:
    parking = make_faq("parking", "Is there parking?",
                       PARKING_WORDINGS + ["how much does parking cost"])
    report = gate([parking, PRICES], LIVE)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith(
        "'how much does parking cost' (FAQ 'Is there parking?') would get the answer for "
        "'How much does a session cost?'")
    assert "used to" not in report.problems[0]


def test_on_an_empty_store_a_wording_reaching_another_faq_is_a_problem() -> None:
    parking = make_faq("parking", "Is there parking?",
                       PARKING_WORDINGS + ["how much does parking cost"])
    report = gate([parking, PRICES], None)
    assert [p.split(" would get")[0] for p in report.problems] == [
        "'how much does parking cost' (FAQ 'Is there parking?')"]


def test_a_new_wording_reaching_nothing_is_only_a_note() -> None:
    parking = make_faq("parking", "Is there parking?", PARKING_WORDINGS + ["valet?"])
    report = gate([parking, PRICES], LIVE)
    assert report.passed and report.problems == []
    assert len(report.notes) == 1
    assert report.notes[0].startswith("'valet?' (FAQ 'Is there parking?') is unlike the other "
                                      "ways of asking")
    assert (report.loo_hits, report.loo_total) == (5, 6)


def test_an_old_wording_that_never_reached_its_faq_is_neither_problem_nor_note() -> None:
    parking = make_faq("parking", "Is there parking?", PARKING_WORDINGS + ["valet?"])
    report = gate([parking, PRICES], [parking, PRICES])
    assert report.passed and report.problems == [] and report.notes == []
    assert (report.loo_hits, report.loo_total) == (5, 6)


def test_a_therapy_question_newly_taken_by_an_faq_is_named() -> None:
    report = gate([PARKING, PRICES, MASSAGES], LIVE, THERAPY, THERAPY_OTHERS)
    assert not report.passed
    assert (report.therapy_taken, report.therapy_total) == (1, 1)
    assert len(report.problems) == 1, report.problems
    problem = report.problems[0]
    assert problem.startswith(f"The test question '{THERAPY_QUESTION}' (about nmt overview) "
                              "would get the answer for 'What kinds of massage do you offer?'")
    assert problem.endswith("'what therapies do you do'.")


def test_a_therapy_question_closer_to_its_training_stays_untaken() -> None:
    others = np.stack([vec({7: 1.0, 30: 0.1})])  # 0.995: closer than any FAQ wording
    report = gate([PARKING, PRICES, MASSAGES], LIVE, THERAPY, others)
    assert report.therapy_taken == 0
    assert report.passed, report.problems


def test_a_therapy_question_the_live_version_already_took_is_not_a_new_problem() -> None:
    report = gate([PARKING, PRICES, MASSAGES], [PARKING, PRICES, MASSAGES], THERAPY,
                  THERAPY_OTHERS)
    assert report.passed
    assert (report.therapy_taken, report.therapy_total) == (1, 1)


def test_the_same_answer_twice_is_a_problem() -> None:
    parking = make_faq("parking", "Is there parking?", PARKING_WORDINGS,
                       answer="Please ask our front desk.")
    prices = make_faq("prices", "How much does a session cost?",
                      ["what are your prices", "how much is nmt"],
                      answer="please ask our front desk!")
    report = gate([parking, prices], LIVE)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("The FAQs 'Is there parking?' and 'How much does a "
                                         "session cost?' give (almost) the same answer")


def test_nearly_the_same_answer_by_vector_is_a_problem() -> None:
    answers = {"parking": vec({60: 1.0}), "prices": vec({60: 1.0, 61: 0.2}),
               "car_rental": vec({62: 1.0})}
    problems = duplicate_answers([PARKING, PRICES, RENTAL], answers)
    assert len(problems) == 1
    assert "'Is there parking?' and 'How much does a session cost?'" in problems[0]
    far = {"parking": vec({60: 1.0}), "prices": vec({60: 1.0, 61: 0.3})}  # 0.958 < 0.97
    assert duplicate_answers([PARKING, PRICES], far) == []


def test_different_answers_without_vectors_are_fine() -> None:
    assert duplicate_answers([PARKING, PRICES, RENTAL], {}) == []


@pytest.mark.parametrize("result, name, expected", [
    (Outcome("parking"), "parking", True),
    (Outcome("", ("parking", "prices")), "prices", True),
    (Outcome("prices"), "parking", False),
    (Outcome(""), "parking", False),
])
def test_outcome_reaches(result: Outcome, name: str, expected: bool) -> None:
    assert result.reaches(name) is expected
