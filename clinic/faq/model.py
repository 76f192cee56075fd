"""What an FAQ is, and what a problem found in an FAQ file looks like.

An FAQ (a file ``faq/<name>.yml``, or a record in the FAQ store) has a question, ways of
asking and an answer; the running assistant finds it by similarity (``clinic.faq.retrieval``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple

FAQ_INTENT = "faq"
MIN_PHRASINGS = 5
# Values the assistant fills into an answer when it sends it (slots set at session start).
PLACEHOLDERS = ("clinic_name", "clinic_contact")
FIELDS = ("question", "asked_as", "answer", "buttons")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")

_APOSTROPHES = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-cases and drops punctuation so "Where can I park?" == "where can i park"."""
    text = _APOSTROPHES.sub("", text.lower())
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


# Words that carry no topic: left out when comparing two questions by their content.
STOPWORDS = frozenset(
    "a about am an and any anything are as at be can could do does did for from get have how "
    "i id if im in is it its ive just me my need of on or our please should so some tell "
    "that the there theres this to u us want was we what whats when where which who why will "
    "with would you your youre hi hello hey thanks thank off out up into during after "
    "before by than then also too very really much many not no yes ok".split()
)
_SUFFIXES = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # running -> run (but not "pass", "call" -> "cal")
            elif len(word) > 4 and word[-1] == word[-2] == "l":
                word = word[:-1]  # cancelled -> cancel
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # validate / validated -> validat
    return word


def content_tokens(text: str) -> FrozenSet[str]:
    """The topic words of ``text``, crudely stemmed ("Parking validated?" -> park, validat)."""
    return frozenset(_stem(word) for word in normalise(text).split() if word not in STOPWORDS)


def jaccard(a: FrozenSet[str], b: FrozenSet[str]) -> float:
    """Shared words / all words; 0.0 when both are empty."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def suggested_name(stem: str) -> str:
    """A valid FAQ name close to ``stem`` ("Parking Info" -> "parking_info")."""
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    return name or "my_question"


@dataclass(frozen=True)
class Phrasing:
    """One way visitors ask the question, with its line in the file."""

    text: str
    line: int


@dataclass(frozen=True)
class Button:
    """A button under the answer: a link (``url``) or a follow-up question (``payload``)."""

    title: str
    line: int
    url: Optional[str] = None
    payload: Optional[str] = None

    def as_response(self) -> Dict[str, str]:
        """The button as Rasa's response format expects it."""
        if self.url:
            return {"title": self.title, "url": self.url}
        return {"title": self.title, "payload": self.payload or ""}


@dataclass(frozen=True)
class Faq:
    """One FAQ file, parsed."""

    name: str
    path: Path
    question: str
    asked_as: Tuple[Phrasing, ...]
    answer: str
    buttons: Tuple[Button, ...] = ()
    lines: Dict[str, int] = field(default_factory=dict, compare=False)

    def line(self, key: str) -> Optional[int]:
        """Line of ``key`` in the file, when the file has it."""
        return self.lines.get(key)


@dataclass(frozen=True)
class Problem:
    """Something wrong (``error``) or worth a look (``warning``) in an FAQ file."""

    path: Optional[Path]
    line: Optional[int]
    message: str
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        """Errors stop ``make retrain``; warnings do not."""
        return self.severity == "error"

    def render(self, root: Optional[Path] = None) -> str:
        """``faq/parking.yml, line 4: <message>`` (paths shown relative to ``root``)."""
        where = ""
        if self.path is not None:
            shown = self.path
            if root is not None:
                try:
                    shown = self.path.resolve().relative_to(root.resolve())
                except ValueError:
                    shown = self.path
            where = str(shown)
            if self.line:
                where += f", line {self.line}"
            where += ": "
        label = "Problem" if self.is_error else "Note"
        return f"{label}: {where}{self.message}"


# --------------------------------------------------------------------------- store records


def faq_to_record(faq: Faq) -> Dict[str, Any]:
    """The JSON-friendly form an FAQ is stored in (no file path, no line numbers)."""
    record: Dict[str, Any] = {
        "name": faq.name,
        "question": faq.question,
        "asked_as": [phrasing.text for phrasing in faq.asked_as],
        "answer": faq.answer,
    }
    if faq.buttons:
        record["buttons"] = [button.as_response() for button in faq.buttons]
    return record


def faq_from_record(record: Mapping[str, Any]) -> Faq:
    """Reverse of ``faq_to_record`` (the path is ``faq/<name>.yml``, lines are unknown: 0)."""
    name = str(record["name"])
    buttons = tuple(
        Button(title=str(b.get("title", "")), line=0, url=b.get("url") or None,
               payload=b.get("payload") or None)
        for b in record.get("buttons") or ()
    )
    return Faq(
        name=name,
        path=Path("faq") / f"{name}.yml",
        question=str(record.get("question", "")),
        asked_as=tuple(Phrasing(str(text), 0) for text in record.get("asked_as") or ()),
        answer=str(record.get("answer", "")),
        buttons=buttons,
    )
