"""How staff tools name the language of a visitor message, and how they filter by it.

A message's language is ``parse_data["language"]["code"]`` (``clinic.language.detect``):
``"en"``, ``"es"`` or ``None`` (no words of either language: "ok", "NMT?", a button click).
The review inbox, ``make review`` and the Analytics pages show it as "English", "Español" or
"—", and take ``en``, ``es`` or ``none`` as a filter.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple

from clinic.language.detect import PARSE_KEY, Detection

CODES: Tuple[str, ...] = ("en", "es")  # the languages the assistant detects, in this order
NONE = "none"  # the filter value and JSON key of messages without a language
LABELS = {"en": "English", "es": "Español"}
NO_LANGUAGE_LABEL = "—"
FILTERS: Tuple[str, ...] = (*CODES, NONE)


def label(code: Optional[str]) -> str:
    """"English", "Español", the code of any other language, or "—" for none."""
    if not code or code == NONE:
        return NO_LANGUAGE_LABEL
    return LABELS.get(code, code)


def filter_label(value: str) -> str:
    """The name of a filter choice ("—" reads "No language" in a list of choices)."""
    return "No language (—)" if value == NONE else label(value)


def message_language(parse_data: Any) -> Optional[str]:
    """The language code of a message's parse data (``None`` when absent or none)."""
    if not isinstance(parse_data, Mapping):
        return None
    detection = Detection.from_parse_data(parse_data.get(PARSE_KEY))
    code = detection.code if detection is not None else None
    return str(code) if code else None


def parse_filter(value: Optional[str]) -> Optional[str]:
    """``en``/``es``/``none`` as given (any case, spaces ignored); ``None`` for no filter
    (empty or ``all``); ``ValueError`` for anything else."""
    value = (value or "").strip().lower()
    if value in ("", "all"):
        return None
    if value not in FILTERS:
        raise ValueError(f"unknown language {value!r}: use one of {', '.join(FILTERS)}")
    return value


def matches(code: Optional[str], wanted: Optional[str]) -> bool:
    """True when a message of language ``code`` passes the filter ``wanted``."""
    if wanted is None:
        return True
    return (code or NONE) == wanted
