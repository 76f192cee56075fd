"""What an emergency rule is (pure: no Rasa imports).

Shared by the English rules (clinic/safety/emergency.py) and the Spanish ones
(clinic/safety/emergency_es.py); how a rule is applied is in emergency.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Pattern, Tuple

from clinic.safety.text import ENGLISH

MEDICAL = "emergency"
CRISIS = "crisis"


@dataclass(frozen=True)
class Rule:
    """One recognisable emergency sign, in one language."""

    intent: str
    sign: str
    name: str
    pattern: Pattern[str]
    also: Tuple[Pattern[str], ...] = ()
    strong: bool = True
    boost: Optional[Pattern[str]] = None
    unless: Optional[Pattern[str]] = None
    language: str = ENGLISH  # whose negation, past and question cues apply ("en", "es")


def rx(*alternatives: str) -> Pattern[str]:
    """Compiles alternatives, one per argument, into one pattern."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))
