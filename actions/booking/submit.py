"""Submitting a confirmed booking request: store it durably, then tell the visitor.

The visitor hears "received" only after the request and its outbox rows are committed.
If storing fails they get an apology and the clinic's contact details, and the form's
answers stay in the conversation so that "Try again" works. After a successful store
the slots holding personal data are cleared. The visitor is answered in the conversation's
language, and that language is stored with the request (``BookingRequest.language``) so
the team knows which language to reply in.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import messages as m
from actions.booking.parsing import THERAPIES, UNDECIDED, Contact, build_scheduler_url
from actions.booking.settings import BookingConfigError, BookingSettings
from actions.booking.store import (
    KIND_BOOKING,
    KIND_CALLBACK,
    SUPPORTED_LANGUAGES,
    BookingRequest,
    BookingStoreError,
    store_for,
)
from actions.clinic_info import clinic_config
from actions.language import conversation_language

logger = logging.getLogger(__name__)

CONTRAINDICATION_SLOT = "contraindication_note"  # set by the safety engineer's actions


def request_from_slots(
    sender_id: str, slots: Dict[str, Any], language: Optional[str] = None
) -> Optional[BookingRequest]:
    """Builds the request from the form's slots; ``None`` when something required is missing.

    ``language``: the conversation's language ("en", "es"; ``None`` while not known).
    """
    contact = Contact.from_slot(slots.get(m.CONTACT))
    name = slots.get(m.NAME)
    callback = slots.get(m.KIND) == m.CALLBACK
    therapy = UNDECIDED if callback else slots.get(m.THERAPY)
    times = slots.get(m.TIMES)
    if (
        not name
        or contact is None
        or therapy not in (*THERAPIES, UNDECIDED)
        or not times
        or slots.get(m.CONSENT) is not True
    ):
        return None
    note = slots.get(CONTRAINDICATION_SLOT)
    return BookingRequest(
        sender_id=sender_id,
        name=str(name),
        phone=contact.phone,
        email=contact.email,
        therapy=str(therapy),
        preferred_times=str(times),
        preferred_times_parsed=slots.get(m.TIMES_PARSED) or None,
        concern=None if callback else slots.get(m.CONCERN) or None,
        contraindication_note=str(note) if note else None,
        consent=True,
        kind=KIND_CALLBACK if callback else KIND_BOOKING,
        language=language if language in SUPPORTED_LANGUAGES else None,
    )


class ActionSubmitBooking(Action):
    """Stores the confirmed request with its outbox rows, in one transaction."""

    def name(self) -> Text:
        return "action_submit_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slots = tracker.current_slot_values()
        language = conversation_language(tracker)
        said = m.texts_for(language)
        request = request_from_slots(tracker.sender_id, slots, language)
        if request is None:
            dispatcher.utter_message(
                text=said.nothing_to_submit, buttons=[dict(said.book_button)]
            )
            return []
        contact_sentence = m.contact_sentence(clinic_config(), said.language)
        try:
            settings = BookingSettings.from_env()
            store = store_for(settings.database_url, settings.local_outbox_path)
            request_id = await asyncio.to_thread(store.save_request, request, settings.channels)
        except (BookingStoreError, BookingConfigError) as error:
            logger.error("booking request could not be stored (%s)", type(error).__name__)
            dispatcher.utter_message(
                text=said.store_failed.format(contact=contact_sentence),
                buttons=[dict(said.retry_button)],
            )
            return []
        logger.info(
            "booking request %s stored for delivery via %s",
            request_id,
            ", ".join(settings.channels),
        )
        received = said.received_callback if request.kind == KIND_CALLBACK else said.received
        dispatcher.utter_message(text=received.format(name=request.name))
        url = build_scheduler_url(
            clinic_config().public("booking", "scheduler_url_template"),
            request.name,
            request.email,
        )
        if url and request.kind != KIND_CALLBACK:
            dispatcher.utter_message(
                text=said.scheduler_offer, buttons=[{"title": said.scheduler_button, "url": url}]
            )
        cleared = list(m.ALL_BOOKING_SLOTS)
        if request.contraindication_note:
            cleared.append(CONTRAINDICATION_SLOT)  # stored with the request: not kept here
        return [SlotSet(slot, None) for slot in cleared]
