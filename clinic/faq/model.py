"""What an FAQ is, and the form it is stored in.

An FAQ (a file ``faq/<name>.yml``, or a record in the FAQ store) has a question, ways of
asking and an answer; the running assistant finds it by similarity (``clinic.faq.retrieval``).
Checking FAQs as staff write them (problems, text normalisation) is staff tooling:
``staff.faq.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

FAQ_INTENT = "faq"
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
