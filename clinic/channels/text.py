"""Input cleaning and the last-resort reply, shared by the channels."""

from __future__ import annotations

from typing import Any, Optional, Text

MAX_MESSAGE_CHARS = 10_000
# Levels of objects / arrays a message's metadata may nest (the widget sends one). Rasa
# copies and serialises metadata recursively with the tracker: nested some 800 deep it
# failed the turn with RecursionError.
MAX_METADATA_DEPTH = 8


def clean_user_text(raw: Any) -> Optional[Text]:
    """Returns the visitor's text fit for NLU, or ``None`` if ``raw`` is not text.

    Control characters (other than newlines and tabs) are removed and very long messages
    are cut to ``MAX_MESSAGE_CHARS`` so one pasted essay cannot stall the server.
    """
    if not isinstance(raw, str):
        return None
    text = "".join(ch for ch in raw if ch in "\n\t" or ch.isprintable())
    return text[:MAX_MESSAGE_CHARS]


def nesting_depth(value: Any) -> int:
    """How many levels of dicts / lists ``value`` nests (``0`` for a plain value).

    Iterative, so that a value nested past Python's recursion limit is measured too.
    """
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def metadata_fits(value: Any) -> bool:
    """True for a metadata object Rasa can keep with the tracker."""
    return isinstance(value, dict) and nesting_depth(value) <= MAX_METADATA_DEPTH


# Sent by a channel when a turn produced no message at all: the action server is down or
# restarting, or the turn failed. The dialogue's reply guard answers every normal turn;
# this is the visitor's answer when the machinery behind it could not run.
LAST_RESORT_REPLY = (
    "Sorry, I'm having a little trouble on my side. One moment, please, and try again."
)
