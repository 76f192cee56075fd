"""What analytics keeps of a message text: nothing personal that a pattern can find.

E-mail addresses and phone numbers are replaced (``clinic.privacy.redact``), name
introductions ("my name is Ana", "I'm Ana") are blanked the way ``make review`` does
(staff/review.py, ``clean_text``), and texts are cut to ``MAX_CHARS``. Turns where a visitor
may type a name, contact details or health details are not kept at all (``SENSITIVE_INTENTS``
and the booking form: see ``clinic.analytics.translate``). Free text can still carry a detail
no pattern recognises, which is why texts are deleted after ``RETENTION_DAYS`` (``make purge``).
"""

from __future__ import annotations

import re
from typing import Optional

from clinic.privacy import redact

MAX_CHARS = 500
# Intents whose message (and reply) is about the visitor's own health: never kept as text.
SENSITIVE_INTENTS = frozenset({
    "emergency", "crisis", "ask_diagnosis", "mention_contraindication",
    "consent_health_note", "decline_health_note",
})
# Same rules as staff/review.py: only a capitalised word counts as a name ("I'm having pain").
_NAME_INTRO = re.compile(
    r"\b((?i:my name is|my name's|name is|call me|this is|i am|i'm|im))\s+"
    r"([A-Z][\w'-]*(\s+[A-Z][\w'-]*)?)")
_NAME_INTRO_ANY_CASE = re.compile(
    r"\b(my name is|my name's|call me)\s+([\w'-]+(\s+[A-Z][\w'-]*)?)", re.IGNORECASE)


def clean_text(text: Optional[str]) -> Optional[str]:
    """The text without e-mail addresses, phone numbers or name introductions."""
    if not text or not text.strip():
        return None
    cleaned = " ".join(redact(text).split())
    cleaned = _NAME_INTRO_ANY_CASE.sub(lambda m: f"{m.group(1)} [name]", cleaned)
    cleaned = _NAME_INTRO.sub(lambda m: f"{m.group(1)} [name]", cleaned)
    if len(cleaned) > MAX_CHARS:
        cleaned = cleaned[: MAX_CHARS - 1] + "…"
    return cleaned
