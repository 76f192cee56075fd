"""The FAQ form, pure: form fields -> ``Faq``, the checks' problems -> the field they concern,
search.

An FAQ made from the form gets made-up line numbers (question 1, ways of asking 2, answer 3,
the n-th way of asking ``WAY_LINE + n``, the n-th button ``BUTTON_LINE + n``) so that each
``Problem`` of ``staff.faq.check`` can be shown beside its field ("Question", "Ways of
asking", "Answer", each button's row: ``staff.console.buttons``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Collection, Dict, List, Sequence, Tuple

from clinic.faq.model import Button, Faq, Phrasing
from staff.faq.text import Problem, normalise, suggested_name

QUESTION_LINE, ASKED_AS_LINE, ANSWER_LINE = 1, 2, 3
WAY_LINE = 10000
BUTTON_LINE = 20000
FIELDS = ("question", "asked_as", "answer", "general")  # and button-<n>
_WAY_LINE_TEXT = re.compile(r"line 1(\d{4})")


@dataclass(frozen=True)
class Message:
    """A check's message for the form: ``error`` or ``warning`` and the text."""

    severity: str
    text: str

    @property
    def label(self) -> str:
        """What the console shows before the text."""
        return "Problem" if self.severity == "error" else "Note"


def split_ways(text: str) -> List[str]:
    """The "Ways of asking" box: one per line, blank lines dropped, spaces tidied."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def faq_from_form(name: str, question: str, ways: str, answer: str,
                  buttons: Sequence[Button] = ()) -> Faq:
    """An ``Faq`` from the form's fields and ``buttons`` (numbered as the form's rows)."""
    phrasings = tuple(Phrasing(text, WAY_LINE + number)
                      for number, text in enumerate(split_ways(ways), start=1))
    numbered = tuple(replace(button, line=BUTTON_LINE + number)
                     for number, button in enumerate(buttons, start=1))
    return Faq(
        name=name,
        path=Path("faq") / f"{name}.yml",
        question=" ".join(question.split()),
        asked_as=phrasings,
        answer=answer.strip().replace("\r\n", "\n"),
        buttons=numbered,
        lines={"question": QUESTION_LINE, "asked_as": ASKED_AS_LINE, "answer": ANSWER_LINE},
    )


def with_form_lines(faq: Faq) -> Faq:
    """``faq`` (e.g. from the store) with the form's line numbers."""
    return faq_from_form(faq.name, faq.question, "\n".join(p.text for p in faq.asked_as),
                         faq.answer, faq.buttons)


def field_of(problem: Problem) -> str:
    """The form field a problem concerns: question, asked_as, answer, button-<n> or
    general."""
    line = problem.line or 0
    if line > BUTTON_LINE:
        return f"button-{line - BUTTON_LINE}"
    if line == QUESTION_LINE:
        return "question"
    if line == ASKED_AS_LINE or line > WAY_LINE:
        return "asked_as"
    if line == ANSWER_LINE:
        return "answer"
    return "general"


def problem_text(problem: Problem) -> str:
    """The problem's message with the made-up line numbers said in the form's words."""
    return _WAY_LINE_TEXT.sub(lambda m: f"way of asking {int(m.group(1))}", problem.message)


def messages_by_field(problems: Sequence[Problem], name: str) -> Dict[str, List[Message]]:
    """The problems of FAQ ``name``, grouped by field (problems of other FAQs left out)."""
    mine = Path("faq") / f"{name}.yml"
    grouped: Dict[str, List[Message]] = defaultdict(list)
    for problem in problems:
        if problem.path is not None and Path(problem.path) != mine:
            continue
        grouped[field_of(problem)].append(Message(problem.severity, problem_text(problem)))
    return dict(grouped)


def matches_search(faq: Faq, query: str) -> bool:
    """True when every word of ``query`` is in the FAQ's question or ways of asking."""
    words = normalise(query).split()
    if not words:
        return True
    haystack = " ".join(normalise(text) for text in
                        (faq.question, *(p.text for p in faq.asked_as)))
    return all(word in haystack for word in words)


def new_name(question: str, taken: Collection[str]) -> str:
    """A free FAQ name from the question ("Is there parking?" -> is_there_parking)."""
    stem = suggested_name(question)[:60].strip("_") or "question"
    name, number = stem, 2
    while name in taken:
        name, number = f"{stem}_{number}", number + 1
    return name


def count_errors(problems: Sequence[Problem]) -> Tuple[int, int]:
    """(problems, notes)."""
    errors = sum(p.is_error for p in problems)
    return errors, len(problems) - errors
