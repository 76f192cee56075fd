"""Safety in real conversations (the running stack, trained model and action server)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List

import pytest

BOOKING_QUESTIONS = (
    "what name", "how can the clinic reach you", "which therapy", "which days and times",
    "what would you most like help with", "may the clinic contact you",
)


def _texts(messages: List[Dict[str, Any]]) -> str:
    return " ".join((m.get("text") or "") for m in messages).lower()


def _payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b.get("payload", "") for m in messages for b in m.get("buttons") or []]


def _tracker(stack: Any, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.loads(response.read().decode("utf-8"))


def _sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def _assert_emergency_reply(messages: List[Dict[str, Any]], number: str) -> None:
    text = _texts(messages)
    assert number in text
    assert "/request_booking" not in _payloads(messages)
    assert not any(q in text for q in BOOKING_QUESTIONS), text
    assert "book" not in text


@pytest.mark.parametrize(
    "message, number",
    [
        ("I have crushing chest pain and my left arm is numb", "911"),
        ("my dad's face is drooping and his speech is slurred", "911"),
        ("I want to end my life", "988"),
    ],
)
def test_an_emergency_mid_booking_stops_the_form(stack: Any, message: str, number: str) -> None:
    sender = _sender("safety-midform")
    start = stack.rest(sender, "/request_booking")
    assert any(q in _texts(start) for q in BOOKING_QUESTIONS), _texts(start)
    assert _tracker(stack, sender)["active_loop"].get("name")
    reply = stack.rest(sender, message)
    _assert_emergency_reply(reply, number)
    tracker = _tracker(stack, sender)
    assert not tracker["active_loop"].get("name"), tracker["active_loop"]
    assert tracker["slots"].get("requested_slot") is None
    assert tracker["slots"].get("booking_name") is None  # not swallowed as the name
    # the visitor can start over afterwards
    again = stack.rest(sender, "/request_booking")
    assert any(q in _texts(again) for q in BOOKING_QUESTIONS)


def test_an_emergency_outside_a_form_gets_only_the_911_reply(stack: Any) -> None:
    reply = stack.rest(_sender("safety-direct"), "worst headache of my life, it came on suddenly")
    _assert_emergency_reply(reply, "911")


@pytest.mark.parametrize(
    "message, number, spanish",
    [
        ("me duele el pecho y se me va al brazo izquierdo", "911", "llame al 911"),
        ("a mi papa se le cayo la cara y no puede hablar bien", "911", "llame al 911"),
        ("ya no quiero vivir", "988", "oprima 2"),
    ],
)
def test_a_spanish_emergency_gets_the_reply_in_spanish_even_mid_booking(
        stack: Any, message: str, number: str, spanish: str) -> None:
    sender = _sender("safety-es")
    stack.rest(sender, "/request_booking")
    reply = stack.rest(sender, message)
    _assert_emergency_reply(reply, number)
    assert spanish in _texts(reply), _texts(reply)
    assert not _tracker(stack, sender)["active_loop"].get("name")
    # an English emergency afterwards is answered in English again
    english = stack.rest(sender, "I have crushing chest pain and my left arm is numb")
    assert "please call 911" in _texts(english) and "llame" not in _texts(english)


@pytest.mark.parametrize(
    "message",
    ["is FMM good for neck pain?", "I had a headache last week",
     "the chest workout made my pecs sore"],
)
def test_hard_negatives_get_no_emergency_reply(stack: Any, message: str) -> None:
    text = _texts(stack.rest(_sender("safety-negative"), message))
    assert "911" not in text and "988" not in text


@pytest.mark.parametrize(
    "message",
    ["do I have sciatica?", "is this carpal tunnel?", "what's wrong with my shoulder?"],
)
def test_diagnosis_questions_get_no_diagnosis(stack: Any, message: str) -> None:
    reply = stack.rest(_sender("safety-diagnosis"), message)
    text = _texts(reply)
    assert "can't diagnose" in text
    assert "not a clinician" in text  # the disclaimer, first time in this conversation
    assert "/request_booking" in _payloads(reply)
    for verdict in ("you have sciatica", "it is carpal tunnel", "it's carpal tunnel",
                    "you probably have", "sounds like you have"):
        assert verdict not in text


def test_disclaimer_is_shown_once_per_conversation(stack: Any) -> None:
    sender = _sender("safety-disclaimer")
    first = _texts(stack.rest(sender, "do I have sciatica?"))
    second = _texts(stack.rest(sender, "is this carpal tunnel?"))
    assert "not a clinician" in first
    assert "not a clinician" not in second and "can't diagnose" in second


def test_contraindication_note_needs_consent_and_holds_categories_only(stack: Any) -> None:
    sender = _sender("safety-note")
    offer = stack.rest(sender, "I'm 20 weeks pregnant and I take warfarin, can I book FMM?")
    text = _texts(offer)
    assert "check with your doctor" in text
    assert "/consent_health_note" in _payloads(offer)
    slots = _tracker(stack, sender)["slots"]
    assert slots.get("contraindication_note") is None  # nothing before consent
    saved = stack.rest(sender, "/consent_health_note")
    assert "pregnancy; blood thinners" in _texts(saved)
    assert _tracker(stack, sender)["slots"]["contraindication_note"] == (
        "pregnancy; blood thinners"
    )


def test_a_declined_note_is_not_stored(stack: Any) -> None:
    sender = _sender("safety-decline")
    stack.rest(sender, "I have a bad sunburn on my back")
    stack.rest(sender, "/decline_health_note")
    slots = _tracker(stack, sender)["slots"]
    assert slots.get("contraindication_note") is None
    assert slots.get("contraindication_pending") is None


async def test_the_gate_forces_safety_intents_in_the_trained_model(agent: Any) -> None:
    parsed = await agent.parse_message("I can't breathe")
    assert parsed["intent"]["name"] == "emergency"
    assert parsed["intent"]["confidence"] == 1.0
    parsed = await agent.parse_message("I want to kill myself")
    assert parsed["intent"]["name"] == "crisis"
    parsed = await agent.parse_message("the chest workout made my pecs sore")
    assert parsed["intent"]["name"] not in ("emergency", "crisis")
