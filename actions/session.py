"""Session start, restart and back: the clinic's facts in slots, and a reply to each.

``action_restart`` and ``action_back`` override Rasa's default actions of the same name
(which say nothing unless the domain has ``utter_restart`` / ``utter_back``), so that a
visitor who types "/restart", "/back" or "/session_start" in the widget gets an answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

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

RESTARTED = "Okay, let's start over."
WENT_BACK = "Okay, I've gone back a step."


def _say_with_options(dispatcher: CollectingDispatcher, lead: str) -> None:
    reply = start_reply(knowledge_base())
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
            _say_with_options(dispatcher, RESTARTED)
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
        _say_with_options(dispatcher, RESTARTED)
        return [Restarted()]


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
        _say_with_options(dispatcher, WENT_BACK)
        return [UserUtteranceReverted(), UserUtteranceReverted()]
