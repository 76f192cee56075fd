"""Safety actions: stop forms after an emergency, decline to diagnose, flag contraindications.

* ``action_stop_form_for_safety`` runs right after the 911 / 988 reply (data/rules/safety.yml)
  and ends any active form, so the booking questions stop. The reply itself is a domain
  response (domain/safety.yml), in Spanish when slot ``safety_language`` is ``"es"``;
* ``action_no_diagnosis`` answers "do I have sciatica?" honestly: general information, no
  diagnosis, see a clinician or request an appointment;
* ``action_contraindication_advice`` asks the visitor to check with their doctor first and
  offers to add a note for the clinic; ``action_save_health_note`` stores it in slot
  ``contraindication_note`` (category names only, e.g. ``"pregnancy; blood thinners"``)
  only after the visitor agrees; ``action_decline_health_note`` drops the offer.

The wording lives in clinic/safety/messages.yml. Nothing here logs what the visitor typed.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinic.safety.contraindications import (
    describe,
    detect_contraindications,
    format_note,
    merge_notes,
    parse_note,
)
from clinic.safety.messages import SafetyMessages, cached_safety_messages

DISCLAIMER_SLOT = "disclaimer_shown"
PENDING_NOTE_SLOT = "contraindication_pending"
NOTE_SLOT = "contraindication_note"
REQUESTED_SLOT = "requested_slot"

BOOKING_PAYLOAD = "/request_booking"
CONSENT_PAYLOAD = "/consent_health_note"
DECLINE_PAYLOAD = "/decline_health_note"


def safety_messages() -> SafetyMessages:
    """The wording of the health replies (clinic/safety/messages.yml)."""
    return cached_safety_messages()


def disclaimer_events(tracker: Tracker) -> Tuple[Optional[str], List[EventType]]:
    """The once-per-conversation health disclaimer, if it has not been shown yet.

    Any action that starts answering a health question can call this, send the text first
    when it is not ``None`` and return the events with its own.

    Returns:
        ``(text, [SlotSet("disclaimer_shown", True)])`` the first time, else ``(None, [])``.
    """
    if tracker.get_slot(DISCLAIMER_SLOT):
        return None, []
    return safety_messages().text("disclaimer"), [SlotSet(DISCLAIMER_SLOT, True)]


def _latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def _entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v]


def _in_form(tracker: Tracker) -> bool:
    return bool(tracker.active_loop_name)


def _send_disclaimer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    text, events = disclaimer_events(tracker)
    if text:
        dispatcher.utter_message(text=text)
    return events


def _offer_note(
    dispatcher: CollectingDispatcher, categories: Tuple[str, ...]
) -> List[EventType]:
    """Advice for known categories plus the offer to add a note (pending until consent)."""
    messages = safety_messages()
    note = format_note(categories)
    if note is None:
        dispatcher.utter_message(text=messages.text("contraindication_advice_unknown"))
        return [SlotSet(PENDING_NOTE_SLOT, None)]
    dispatcher.utter_message(
        text=messages.text("contraindication_advice", categories=describe(categories))
    )
    dispatcher.utter_message(
        text=messages.text("note_offer", note=note),
        buttons=[
            {"title": messages.buttons["add_note"], "payload": CONSENT_PAYLOAD},
            {"title": messages.buttons["no_note"], "payload": DECLINE_PAYLOAD},
        ],
    )
    return [SlotSet(PENDING_NOTE_SLOT, note)]


def offer_health_note(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: Optional[str]
) -> List[EventType]:
    """Advice and the note offer for contraindications found in ``text`` (any action may call it).

    For example the booking form's concern question: "I'm pregnant and my back hurts" should
    get the same advice as a direct mention. Nothing is sent, and ``[]`` returned, when
    ``text`` mentions no category or only categories already in the note.

    Returns:
        The events to return with the caller's own (the pending note, not the note itself:
        that is only set by ``action_save_health_note`` after the visitor agrees).
    """
    categories = detect_contraindications(text)
    already = set(parse_note(tracker.get_slot(NOTE_SLOT)))
    if not categories or already.issuperset(categories):
        return []
    return _offer_note(dispatcher, categories)


class ActionStopFormForSafety(Action):
    """Ends any active form after the emergency or crisis reply."""

    def name(self) -> Text:
        return "action_stop_form_for_safety"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if not _in_form(tracker):
            return []
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


class ActionNoDiagnosis(Action):
    """Declines to diagnose; gives general information and where to get an assessment."""

    def name(self) -> Text:
        return "action_no_diagnosis"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        messages = safety_messages()
        events = _send_disclaimer(dispatcher, tracker)
        body_parts = _entity_values(tracker, "body_part")
        about = f" what's going on with your {body_parts[0]}" if body_parts else " it"
        parts = [messages.text("no_diagnosis", about=about)]
        information = messages.information_for(_entity_values(tracker, "symptom"))
        if information:
            parts.append(information)
        buttons: List[Dict[Text, Any]] = []
        if not _in_form(tracker):  # in a form, the form asks its own question next
            buttons = [
                {"title": messages.buttons["book"], "payload": BOOKING_PAYLOAD},
                {"title": messages.buttons["nmt"], "payload": "/ask_nmt_overview"},
                {"title": messages.buttons["fmm"], "payload": "/ask_fmm_overview"},
            ]
        dispatcher.utter_message(text=" ".join(parts), buttons=buttons)
        return events + offer_health_note(dispatcher, tracker, _latest_text(tracker))


class ActionContraindicationAdvice(Action):
    """Check with your doctor first; offer to add a note for the clinic."""

    def name(self) -> Text:
        return "action_contraindication_advice"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events = _send_disclaimer(dispatcher, tracker)
        categories = detect_contraindications(_latest_text(tracker))
        already = set(parse_note(tracker.get_slot(NOTE_SLOT)))
        if categories and already.issuperset(categories):
            # Already noted with the visitor's consent: repeat the advice, don't ask again.
            dispatcher.utter_message(
                text=safety_messages().text(
                    "contraindication_advice", categories=describe(categories)
                )
            )
            return events
        return events + _offer_note(dispatcher, categories)


class ActionSaveHealthNote(Action):
    """Adds the pending categories to ``contraindication_note`` (the visitor agreed)."""

    def name(self) -> Text:
        return "action_save_health_note"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        messages = safety_messages()
        pending = parse_note(tracker.get_slot(PENDING_NOTE_SLOT))
        if not pending:
            dispatcher.utter_message(text=messages.text("note_nothing_pending"))
            return []
        note = merge_notes(tracker.get_slot(NOTE_SLOT), pending)
        buttons = (
            []
            if _in_form(tracker)
            else [{"title": messages.buttons["book"], "payload": BOOKING_PAYLOAD}]
        )
        dispatcher.utter_message(
            text=messages.text("note_saved", note=note or ""), buttons=buttons
        )
        return [SlotSet(NOTE_SLOT, note), SlotSet(PENDING_NOTE_SLOT, None)]


class ActionDeclineHealthNote(Action):
    """Drops the pending note (the visitor said no)."""

    def name(self) -> Text:
        return "action_decline_health_note"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(text=safety_messages().text("note_declined"))
        return [SlotSet(PENDING_NOTE_SLOT, None)]
