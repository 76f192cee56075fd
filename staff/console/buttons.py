"""The buttons under an FAQ's answer in the FAQ form, pure: form fields <-> ``Button``.

A button (``clinic.faq.model.Button``) has a title and either a link (``url``, https) or a
follow-up question it sends (``payload``, e.g. ``/request_booking``). The form shows one row
per button and one empty row to add a button: "Title", "Follow-up it sends" (a choice
of the follow-ups the assistant knows) and "Or the web page it opens". An empty row is no
button; "Remove this button" drops one. Rows are kept as typed, even when wrong: the checks of
``staff.faq.check`` then show beside the row (``forms.field_of``: ``button-<n>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, List, Mapping, Sequence, Tuple

from clinic.faq.model import FAQ_INTENT, Button

MAX_BUTTONS = 6
FOLLOW_UP_PREFIXES = ("ask_", "request_")  # the intents a button may ask (docs/staff-guide.md)


@dataclass(frozen=True)
class ButtonRow:
    """One row of the form, as typed (``number`` from 1)."""

    number: int
    title: str = ""
    payload: str = ""
    url: str = ""

    @property
    def key(self) -> str:
        """The row's field prefix and the key of its messages: ``button-<n>``."""
        return f"button-{self.number}"

    @property
    def blank(self) -> bool:
        """True when nothing was typed or chosen."""
        return not (self.title or self.payload or self.url)

    def as_button(self) -> Button:
        """The ``Button`` this row describes (line numbers are set by ``forms``)."""
        return Button(title=self.title, line=0, url=self.url or None,
                      payload=self.payload or None)


def rows_for(buttons: Sequence[Button], extra: int = 1) -> List[ButtonRow]:
    """The form's rows for ``buttons``, with ``extra`` empty rows to add more."""
    rows = [ButtonRow(number, button.title, button.payload or "", button.url or "")
            for number, button in enumerate(buttons, start=1)]
    free = max(0, min(extra, MAX_BUTTONS - len(rows)))
    return rows + [ButtonRow(len(rows) + n) for n in range(1, free + 1)]


def _field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    if isinstance(value, list):  # a raw multi-valued form
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def rows_from_form(form: Mapping[str, Any]) -> List[ButtonRow]:
    """The rows submitted, numbered again from 1: blank and removed ones left out."""
    rows: List[ButtonRow] = []
    for number in range(1, MAX_BUTTONS + 1):
        prefix = f"button-{number}-"
        if _field(form, prefix + "remove"):
            continue
        row = ButtonRow(len(rows) + 1, _field(form, prefix + "title")[:200],
                        _field(form, prefix + "payload")[:200],
                        _field(form, prefix + "url")[:500])
        if not row.blank:
            rows.append(row)
    return rows


def buttons_from_form(form: Mapping[str, Any]) -> Tuple[Button, ...]:
    """The FAQ's buttons from the submitted form."""
    return tuple(row.as_button() for row in rows_from_form(form))


def follow_ups(intents: Collection[str], current: Sequence[Button] = ()) -> List[str]:
    """The payloads a button may send (``/request_booking`` ...), with any the FAQ already
    uses so that saving never changes a button silently."""
    known = {"/" + name for name in intents
             if name.startswith(FOLLOW_UP_PREFIXES) and name != FAQ_INTENT}
    known.update(button.payload for button in current if button.payload)
    return sorted(known)


def follow_up_label(payload: str) -> str:
    """What the choice shows: "Request booking (/request_booking)"."""
    words = payload.lstrip("/").split("{", 1)[0].replace("_", " ").strip()
    return f"{words[:1].upper()}{words[1:]} ({payload})" if words else payload
