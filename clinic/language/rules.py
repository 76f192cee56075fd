"""The conversation's language: when a message sets it, switches it, or asks (pure).

The slot ``language`` ("en" / "es", or empty: English replies by default) is decided here,
after every visitor message, from that message's ``Detection`` (parse data ``language``)
and what the conversation showed so far:

1. With one language offered (clinic.yml ``languages: [en]``) nothing is ever set,
   switched or asked.
2. An explicit choice wins: the "English / Español" buttons, the widget's switch, or a
   typed "en español, por favor" (entity ``language``).
3. A *clear* message (confident, at least three words) sets or switches the language:
   the visitor has clearly written in it.
4. Until the visitor has shown a language (a confident message or a choice), a
   confident short message sets it too: "hola" starts a Spanish conversation, and so
   does "hola" after the widget's page language set English.
5. Still nothing set: the widget's page language (message metadata ``language``) sets it.
6. Still nothing set, first typed message, and English and Spanish both likely
   ("ok and the masaje"): the visitor is asked, with "English / Español" buttons, once.
   Never after an emergency or crisis message: those get their 911 / 988 reply alone.

"ok", "NMT?", a payload or a name never change anything: they have no language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

from clinic.language.detect import PARSE_KEY, Detection
from clinic.language.text import is_payload

#: Intents never preceded by a language question (their reply must stand alone).
NEVER_ASK = frozenset({"emergency", "crisis"})
CHOOSE_INTENT = "choose_language"


@dataclass(frozen=True)
class History:
    """What the visitor's earlier messages showed (the latest message excluded).

    Attributes:
        typed: earlier messages that were typed (not button payloads).
        settled: an earlier message showed the visitor's language: a confident
            detection, or an explicit choice.
    """

    typed: int = 0
    settled: bool = False


@dataclass(frozen=True)
class Decision:
    """The conversation's language after a message, and whether to ask the visitor."""

    language: Optional[str]
    ask: bool = False


def history(events: Sequence[Mapping[str, Any]]) -> History:
    """Reads the visitor's earlier messages from tracker events (as dicts).

    The latest user event is the message being decided on and is left out; so is
    everything before the latest restart.
    """
    users: List[Mapping[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            users = []
        elif kind == "user":
            users.append(event)
    typed, settled = 0, False
    for event in users[:-1]:
        text = event.get("text") or ""
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        detection = Detection.from_parse_data(parse.get(PARSE_KEY))
        if text.strip() and not is_payload(text):
            typed += 1
        if intent == CHOOSE_INTENT or (detection is not None and detection.confident):
            settled = True
    return History(typed=typed, settled=settled)


def decide(
    current: Optional[str],
    detection: Detection,
    *,
    offered: Sequence[str],
    chosen: Optional[str] = None,
    hint: Optional[str] = None,
    past: History = History(),
    intent: Optional[str] = None,
) -> Decision:
    """The conversation's language after the latest message (rules 1 to 6 above).

    Args:
        current: the slot's value before the message (``None``: not set).
        detection: the message's detection.
        offered: the languages the clinic offers, the default first.
        chosen: a language the message explicitly asks for.
        hint: the language of the page the widget is on.
        past: what earlier messages showed.
        intent: the message's intent.
    """
    if len(offered) < 2:
        return Decision(current if current in offered else None)
    if chosen is not None:
        return Decision(chosen if chosen in offered else current)
    code = detection.code if detection.code in offered else None
    if code is not None and (detection.clear or (detection.confident and not past.settled)):
        return Decision(code)
    if current is None and hint in offered:
        return Decision(hint)
    ask = (
        current is None
        and detection.unsure
        and past.typed == 0
        and not past.settled
        and intent not in NEVER_ASK
    )
    return Decision(current, ask=ask)
