"""The clinic's own facts (``clinic.yml``), with placeholders kept visible and safe.

The clinic supplies its address, phone, e-mail and links; until it does, those values
start with ``PLACEHOLDER`` and the assistant says the detail is not available instead of
inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml

PLACEHOLDER_PREFIX = "PLACEHOLDER"
#: Languages the assistant can be offered in (docs/languages.md); English is the base.
SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LANGUAGES = ("en", "es")


class ClinicConfigError(ValueError):
    """``clinic.yml`` is missing, unreadable or has a wrong value."""


def is_placeholder(value: Optional[str]) -> bool:
    """True for values the clinic has not filled in yet (empty or ``PLACEHOLDER...``)."""
    return not value or str(value).strip().upper().startswith(PLACEHOLDER_PREFIX)


@dataclass(frozen=True)
class ClinicConfig:
    """Parsed ``clinic.yml``."""

    raw: Dict[str, Any]

    def get(self, section: str, key: str, default: str = "") -> str:
        """Returns ``section.key`` as text (placeholders included)."""
        value = (self.raw.get(section) or {}).get(key, default)
        return "" if value is None else str(value)

    def public(self, section: str, key: str) -> Optional[str]:
        """Returns a value fit to show a visitor, or ``None`` while it is a placeholder."""
        value = self.get(section, key)
        return None if is_placeholder(value) else value

    @property
    def clinic_name(self) -> str:
        """The clinic's name, or a neutral phrase while it is a placeholder."""
        return self.public("clinic", "name") or "our clinic"

    @property
    def article_url(self) -> Optional[str]:
        """The article's https URL, when configured."""
        url = self.public("clinic", "article_url")
        return url if url and url.startswith("https://") else None

    @property
    def languages(self) -> Tuple[str, ...]:
        """The languages offered to visitors (``languages:``; both when not set)."""
        return parse_languages(self.raw.get("languages", list(DEFAULT_LANGUAGES)))

    def contact_sentence(self) -> str:
        """A short sentence with whatever contact details the clinic has configured."""
        parts = []
        phone = self.public("clinic", "phone")
        email = self.public("clinic", "email")
        address = self.public("clinic", "address")
        if phone:
            parts.append(f"call {phone}")
        if email:
            parts.append(f"e-mail {email}")
        if parts:
            sentence = "You can " + " or ".join(parts) + "."
        else:
            sentence = "The clinic's phone and e-mail aren't set up in this chat yet."
        if address:
            sentence += f" We're at {address}."
        return sentence


def parse_languages(value: Any, source: str = "clinic.yml") -> Tuple[str, ...]:
    """Checks ``languages:``: a list of ``SUPPORTED_LANGUAGES`` codes including ``en``.

    Raises:
        ClinicConfigError: the value is not such a list.
    """
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClinicConfigError(f"{source}: 'languages' must be a list such as [en, es]")
    codes = tuple(dict.fromkeys(v.strip().lower() for v in value))
    unknown = [c for c in codes if c not in SUPPORTED_LANGUAGES]
    if unknown:
        raise ClinicConfigError(
            f"{source}: unknown language {unknown[0]!r} in 'languages' "
            f"(supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    if "en" not in codes:
        raise ClinicConfigError(f"{source}: 'languages' must include en (the base content)")
    return codes


def load_clinic_config(path: Path) -> ClinicConfig:
    """Reads and checks ``clinic.yml``; errors name the file and the problem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClinicConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ClinicConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clinic"), dict):
        raise ClinicConfigError(f"{path}: expected a 'clinic:' section")
    for key in ("name", "city", "address", "phone", "email"):
        if key not in data["clinic"]:
            raise ClinicConfigError(f"{path}: 'clinic.{key}' is missing")
    url = (data["clinic"].get("article_url") or "").strip()
    if url and not url.startswith("https://"):
        raise ClinicConfigError(f"{path}: 'clinic.article_url' must start with https://")
    parse_languages(data.get("languages", list(DEFAULT_LANGUAGES)), str(path))
    return ClinicConfig(raw=data)


@lru_cache(maxsize=4)
def cached_clinic_config(path: str) -> ClinicConfig:
    """``load_clinic_config`` memoised per path (the file is read once per process)."""
    return load_clinic_config(Path(path))
