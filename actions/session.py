"""Session start, restart and back: the clinic's facts in slots, and a reply to each.

``action_restart`` and ``action_back`` override Rasa's default actions of the same name
(which say nothing unless the domain has ``utter_restart`` / ``utter_back``), so that a
visitor who types "/restart", "/back" or "/session_start" in the widget gets an answer.

In a Spanish conversation (slot ``language`` = ``"es"``) that answer is Spanish, with the
Spanish options (texts: clinic/language/messages.yml, key ``session``), and a restart keeps
the conversation's language: it forgets what was said, not which language the visitor
speaks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import yaml

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    EventType,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_config
from actions.knowledge import knowledge_base
from actions.knowledge_replies import start_reply
from actions.language import LANGUAGE_SLOT, conversation_language
from clinic.language.messages import MESSAGES_PATH
from clinic.language.text import SPANISH

RESTARTED = "Okay, let's start over."
WENT_BACK = "Okay, I've gone back a step."
#: The key of the Spanish texts in clinic/language/messages.yml.
SESSION_MESSAGES_KEY = "session"
_ENGLISH = {"restarted": RESTARTED, "went_back": WENT_BACK}


@lru_cache(maxsize=1)
def spanish_session_messages() -> Dict[str, str]:
    """The ``session`` texts of clinic/language/messages.yml (read once)."""
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8")) or {}
    texts = data.get(SESSION_MESSAGES_KEY) or {}
    missing = [key for key in _ENGLISH if not isinstance(texts.get(key), str)]
    if missing:
        raise KeyError(f"{MESSAGES_PATH}: '{SESSION_MESSAGES_KEY}' needs " + ", ".join(missing))
    return {key: " ".join(texts[key].split()) for key in _ENGLISH}


def session_text(key: str, language: Optional[str]) -> str:
    """ "restarted" / "went_back" in the conversation's language (English by default)."""
    return spanish_session_messages()[key] if language == SPANISH else _ENGLISH[key]


def _say_with_options(dispatcher: CollectingDispatcher, key: str, tracker: Tracker) -> None:
    language = SPANISH if conversation_language(tracker) == SPANISH else None
    reply = start_reply(knowledge_base(), language)
    lead = session_text(key, language)
    dispatcher.utter_message(text=f"{lead} {reply.text}", buttons=reply.buttons)


def carry_over(slot: Text) -> bool:
    """Whether a slot survives into a new session."""
    refreshed = ("clinic_name", "clinic_contact", "requested_slot")
    return slot not in refreshed and not slot.startswith("booking_")


class ActionSessionStart(Action):
    """Starts a session like Rasa's default, then sets ``clinic_name`` from clinic.yml."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # carry_over_slots_to_new_session: keep the conversation context (last topic,
        # therapy), but never a half-finished booking form's personal data.
        events += [
            SlotSet(key, value)
            for key, value in tracker.current_slot_values().items()
            if value is not None and carry_over(key)
        ]
        config = clinic_config()
        events.append(SlotSet("clinic_name", config.clinic_name))
        events.append(SlotSet("clinic_contact", config.contact_sentence()))
        events.append(ActionExecuted("action_listen"))
        if _asked_by_visitor(tracker):
            # "/session_start" typed in the widget: Rasa predicts nothing after this action,
            # so this is the only chance to reply.
            _say_with_options(dispatcher, "restarted", tracker)
        return events


def _asked_by_visitor(tracker: Tracker) -> bool:
    """True when the visitor's own latest message asked for a new session."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            return intent.get("name") == "session_start"
        if event.get("event") in ("action", "session_started"):
            return False  # a session started by Rasa itself (first message, expiry)
    return False


class ActionRestart(Action):
    """Rasa's restart (forget the conversation), saying so."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        _say_with_options(dispatcher, "restarted", tracker)
        events: List[EventType] = [Restarted()]
        language = conversation_language(tracker)
        if language is not None:
            # a restart forgets the conversation, not the visitor's language
            events.append(SlotSet(LANGUAGE_SLOT, language))
        return events


class ActionBack(Action):
    """Rasa's back (undo the visitor's previous message), saying so."""

    def name(self) -> Text:
        return "action_back"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        _say_with_options(dispatcher, "went_back", tracker)
        return [UserUtteranceReverted(), UserUtteranceReverted()]
