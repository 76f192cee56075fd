"""Deterministic emergency detection (pure: no Rasa imports).

Runs on every message before any model-driven behaviour (see clinic/nlu/safety_gate.py).
The list of signs and where it comes from is documented in docs/safety.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Pattern, Tuple

MEDICAL = "emergency"
CRISIS = "crisis"


@dataclass(frozen=True)
class EmergencyMatch:
    """Which kind of emergency a message describes, and which rule matched."""

    intent: str  # MEDICAL or CRISIS
    rule: str


def _rx(pattern: str) -> Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_RULES: Tuple[Tuple[str, str, Pattern[str]], ...] = (
    (CRISIS, "suicidal intent", _rx(r"\b(kill(ing)? myself|suicid\w*|end (my|it all)\b.*life|want to die|end it all)\b")),
    (MEDICAL, "chest pain", _rx(r"\bchest\b.{0,40}\b(pain|pressure|tight\w*|crush\w*|hurt\w*)|\b(pain|pressure|tightness)\b.{0,20}\bin my chest\b")),
    (MEDICAL, "breathing", _rx(r"\b(can'?t|cannot|struggling to|hard to|difficulty|trouble) (breath\w*)\b")),
)


def detect_emergency(text: str) -> Optional[EmergencyMatch]:
    """Returns the first emergency rule the text matches, or ``None``."""
    if not text:
        return None
    for intent, rule, pattern in _RULES:
        if pattern.search(text):
            return EmergencyMatch(intent=intent, rule=rule)
    return None
