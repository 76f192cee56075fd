"""Input cleaning and the last-resort reply, shared by the channels."""

from __future__ import annotations

from typing import Any, Optional, Text

MAX_MESSAGE_CHARS = 10_000


def clean_user_text(raw: Any) -> Optional[Text]:
    """Returns the visitor's text fit for NLU, or ``None`` if ``raw`` is not text.

    Control characters (other than newlines and tabs) are removed and very long messages
    are cut to ``MAX_MESSAGE_CHARS`` so one pasted essay cannot stall the server.
    """
    if not isinstance(raw, str):
        return None
    text = "".join(ch for ch in raw if ch in "\n\t" or ch.isprintable())
    return text[:MAX_MESSAGE_CHARS]


# Sent by a channel when a turn produced no message at all: the action server is down or
# restarting, or the turn failed. The dialogue's reply guard answers every normal turn;
# this is the visitor's answer when the machinery behind it could not run.
LAST_RESORT_REPLY = (
    "Sorry, I'm having a little trouble on my side. One moment, please, and try again."
)
