"""The FAQ quality gate: what a new FAQ version would change, in the staff guide's words.

Runs in seconds on sentence vectors (no training). Before a version goes live:

1. **Leave-one-out.** Each way of asking (the Spanish ones too), left out of the index, must
   still reach its own FAQ
   through the others (the same decision the running assistant makes,
   ``clinic.faq.retrieval.decide``). A wording that reached its FAQ in the live version and no
   longer does, or a new wording that reaches *another* FAQ, stops the publish.
2. **Therapy questions stay therapy questions.** The project's held-out therapy questions
   (``tests/heldout``) must not be taken by an FAQ more often than with the live version;
   each newly taken one is named with the FAQ that took it.
3. **No two answers alike.** Two FAQs whose answers are (nearly) the same should be one FAQ
   (the Spanish answers: the same text).

A new wording that reaches nothing when left out is only a note: the FAQ still works for
wordings close to its others, but more ways of asking like it would help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from clinic.faq.model import Faq
from staff.faq.text import normalise
from clinic.faq.retrieval import (
    FaqIndex,
    RetrievalSettings,
    decide_message,
    faq_wordings,
    spanish_texts,
)

NEAR_DUPLICATE_ANSWER = 0.97


@dataclass(frozen=True)
class Outcome:
    """Where one text goes: ``faq`` (an FAQ name), ``""`` (no FAQ)."""

    faq: str
    choice: Tuple[str, ...] = ()

    def reaches(self, name: str) -> bool:
        """True when the visitor gets ``name``'s answer or a button for it."""
        return self.faq == name or name in self.choice


@dataclass
class GateReport:
    """What would get worse (``problems``: the publish stops) and what is worth knowing."""

    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    loo_hits: int = 0
    loo_total: int = 0
    spanish_hits: int = 0  # the Spanish ways of asking, counted apart from the English ones
    spanish_total: int = 0
    therapy_taken: int = 0
    therapy_total: int = 0

    @property
    def passed(self) -> bool:
        """True when nothing got worse."""
        return not self.problems

    @property
    def loo_accuracy(self) -> Optional[float]:
        """Share of (English) ways of asking that reach their own FAQ when left out."""
        return self.loo_hits / self.loo_total if self.loo_total else None


def outcome(index: FaqIndex, vector: np.ndarray, others: np.ndarray,
            settings: RetrievalSettings, exclude: Optional[str] = None,
            spanish: bool = False) -> Outcome:
    """The running assistant's decision for one vector (of a Spanish message when
    ``spanish``: ``clinic.faq.retrieval.decide_message``), as an ``Outcome``."""
    decision = decide_message(index, vector, others, settings, spanish, exclude_text=exclude)
    if decision.kind == "answer":
        return Outcome(decision.matches[0].name)
    if decision.kind == "choose":
        return Outcome("", tuple(m.name for m in decision.matches))
    return Outcome("")


def leave_one_out(index: FaqIndex, vectors: Mapping[str, np.ndarray], others: np.ndarray,
                  settings: RetrievalSettings) -> Dict[Tuple[str, str], Outcome]:
    """(FAQ name, wording) -> where the wording goes when it is left out of the index."""
    results: Dict[Tuple[str, str], Outcome] = {}
    for faq in index.faqs:
        spanish = set(spanish_texts(faq))
        for text in faq_wordings(faq):  # English and Spanish (the questions are titles)
            results[(faq.name, text)] = outcome(index, vectors[text], others, settings, text,
                                                spanish=text in spanish)
    return results


def _question(index: FaqIndex, name: str) -> str:
    faq = index.by_name.get(name)
    return faq.question if faq else name


def _describe(index: FaqIndex, result: Outcome) -> str:
    if result.faq:
        return f"the answer for '{_question(index, result.faq)}'"
    if result.choice:
        return "a choice between " + " and ".join(f"'{_question(index, n)}'"
                                                   for n in result.choice)
    return "no FAQ answer"


def run_gate(
    new: FaqIndex,
    old: Optional[FaqIndex],
    vectors: Mapping[str, np.ndarray],
    others: np.ndarray,
    therapy: Sequence[Tuple[str, str, np.ndarray]],
    settings: RetrievalSettings,
    answer_vectors: Optional[Mapping[str, np.ndarray]] = None,
) -> GateReport:
    """Compares ``new`` with the live index ``old`` (``None`` on an empty store).

    ``therapy``: (question, topic, vector) of the held-out therapy questions;
    ``answer_vectors``: FAQ name -> its answer's vector (for near-duplicate answers).
    """
    report = GateReport()
    now = leave_one_out(new, vectors, others, settings)
    before = leave_one_out(old, vectors, others, settings) if old is not None else {}
    spanish = {(faq.name, text) for faq in new.faqs for text in spanish_texts(faq)}
    unlike_spanish: Dict[str, List[str]] = {}
    for (name, text), result in now.items():
        is_spanish = (name, text) in spanish
        if is_spanish:
            report.spanish_total += 1
        else:
            report.loo_total += 1
        if result.reaches(name):
            if is_spanish:
                report.spanish_hits += 1
            else:
                report.loo_hits += 1
            continue
        question = _question(new, name)
        got = _describe(new, result)
        earlier = before.get((name, text))
        if earlier is not None and earlier.reaches(name):
            report.problems.append(
                f"'{text}' (FAQ '{question}') used to get its own answer and would now get "
                f"{got}. Reword the FAQ you changed so it asks something different, or add "
                f"more ways of asking like '{text}' to '{question}'.")
        elif result.faq or result.choice:
            report.problems.append(
                f"'{text}' (FAQ '{question}') would get {got}. Reword it so it clearly "
                "belongs to this FAQ, or move it to the other FAQ.")
        elif earlier is None and is_spanish:
            unlike_spanish.setdefault(name, []).append(text)
        elif earlier is None:
            report.notes.append(
                f"'{text}' (FAQ '{question}') is unlike the other ways of asking of its FAQ: "
                "add one or two more wordings like it.")
    for name, texts in unlike_spanish.items():  # one note per FAQ, not one per wording
        total = sum(1 for key in now if key[0] == name and key in spanish)
        report.notes.append(
            f"{len(texts)} of the {total} Spanish ways of asking of '{_question(new, name)}' "
            "are not found through the others (e.g. '" + texts[0] + "'). A Spanish message "
            "finds this FAQ only when it is very close to one of them, so list the common "
            "ways visitors ask it in Spanish.")
    taken_before = set()
    if old is not None:
        taken_before = {q for q, _, v in therapy
                        if outcome(old, v, others, settings) != Outcome("")}
    for question, topic, vector in therapy:
        report.therapy_total += 1
        result = outcome(new, vector, others, settings)
        if result == Outcome(""):
            continue
        report.therapy_taken += 1
        if question not in taken_before:
            closest = new.matches(vector, limit=1)
            wording = closest[0].wording if closest else ""
            report.problems.append(
                f"The test question '{question}' (about {topic.replace('_', ' ')}) would get "
                f"{_describe(new, result)} instead of the therapy answer. Reword or remove "
                f"the way of asking closest to it: '{wording}'.")
    report.problems += duplicate_answers(new.faqs, answer_vectors or {})
    return report


def duplicate_answers(faqs: Sequence[Faq], answer_vectors: Mapping[str, np.ndarray]
                      ) -> List[str]:
    """Pairs of FAQs whose answers are the same or nearly the same."""
    problems: List[str] = []
    for i, first in enumerate(faqs):
        for second in faqs[i + 1:]:
            same = normalise(first.answer) == normalise(second.answer)
            a, b = answer_vectors.get(first.name), answer_vectors.get(second.name)
            close = a is not None and b is not None and float(a @ b) >= NEAR_DUPLICATE_ANSWER
            if same or close:
                problems.append(
                    f"The FAQs '{first.question}' and '{second.question}' give (almost) the "
                    "same answer: merge them into one FAQ with the ways of asking of both.")
            elif (first.answer_es and second.answer_es
                  and normalise(first.answer_es) == normalise(second.answer_es)):
                problems.append(
                    f"The FAQs '{first.question}' and '{second.question}' give the same "
                    "Spanish answer: write each FAQ's own answer in Spanish, or merge them.")
    return problems
