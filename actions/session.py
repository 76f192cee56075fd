"""Session start: fills the clinic's facts into slots so responses can use them."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_config


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
        # carry_over_slots_to_new_session: keep what the visitor already told us.
        events += [
            SlotSet(key, value)
            for key, value in tracker.current_slot_values().items()
            if value is not None and key != "clinic_name"
        ]
        events.append(SlotSet("clinic_name", clinic_config().clinic_name))
        events.append(ActionExecuted("action_listen"))
        return events
