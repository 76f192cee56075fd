"""Short replies, volunteered details and a person when asked, against the real stack."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

from actions.booking import messages as m
from actions.booking.store import KIND_CALLBACK, BookingStore
from actions.contact import CALLBACK_BUTTON
from tests.server.test_booking_conversation import button_titles, texts, tracker_slots


def _sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _buttons(messages: List[Dict[str, Any]]) -> List[str]:
    return [b.get("payload", "") for message in messages for b in message.get("buttons") or []]


def test_yes_after_an_answer_offers_the_same_next_steps(stack: Any) -> None:
    sender = _sender("yes")
    answer = stack.rest(sender, "/ask_nmt_overview")
    said = stack.rest(sender, "yes")
    assert "which" in texts(said).lower()
    assert _buttons(said) == [p for p in _buttons(answer) if p]


def test_yes_to_the_booking_offer_after_a_volunteered_email_opens_the_form(stack: Any) -> None:
    sender = _sender("detail")
    said = stack.rest(sender, "dana.whitfield@example.com")
    assert "booking request" in texts(said) and "e-mail address" in texts(said)
    assert "dana.whitfield" not in texts(said)
    assert tracker_slots(stack, sender)[m.CONTACT] is None  # not stored anywhere
    said = stack.rest(sender, "yes")
    assert m.ASK[m.NAME] in texts(said)
    assert "dana.whitfield" not in stack.log_text()


def test_the_first_one_after_did_you_mean_answers_the_first_option(stack: Any) -> None:
    sender = _sender("choice")
    offered = stack.rest(sender, "trigger thing")
    first = _buttons(offered)[0]
    assert first.startswith("/ask_")
    said = stack.rest(sender, "the first one")
    assert "I don't know that one" not in texts(said)
    topic = tracker_slots(stack, sender)["last_topic"]
    fresh = _sender("choice-direct")
    stack.rest(fresh, first)
    assert topic == tracker_slots(stack, fresh)["last_topic"]


def test_no_closes_politely_and_offers_options(stack: Any) -> None:
    sender = _sender("no")
    stack.rest(sender, "/ask_fmm_overview")
    said = stack.rest(sender, "no")
    assert texts(said).startswith("No problem") and "Book a session" in button_titles(said)


def test_the_name_question_rejects_an_affirmation(stack: Any) -> None:
    sender = _sender("name")
    stack.rest(sender, "/request_booking")
    said = stack.rest(sender, "yes, that's correct")
    assert m.ASK[m.NAME] in texts(said)
    assert tracker_slots(stack, sender)[m.NAME] is None


def test_cancel_with_nothing_open_says_so(stack: Any) -> None:
    said = stack.rest(_sender("cancel"), "cancel")
    assert "nothing to cancel" in texts(said) and m.CANCELLED not in texts(said)


def test_a_person_when_asked_then_a_callback_request_reaches_the_outbox(stack: Any) -> None:
    sender = _sender("human")
    said = stack.rest(sender, "can I talk to a person?")
    assert "real people" in texts(said)
    assert CALLBACK_BUTTON["title"] in button_titles(said)

    said = stack.rest(sender, CALLBACK_BUTTON["payload"])
    assert m.CALLBACK_START in texts(said) and m.ASK_CALLBACK[m.NAME] in texts(said)
    assert m.ASK[m.CONTACT] in texts(stack.rest(sender, "Dana Whitfield"))
    assert m.ASK_CALLBACK[m.TIMES] in texts(stack.rest(sender, "(310) 555-0134"))
    said = stack.rest(sender, "weekday mornings")
    assert "+13105550134" in texts(said)  # the consent question, no therapy or concern
    said = stack.rest(sender, "/affirm")
    assert m.CALLBACK_SUMMARY_INTRO in texts(said)
    assert "Change therapy" not in button_titles(said)
    said = stack.rest(sender, "/affirm")
    assert m.RECEIVED_CALLBACK.format(name="Dana Whitfield") in texts(said)

    [stored] = [
        item.request
        for item in BookingStore.from_url(stack.booking_db_url).list_requests()
        if item.request.sender_id == sender
    ]
    assert stored.kind == KIND_CALLBACK and stored.phone == "+13105550134"
    assert stored.preferred_times == "weekday mornings" and stored.concern is None
    assert all(tracker_slots(stack, sender).get(s) is None for s in m.ALL_BOOKING_SLOTS)
