"""What an FAQ is, and the form it is stored in.

An FAQ (a file ``faq/<name>.yml``, or a record in the FAQ store) has a question, ways of
asking and an answer; the running assistant finds it by similarity (``clinic.faq.retrieval``).
Optionally it has Spanish too: ``question_es`` (the "Did you mean" button's title in a
Spanish conversation), ``asked_as_es`` (Spanish ways of asking, indexed beside the English
ones) and ``answer_es`` (the answer in a Spanish conversation; without it, a Spanish
conversation gets the English answer after a one-line Spanish note). Records written before
these fields existed simply have none.
Checking FAQs as staff write them (problems, text normalisation) is staff tooling:
``staff.faq.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

FAQ_INTENT = "faq"
SPANISH = "es"
#: The Spanish fields (optional, all three; stored only when filled in).
SPANISH_FIELDS = ("question_es", "asked_as_es", "answer_es")


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
    question_es: str = ""
    asked_as_es: Tuple[Phrasing, ...] = ()
    answer_es: str = ""
    lines: Dict[str, int] = field(default_factory=dict, compare=False)

    def line(self, key: str) -> Optional[int]:
        """Line of ``key`` in the file, when the file has it."""
        return self.lines.get(key)

    @property
    def has_spanish_answer(self) -> bool:
        """True when a Spanish conversation gets this FAQ's answer in Spanish."""
        return bool(self.answer_es.strip())

    @property
    def needs_spanish_answer(self) -> bool:
        """Spanish ways of asking (or a Spanish question) but no Spanish answer yet."""
        return not self.has_spanish_answer and bool(self.asked_as_es or self.question_es)

    def question_in(self, language: Optional[str]) -> str:
        """The question to show in ``language`` (the English one when there is no other)."""
        if language == SPANISH and self.question_es.strip():
            return self.question_es
        return self.question

    def answer_in(self, language: Optional[str]) -> Tuple[str, Optional[str]]:
        """(answer, its language) for a conversation in ``language``: the Spanish answer
        when asked for and written, else the English one (``"en"``)."""
        if language == SPANISH and self.has_spanish_answer:
            return self.answer_es, SPANISH
        return self.answer, "en"


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
    # Spanish only when written: an FAQ without it has the record (and the content hash) it
    # had before the Spanish fields existed.
    if faq.question_es:
        record["question_es"] = faq.question_es
    if faq.asked_as_es:
        record["asked_as_es"] = [phrasing.text for phrasing in faq.asked_as_es]
    if faq.answer_es:
        record["answer_es"] = faq.answer_es
    return record


def faq_from_record(record: Mapping[str, Any]) -> Faq:
    """Reverse of ``faq_to_record`` (the path is ``faq/<name>.yml``, lines are unknown: 0);
    a record without the Spanish fields (older versions) has none."""
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
        question_es=str(record.get("question_es") or ""),
        asked_as_es=tuple(Phrasing(str(text), 0) for text in record.get("asked_as_es") or ()),
        answer_es=str(record.get("answer_es") or ""),
    )
