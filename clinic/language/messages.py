"""Loads clinic/language/messages.yml: what the assistant says about languages (pure).

Kept out of the domain because only actions say these (Rasa's validator wants every domain
response in a rule or story); the replies that rules pick (greeting, what I can do, out of
scope) have their Spanish variations in domain/core.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

MESSAGES_PATH = Path(__file__).with_name("messages.yml")
KEYS = ("ask", "unavailable", "note", "unclear")


class LanguageMessagesError(ValueError):
    """messages.yml is missing a message or is not valid YAML; the text names which."""


@dataclass(frozen=True)
class Said:
    """One message: text and buttons (``{"title": ..., "payload": ...}``)."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)

    def as_kwargs(self) -> Dict[str, Any]:
        """Arguments for ``dispatcher.utter_message`` (fresh button dicts each time)."""
        return {"text": self.text, "buttons": [dict(b) for b in self.buttons]}


def _said(data: Any, where: str) -> Said:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise LanguageMessagesError(f"{MESSAGES_PATH}: '{where}' needs a 'text'")
    buttons = data.get("buttons") or []
    if not all(isinstance(b, dict) and {"title", "payload"} <= set(b) for b in buttons):
        raise LanguageMessagesError(f"{MESSAGES_PATH}: '{where}' has a button without "
                                    "title or payload")
    return Said(" ".join(data["text"].split()),
                [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons])


@dataclass(frozen=True)
class LanguageMessages:
    """The parsed messages.yml."""

    ask: Said
    chosen: Dict[str, Said]
    unavailable: Said
    note: Said
    unclear: Said


@lru_cache(maxsize=1)
def language_messages(path: Path = MESSAGES_PATH) -> LanguageMessages:
    """Reads and checks messages.yml once per process."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LanguageMessagesError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise LanguageMessagesError(f"{path}: expected a mapping of messages")
    chosen = data.get("chosen")
    if not isinstance(chosen, dict) or not chosen:
        raise LanguageMessagesError(f"{path}: 'chosen' needs one message per language")
    return LanguageMessages(
        **{key: _said(data.get(key), key) for key in KEYS},
        chosen={str(lang): _said(said, f"chosen.{lang}") for lang, said in chosen.items()},
    )
