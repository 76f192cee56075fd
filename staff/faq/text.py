"""The words of FAQ authoring: the file's fields and rules, text normalisation for comparing
wordings, and a ``Problem`` found in an FAQ file (staff tooling; the servers only need
``clinic.faq.model``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional

MIN_PHRASINGS = 5
# Values the assistant fills into an answer when it sends it (slots set at session start).
PLACEHOLDERS = ("clinic_name", "clinic_contact")
FIELDS = ("question", "asked_as", "answer", "buttons", "question_es", "asked_as_es",
          "answer_es")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")

_APOSTROPHES = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-cases and drops punctuation so "Where can I park?" == "where can i park"."""
    text = _APOSTROPHES.sub("", text.lower())
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def fold(text: str) -> str:
    """``normalise`` without accents, for telling wordings apart: visitors type Spanish with
    or without them ("cuánto dura" == "cuanto dura")."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
