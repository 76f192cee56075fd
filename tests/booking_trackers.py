"""rasa-sdk trackers of a booking conversation, built in code as rasa-sdk's own tests do
(shared by tests/unit/test_booking_form.py and tests/language/test_booking_spanish.py)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker

from actions.booking import messages as m


def user_event(text: str, intent: Optional[str], entities: Iterable[Dict[str, Any]] = ()
               ) -> Dict[str, Any]:
    """A visitor's message as a tracker event (parse data with the intent at 0.9)."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.9},
            "entities": list(entities),
            "text": text,
        },
    }


def _with_language(slots: Dict[str, Any], language: Optional[str]) -> Dict[str, Any]:
    return {**slots, "language": language} if language is not None else dict(slots)


def form_tracker(
    requested: Optional[str],
    text: str,
    intent: Optional[str] = "inform_booking",
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    resumed: bool = False,
    language: Optional[str] = None,
    sender_id: str = "visitor-1",
) -> Tracker:
    """The tracker the form passes to ``validate_booking_form`` after a visitor's answer
    (``resumed``: an answer action handled the message and the form came back)."""
    entities = list(entities)
    all_slots: Dict[str, Any] = {slot: None for slot in m.ALL_BOOKING_SLOTS}
    all_slots.update(slots or {})
    all_slots = _with_language(all_slots, language)
    all_slots["requested_slot"] = requested
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        user_event(text, intent, entities),
    ]
    if resumed:
        events.append({"event": "action_execution_rejected", "name": "booking_form"})
        events.append({"event": "action", "name": "action_answer_question"})
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "booking_form"},
    ]
    if requested and not resumed:
        events.append({"event": "slot", "name": requested, "value": text})
        all_slots[requested] = text
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities,
        },
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "booking_form"},
        latest_action_name="booking_form",
    )


def plain_tracker(
    slots: Dict[str, Any],
    text: str = "",
    intent: str = "request_booking",
    entities: Iterable[Dict[str, Any]] = (),
    active_loop: Optional[str] = None,
    language: Optional[str] = None,
    sender_id: str = "visitor-1",
) -> Tracker:
    """A tracker right after a visitor's message, outside the form unless ``active_loop``."""
    entities = list(entities)
    return Tracker(
        sender_id=sender_id,
        slots=_with_language(slots, language),
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities,
        },
        events=[user_event(text, intent, entities)],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
