"""A person when asked: the clinic's contact channels, and a callback request.

"Can I talk to a person?" gets the contact details from clinic.yml (an honest line while
they are placeholders) and the offer of a callback request. A callback request is the
booking form with fewer questions (name, contact, a good time, consent): it goes through
the same durable outbox as bookings, stored with ``kind = "callback"`` and listed to staff
with the bookings (``make bookings``).

In a Spanish conversation both replies are Spanish: the offer, its buttons and the
clinic's contact sentence (``actions.clinic_info.contact_sentence``), and the start of the
callback request (``texts_for(language).callback_start``, like the rest of the form).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.clinic_info import clinic_config, contact_sentence
from actions.knowledge_replies import BOOK_BUTTON_ES
from actions.language import SPANISH, conversation_language, language_preamble

CALLBACK_PAYLOAD = "/request_callback"
CALLBACK_BUTTON = {"title": "Request a callback", "payload": CALLBACK_PAYLOAD}
CALLBACK_BUTTON_ES = {"title": "Pedir que me llamen", "payload": CALLBACK_PAYLOAD}
HUMAN_OFFER = (
    "I'm the clinic's virtual assistant, but our team are real people and happy to talk. "
    "{contact} I can also ask them to get back to you: I'd just need your name, a phone "
    "number or e-mail address, and a good time."
)
HUMAN_OFFER_ES = (
    "Soy el asistente virtual de la clínica, pero nuestro equipo está formado por personas "
    "reales que hablarán con usted con mucho gusto. {contact} También puedo pedirles que se "
    "pongan en contacto con usted: solo necesitaría su nombre, un número de teléfono o un "
    "correo electrónico, y un buen momento para hacerlo."
)


def human_offer(contact_sentence: str, language: Optional[str] = None) -> Dict[str, Any]:
    """The reply to "can I talk to a person?": contact channels, callback, booking (in
    Spanish for a Spanish conversation; ``contact_sentence`` must be in that language)."""
    if language == SPANISH:
        return {
            "text": HUMAN_OFFER_ES.format(contact=contact_sentence),
            "buttons": [dict(CALLBACK_BUTTON_ES), dict(BOOK_BUTTON_ES)],
        }
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
        spanish = conversation_language(tracker) == SPANISH
        language = SPANISH if spanish else None
        events = language_preamble(dispatcher, tracker, has_spanish=spanish)
        config = clinic_config()
        dispatcher.utter_message(**human_offer(contact_sentence(config, language), language))
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
        # in the conversation's language, like the form's questions that follow
        dispatcher.utter_message(text=m.texts_for(conversation_language(tracker)).callback_start)
        events: List[EventType] = [SlotSet(m.KIND, m.CALLBACK)]
        if tracker.get_slot(m.CONFIRMED) is not None:
            events.append(SlotSet(m.CONFIRMED, None))
        return events
