"""Typed slash commands: only what a button of the assistant could have sent.

Rasa reads a message that starts with ``/`` as an intent with entities and skips NLU
(``RegexMessageHandler``): ``/emergency`` or ``/request_booking{"name": "x"}`` typed in the
widget would otherwise set any intent and any entity. A channel cannot tell a typed payload
from a clicked button (the widget sends the button's payload as the message text), so the
rule is about the payload itself:

* a slash command passes unchanged when it is exactly one the assistant offers as a button:
  the intent of a button and the entities that button carries, with the values it carries
  (``/choose_language{"language":"es"}`` yes, ``{"language":"fr"}`` no);
* anything else that starts with ``/`` is treated as plain text: the leading slashes are
  removed, so the NLU pipeline classifies the words like any typed message and the visitor
  gets a normal reply (never silence, never an error).

The buttons offered (``policy_for``):

* every button of the domain's responses, from the *loaded model's* domain when the server
  has one (a new model with new buttons is honoured without a restart), else ``domain/``;
* the follow-up buttons staff can put under an FAQ (the console offers ``/ask_*`` and
  ``/request_*`` intents of the domain, without entities; ``staff/console/buttons.py``);
* the topic buttons of the curated content (``content/topics/*.yml``: each topic's first
  ``asked_by`` route, ``actions/knowledge.py``);
* the buttons of ``clinic/language/messages.yml`` and of the widget (its language switch and
  the ``data-initial-payload`` values docs/widget.md names);
* the buttons the actions build in code (``ACTION_PAYLOADS`` and ``PATTERN_ENTITIES``:
  ``tests/unit/test_slash_commands.py`` checks every payload the actions can send against
  this policy, so a new button in an action fails a test until it is listed here).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Pattern, Set, Text,
    Tuple,
)

import yaml

from clinic.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

PREFIX = "/"
# Rasa's own pattern (YAMLStoryReader._regex_message_pattern): intent, @confidence, {json}.
_RASA_PATTERN = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?"
                           r"(?P<rest>.*)")
MAX_ENTITY_VALUE_CHARS = 100

#: Payloads the actions build in code (actions/*.py, actions/booking/*.py), written as sent.
ACTION_PAYLOADS: Tuple[str, ...] = (
    "/affirm", "/deny",                                            # booking form, consent
    "/consent_health_note", "/decline_health_note",                # actions/safety.py
    "/request_booking", "/request_callback", "/out_of_scope",      # offers, "Something else"
    "/ask_nmt_overview", "/ask_fmm_overview",                      # actions/safety.py
    '/request_booking{"therapy":"NMT"}', '/request_booking{"therapy":"FMM"}',
    '/choose_therapy{"therapy":"NMT"}', '/choose_therapy{"therapy":"FMM"}',
    *(f'/change_booking_field{{"booking_field":"{field}"}}'       # booking summary buttons
      for field in ("name", "contact", "therapy", "times", "concern")),
)
#: Buttons whose entity value is a name from a live store rather than a fixed list: the
#: "Did you mean" buttons of staff FAQs send ``/faq{"faq_name":"<name>"}`` (the name of
#: any published FAQ, staff/faq/text.py NAME_PATTERN).
PATTERN_ENTITIES: Mapping[str, Mapping[str, Pattern]] = {
    "faq": {"faq_name": re.compile(r"[a-z0-9][a-z0-9_]{0,99}")},
}
#: The widget's own payloads: its language switch and the initial payloads docs/widget.md
#: names for ``data-initial-payload`` (web/index.html uses /what_can_you_do).
WIDGET_PAYLOADS: Tuple[str, ...] = (
    '/choose_language{"language":"en"}', '/choose_language{"language":"es"}',
    "/what_can_you_do", "/greet",
)
#: FAQ follow-up buttons may ask these intents (staff/console/buttons.py FOLLOW_UP_PREFIXES).
FAQ_FOLLOW_UP_PREFIXES = ("ask_", "request_")
FAQ_INTENT = "faq"

DOMAIN_DIR = PROJECT_ROOT / "domain"
CONTENT_TOPICS_DIR = PROJECT_ROOT / "content" / "topics"
LANGUAGE_MESSAGES = PROJECT_ROOT / "clinic" / "language" / "messages.yml"

Entities = FrozenSet[Tuple[Text, Text]]


@dataclass(frozen=True)
class SlashCommand:
    """A message as Rasa's RegexMessageHandler would read it: intent and entities."""

    intent: Text
    entities: Entities


def parse_slash_command(text: Text) -> Optional[SlashCommand]:
    """The intent and entities of a well-formed payload, or ``None``.

    ``None`` for anything a button never sends: no leading ``/``, a ``@confidence``, text
    after the entities, entities that are not a JSON object of strings.
    """
    stripped = text.strip()  # Rasa strips the text before matching
    match = _RASA_PATTERN.match(stripped)
    if not match or match.end() != len(stripped) or match.group("rest"):
        return None
    if match.group("confidence"):
        return None
    intent = match.group("intent").strip()
    if not intent or not re.fullmatch(r"[A-Za-z0-9_]+", intent):
        return None
    raw = match.group("entities")
    entities: Dict[Text, Text] = {}
    if raw is not None:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested past the limit
            return None
        if not isinstance(parsed, dict):
            return None
        for key, value in parsed.items():
            if not isinstance(value, str) or len(value) > MAX_ENTITY_VALUE_CHARS:
                return None
            entities[key] = value
    return SlashCommand(intent, frozenset(entities.items()))


class SlashCommandPolicy:
    """The slash commands the assistant offers as buttons."""

    def __init__(
        self,
        payloads: Iterable[Text],
        pattern_entities: Mapping[str, Mapping[str, Pattern]] = PATTERN_ENTITIES,
    ) -> None:
        self._exact: Dict[Text, Set[Entities]] = {}
        for payload in payloads:
            command = parse_slash_command(payload)
            if command is not None:
                self._exact.setdefault(command.intent, set()).add(command.entities)
        self._patterns = {intent: dict(spec) for intent, spec in pattern_entities.items()}

    def allows(self, command: SlashCommand) -> bool:
        """True when a button offers exactly this intent with exactly these entities."""
        if command.entities in self._exact.get(command.intent, ()):
            return True
        spec = self._patterns.get(command.intent)
        if spec is None:
            return False
        values = dict(command.entities)
        return set(values) == set(spec) and all(
            spec[key].fullmatch(value) for key, value in values.items())

    def intents(self) -> List[Text]:
        """The intents a slash command may reach (sorted)."""
        return sorted(set(self._exact) | set(self._patterns))

    def payloads(self) -> List[Text]:
        """The exact payloads allowed, canonical JSON (for docs and tests)."""
        found = []
        for intent, shapes in self._exact.items():
            for shape in shapes:
                entities = json.dumps(dict(sorted(shape)), separators=(",", ":"),
                                      ensure_ascii=False) if shape else ""
                found.append(f"/{intent}{entities}")
        return sorted(found)


def _button_payloads(node: Any) -> Iterator[Text]:
    """Every ``payload`` of a button (a dict with a title) anywhere inside ``node``."""
    if isinstance(node, dict):
        payload = node.get("payload")
        if isinstance(payload, str) and "title" in node:
            yield payload
        for value in node.values():
            yield from _button_payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _button_payloads(value)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.warning("Could not read %s for the slash-command policy.", path.name)
        return {}


def domain_files_buttons(domain_dir: Path = DOMAIN_DIR) -> Tuple[List[Text], List[Text]]:
    """(button payloads of the responses, intents) from the domain files."""
    payloads: List[Text] = []
    intents: List[Text] = []
    for path in sorted(domain_dir.glob("*.yml")):
        data = _read_yaml(path)
        if not isinstance(data, dict):
            continue
        payloads += _button_payloads(data.get("responses") or {})
        for item in data.get("intents") or []:
            name = next(iter(item)) if isinstance(item, dict) and item else item
            if isinstance(name, str):
                intents.append(name)
    return payloads, intents


def topic_payloads(topics_dir: Path = CONTENT_TOPICS_DIR) -> List[Text]:
    """The button payload of each curated topic: its first ``asked_by`` route."""
    payloads = []
    for path in sorted(topics_dir.glob("*.yml")):
        data = _read_yaml(path)
        topics = data.get("topics") if isinstance(data, dict) else None
        for topic in topics or []:
            routes = topic.get("asked_by") if isinstance(topic, dict) else None
            first = routes[0] if isinstance(routes, list) and routes else None
            if not isinstance(first, dict) or not isinstance(first.get("intent"), str):
                continue
            therapy = first.get("therapy")
            payloads.append(f'/{first["intent"]}' + (
                f'{{"therapy":"{therapy}"}}' if isinstance(therapy, str) else ""))
    return payloads


def build_policy(domain: Any = None) -> SlashCommandPolicy:
    """The policy for a loaded Rasa ``Domain`` (or the domain files when ``None``)."""
    if domain is not None:
        responses = getattr(domain, "responses", {}) or {}
        payloads = list(_button_payloads(responses))
        intents = list(getattr(domain, "intents", []) or [])
    else:
        payloads, intents = domain_files_buttons()
    follow_ups = [f"/{name}" for name in intents
                  if name.startswith(FAQ_FOLLOW_UP_PREFIXES) and name != FAQ_INTENT]
    payloads += follow_ups
    payloads += topic_payloads()
    payloads += _button_payloads(_read_yaml(LANGUAGE_MESSAGES))
    payloads += ACTION_PAYLOADS
    payloads += WIDGET_PAYLOADS
    return SlashCommandPolicy(payloads)


class SlashCommandGuard:
    """Applies the policy to visitors' messages; one per input channel."""

    def __init__(self) -> None:
        self._domain: Any = None
        self._policy: Optional[SlashCommandPolicy] = None

    def policy_for(self, domain: Any = None) -> SlashCommandPolicy:
        """The policy of this domain, rebuilt only when the loaded domain changes."""
        if self._policy is None or domain is not self._domain:
            self._policy = build_policy(domain)
            self._domain = domain
        return self._policy

    def screen(self, text: Text, domain: Any = None) -> Text:
        """``text`` unchanged, or without its leading slashes when no button offers it."""
        if not text.strip().startswith(PREFIX):
            return text
        command = parse_slash_command(text)
        if command is not None and self.policy_for(domain).allows(command):
            return text
        logger.info("A slash command that no button offers was treated as plain text.")
        return as_plain_text(text)


def as_plain_text(text: Text) -> Text:
    """``text`` without its leading slashes (and the spaces between them), so that neither
    Rasa nor the project's ``is_payload`` checks read it as a payload."""
    stripped = text.strip()
    while stripped.startswith(PREFIX):
        stripped = stripped.lstrip(PREFIX).strip()
    return stripped


def loaded_domain(app: Any) -> Any:
    """The domain of the model the Rasa server has loaded (``None`` before it has one)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None
    try:
        return agent.domain if agent is not None else None
    except Exception:  # noqa: BLE001 - no model yet: the domain files decide
        return None
