"""Session start: fills the clinic's facts into slots so responses can use them."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_config


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
        return events
