"""Loads clinic/safety/messages.yml, the staff-editable wording of the health replies."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

import yaml

MESSAGES_PATH = Path(__file__).with_name("messages.yml")

_TEXT_KEYS = (
    "disclaimer",
    "no_diagnosis",
    "contraindication_advice",
    "contraindication_advice_unknown",
    "note_offer",
    "note_saved",
    "note_declined",
    "note_nothing_pending",
)
_BUTTON_KEYS = ("book", "nmt", "fmm", "add_note", "no_note")


class SafetyMessagesError(ValueError):
    """messages.yml is missing a message or is not valid YAML; the text names which."""


@dataclass(frozen=True)
class GeneralInformation:
    """A general-information paragraph and the symptoms that call for it."""

    symptoms: Tuple[str, ...]
    text: str


@dataclass(frozen=True)
class SafetyMessages:
    """The parsed messages file."""

    texts: Dict[str, str]
    buttons: Dict[str, str]
    general_information: Tuple[GeneralInformation, ...]

    def text(self, key: str, **values: str) -> str:
        """The message ``key`` with its placeholders filled in."""
        return " ".join(self.texts[key].format(**values).split())

    def information_for(self, symptoms: Iterable[str]) -> Optional[str]:
        """The first general-information paragraph matching one of ``symptoms``."""
        wanted = {s.lower() for s in symptoms}
        for info in self.general_information:
            if wanted.intersection(info.symptoms):
                return " ".join(info.text.split())
        return None


def _require_text(data: Dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SafetyMessagesError(f"{path}: '{key}' is missing or empty")
    return value


def load_safety_messages(path: Path = MESSAGES_PATH) -> SafetyMessages:
    """Reads and checks the messages file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SafetyMessagesError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise SafetyMessagesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SafetyMessagesError(f"{path}: expected a mapping of messages")
    texts = {key: _require_text(data, key, path) for key in _TEXT_KEYS}
    buttons_raw = data.get("buttons") or {}
    if not isinstance(buttons_raw, dict):
        raise SafetyMessagesError(f"{path}: 'buttons' must be a mapping")
    buttons = {key: _require_text(buttons_raw, key, path) for key in _BUTTON_KEYS}
    infos = []
    for index, item in enumerate(data.get("general_information") or []):
        if not isinstance(item, dict):
            raise SafetyMessagesError(f"{path}: general_information[{index}] must be a mapping")
        text = _require_text(item, "text", path)
        symptoms = tuple(str(s).lower() for s in item.get("symptoms") or [])
        if not symptoms:
            raise SafetyMessagesError(f"{path}: general_information[{index}] lists no symptoms")
        infos.append(GeneralInformation(symptoms, text))
    return SafetyMessages(texts, buttons, tuple(infos))


@lru_cache(maxsize=2)
def cached_safety_messages(path: str = str(MESSAGES_PATH)) -> SafetyMessages:
    """``load_safety_messages`` read once per process."""
    return load_safety_messages(Path(path))
