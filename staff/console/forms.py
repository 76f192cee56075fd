"""The FAQ form, pure: form fields -> ``Faq``, the checks' problems -> the field they concern,
search.

An FAQ made from the form gets made-up line numbers (question 1, ways of asking 2, answer 3,
the Spanish question 4, Spanish ways of asking 5, Spanish answer 6, the n-th way of asking
``WAY_LINE + n``, the n-th Spanish one ``SPANISH_WAY_LINE + n``, the n-th button
``BUTTON_LINE + n``) so that each ``Problem`` of ``staff.faq.check`` can be shown beside its
field ("Question", "Ways of asking", "Answer", the three "In Spanish" fields, each button's
row: ``staff.console.buttons``).
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
QUESTION_ES_LINE, ASKED_AS_ES_LINE, ANSWER_ES_LINE = 4, 5, 6
WAY_LINE = 10000
BUTTON_LINE = 20000
SPANISH_WAY_LINE = 30000
FIELDS = ("question", "asked_as", "answer", "question_es", "asked_as_es", "answer_es",
          "general")  # and button-<n>
_WAY_LINE_TEXT = re.compile(r"line 1(\d{4})")
_SPANISH_WAY_LINE_TEXT = re.compile(r"line 3(\d{4})")


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


def _answer(text: str) -> str:
    return text.strip().replace("\r\n", "\n")


def faq_from_form(name: str, question: str, ways: str, answer: str,
                  buttons: Sequence[Button] = (), question_es: str = "", ways_es: str = "",
                  answer_es: str = "") -> Faq:
    """An ``Faq`` from the form's fields and ``buttons`` (numbered as the form's rows); the
    Spanish fields are optional (empty: none)."""
    phrasings = tuple(Phrasing(text, WAY_LINE + number)
                      for number, text in enumerate(split_ways(ways), start=1))
    spanish = tuple(Phrasing(text, SPANISH_WAY_LINE + number)
                    for number, text in enumerate(split_ways(ways_es), start=1))
    numbered = tuple(replace(button, line=BUTTON_LINE + number)
                     for number, button in enumerate(buttons, start=1))
    return Faq(
        name=name,
        path=Path("faq") / f"{name}.yml",
        question=" ".join(question.split()),
        asked_as=phrasings,
        answer=_answer(answer),
        buttons=numbered,
        question_es=" ".join(question_es.split()),
        asked_as_es=spanish,
        answer_es=_answer(answer_es),
        lines={"question": QUESTION_LINE, "asked_as": ASKED_AS_LINE, "answer": ANSWER_LINE,
               "question_es": QUESTION_ES_LINE, "asked_as_es": ASKED_AS_ES_LINE,
               "answer_es": ANSWER_ES_LINE},
    )


def with_form_lines(faq: Faq) -> Faq:
    """``faq`` (e.g. from the store) with the form's line numbers."""
    return faq_from_form(faq.name, faq.question, "\n".join(p.text for p in faq.asked_as),
                         faq.answer, faq.buttons, faq.question_es,
                         "\n".join(p.text for p in faq.asked_as_es), faq.answer_es)


def with_wording(faq: Faq, text: str, spanish: bool = False) -> Faq:
    """``faq`` with one more way of asking (a Spanish one when ``spanish``), unless it has it
    already (case and punctuation ignored); everything else, the Spanish fields included, is
    kept (for "Add as a wording of…" in the review inbox)."""
    english = [p.text for p in faq.asked_as]
    in_spanish = [p.text for p in faq.asked_as_es]
    ways = in_spanish if spanish else english
    if normalise(text) not in {normalise(way) for way in ways}:
        ways.append(" ".join(text.split()))
    return faq_from_form(faq.name, faq.question, "\n".join(english), faq.answer, faq.buttons,
                         faq.question_es, "\n".join(in_spanish), faq.answer_es)


def field_of(problem: Problem) -> str:
    """The form field a problem concerns: question, asked_as, answer, question_es,
    asked_as_es, answer_es, button-<n> or general."""
    line = problem.line or 0
    if line > SPANISH_WAY_LINE:
        return "asked_as_es"
    if line > BUTTON_LINE:
        return f"button-{line - BUTTON_LINE}"
    fields = {QUESTION_LINE: "question", ASKED_AS_LINE: "asked_as", ANSWER_LINE: "answer",
              QUESTION_ES_LINE: "question_es", ASKED_AS_ES_LINE: "asked_as_es",
              ANSWER_ES_LINE: "answer_es"}
    if line in fields:
        return fields[line]
    if line > WAY_LINE:
        return "asked_as"
    return "general"


def problem_text(problem: Problem) -> str:
    """The problem's message with the made-up line numbers said in the form's words."""
    text = _WAY_LINE_TEXT.sub(lambda m: f"way of asking {int(m.group(1))}", problem.message)
    return _SPANISH_WAY_LINE_TEXT.sub(lambda m: f"Spanish way of asking {int(m.group(1))}",
                                      text)


def spanish_status(faq: Faq) -> str:
    """What the FAQ list shows in its "Spanish" column: ``yes`` (a Spanish answer) or
    ``missing``."""
    return "yes" if faq.has_spanish_answer else "missing"


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
    """True when every word of ``query`` is in the FAQ's questions or ways of asking
    (English or Spanish)."""
    words = normalise(query).split()
    if not words:
        return True
    haystack = " ".join(normalise(text) for text in
                        (faq.question, *(p.text for p in faq.asked_as), faq.question_es,
                         *(p.text for p in faq.asked_as_es)))
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
