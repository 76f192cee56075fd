"""Booking over REST against the real stack: the request ends up in the stack's booking DB."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List

from actions.booking import messages as m
from actions.booking.store import BookingStore


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def button_titles(messages: List[Dict[str, Any]]) -> List[str]:
    return [b.get("title") for message in messages for b in message.get("buttons") or []]


def tracker_slots(stack: Any, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local stack
        return json.loads(response.read().decode("utf-8"))["slots"]


def test_full_booking_is_stored_and_personal_slots_are_cleared(stack: Any) -> None:
    sender = f"booking-{uuid.uuid4().hex[:10]}"
    said = stack.rest(sender, "I'd like to book a session")
    assert m.ASK[m.NAME] in texts(said)

    said = stack.rest(sender, "are you a bot?")  # a question mid-form
    assert "virtual assistant" in texts(said)
    assert m.ASK[m.NAME] in texts(said)  # ... and the form goes on

    assert m.ASK[m.CONTACT] in texts(stack.rest(sender, "Dana Whitfield"))
    said = stack.rest(sender, "(310) 555-0134")
    assert m.ASK[m.THERAPY] in texts(said)
    assert "Not sure, help me choose" in button_titles(said)
    assert m.ASK[m.TIMES] in texts(stack.rest(sender, '/choose_therapy{"therapy":"FMM"}'))
    assert m.ASK[m.CONCERN] in texts(stack.rest(sender, "weekday evenings"))
    said = stack.rest(sender, "skip")
    assert "+13105550134" in texts(said)  # consent names the contact
    said = stack.rest(sender, "/affirm")
    assert m.SUMMARY_INTRO in texts(said)
    assert "Change times" in button_titles(said)

    said = stack.rest(sender, '/change_booking_field{"booking_field":"times"}')
    assert m.ASK[m.TIMES] in texts(said)
    said = stack.rest(sender, "next tuesday afternoon")
    assert m.SUMMARY_INTRO in texts(said) and "next tuesday afternoon" in texts(said)

    said = stack.rest(sender, "/affirm")
    assert m.RECEIVED.format(name="Dana Whitfield") in texts(said)

    [stored] = [
        item.request
        for item in BookingStore.from_url(stack.booking_db_url).list_requests()
        if item.request.sender_id == sender
    ]
    assert (stored.name, stored.phone, stored.therapy) == ("Dana Whitfield", "+13105550134", "FMM")
    assert stored.preferred_times == "next tuesday afternoon"
    assert stored.preferred_times_parsed["part_of_day"] == ["afternoon"]
    assert stored.concern is None and stored.consent is True

    slots = tracker_slots(stack, sender)
    assert all(slots.get(slot) is None for slot in m.ALL_BOOKING_SLOTS)
    log = stack.log_text()
    assert "Dana Whitfield" not in log and "3105550134" not in log and "555-0134" not in log


def test_therapy_question_mid_form_is_answered_and_the_form_resumes(stack: Any) -> None:
    sender = f"booking-{uuid.uuid4().hex[:10]}"
    stack.rest(sender, "book me in for NMT")
    stack.rest(sender, "Ana Ruiz")
    said = stack.rest(sender, "what is FMM?")
    assert len(said) >= 2  # an answer, then the question again
    assert texts(said).rstrip().endswith(m.ASK[m.CONTACT])


def test_cancel_leaves_cleanly_and_stores_nothing(stack: Any) -> None:
    sender = f"booking-{uuid.uuid4().hex[:10]}"
    said = stack.rest(sender, "book me in for NMT")
    assert "NMT" in texts(said) and m.ASK[m.NAME] in texts(said)
    stack.rest(sender, "Sam Lee")
    said = stack.rest(sender, "never mind")
    assert m.CANCELLED in texts(said)
    assert not [
        item
        for item in BookingStore.from_url(stack.booking_db_url).list_requests()
        if item.request.sender_id == sender
    ]
    assert tracker_slots(stack, sender).get(m.NAME) is None
