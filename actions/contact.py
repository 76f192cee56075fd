"""A person when asked: the clinic's contact channels, and a callback request.

"Can I talk to a person?" gets the contact details from clinic.yml (an honest line while
they are placeholders) and the offer of a callback request. A callback request is the
booking form with fewer questions (name, contact, a good time, consent): it goes through
the same durable outbox as bookings, stored with ``kind = "callback"`` and listed to staff
with the bookings (``make bookings``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.clinic_info import clinic_config
from actions.language import language_preamble

CALLBACK_PAYLOAD = "/request_callback"
CALLBACK_BUTTON = {"title": "Request a callback", "payload": CALLBACK_PAYLOAD}
HUMAN_OFFER = (
    "I'm the clinic's virtual assistant, but our team are real people and happy to talk. "
    "{contact} I can also ask them to get back to you: I'd just need your name, a phone "
    "number or e-mail address, and a good time."
)


def human_offer(contact_sentence: str) -> Dict[str, Any]:
    """The reply to "can I talk to a person?": contact channels, callback, booking."""
    return {
        "text": HUMAN_OFFER.format(contact=contact_sentence),
        "buttons": [dict(CALLBACK_BUTTON), dict(m.BOOK_BUTTON)],
    }


class ActionOfferHuman(Action):
    """Gives the clinic's contact channels and offers a callback request."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events = language_preamble(dispatcher, tracker)
        dispatcher.utter_message(**human_offer(clinic_config().contact_sentence()))
        return events


class ActionCallbackStart(Action):
    """Opens the form as a callback request (no therapy, no concern)."""

    def name(self) -> Text:
        return "action_callback_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(text=m.CALLBACK_START)
        events: List[EventType] = [SlotSet(m.KIND, m.CALLBACK)]
        if tracker.get_slot(m.CONFIRMED) is not None:
            events.append(SlotSet(m.CONFIRMED, None))
        return events
