"""Short and out-of-context messages: what they are and the reply from context (pure)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.knowledge import knowledge_base
from actions.knowledge_replies import BOOKING_PAYLOAD
from actions.short_replies import (
    ACK,
    AFFIRM,
    CANCEL,
    CHOICE,
    DENY,
    DENY_PAYLOAD,
    DETAIL,
    NOISE,
    OTHER,
    QUESTION_WORD,
    THERAPY_CHOICE,
    Context,
    details_in,
    guard_reply,
    message_kind,
    parse_payload,
    previous_bot_buttons,
)
from clinic.config import ClinicConfig

CONFIG = ClinicConfig(raw={"clinic": {"name": "Test Clinic", "phone": "PLACEHOLDER: phone"}})
KB = knowledge_base()
TOPIC_BUTTONS = [
    {"title": "What is NMT?", "payload": KB.topics["nmt_overview"].payload},
    {"title": "What is FMM?", "payload": KB.topics["fmm_overview"].payload},
    {"title": "Book a session", "payload": BOOKING_PAYLOAD},
]


@pytest.mark.parametrize(
    "text, intent, kind",
    [
        ("ok", None, ACK),
        ("got it", "affirm", ACK),
        ("hmm", "out_of_scope", ACK),
        ("yes", "affirm", AFFIRM),
        ("yeah sure", None, AFFIRM),
        ("no", "deny", DENY),
        ("nope", None, DENY),
        ("?", None, NOISE),
        ("...", "nlu_fallback", NOISE),
        ("🙂", None, ACK),
        ("👍", None, ACK),
        ("🤷", None, NOISE),
        ("x", "affirm", NOISE),
        ("oh wow", None, ACK),
        ("555-0142", None, DETAIL),
        ("call me at 555 0199", "out_of_scope", DETAIL),
        ("any day after 6", None, DETAIL),
        ("open sunday?", None, OTHER),
        ("cant make it tomorrow", "cancel_booking", CANCEL),
        ("the first one", None, CHOICE),
        ("both", None, CHOICE),
        ("neither", "deny", CHOICE),
        ("why?", "ask_why", QUESTION_WORD),
        ("how so", None, QUESTION_WORD),
        ("Maria", "inform_booking", DETAIL),
        ("maria@example.com", "inform_booking", DETAIL),
        ("call me on 310 555 0134", None, DETAIL),
        ("monday at 3pm", "inform_booking", DETAIL),
        ("I'm Josh", "greet", DETAIL),
        ("cancel", "cancel_booking", CANCEL),
        ("nmt please", "choose_therapy", THERAPY_CHOICE),
        ("im tired", "ask_diagnosis", OTHER),
        ("what is the weather", "out_of_scope", OTHER),
    ],
)
def test_message_kind(text: str, intent: str, kind: str) -> None:
    assert message_kind(text, intent) == kind


def test_details_are_named_by_kind_never_by_value() -> None:
    text = "ana.ruiz@example.com or 310 555 0134"
    kinds = details_in(text, "inform_booking")
    assert kinds == ["e-mail address", "phone number"]
    reply = guard_reply(KB, CONFIG, DETAIL, text, Context()).replies[0]
    assert "ana.ruiz" not in reply.text and "0134" not in reply.text
    assert "e-mail address and your phone number" in reply.text
    assert [b["payload"] for b in reply.buttons] == [BOOKING_PAYLOAD, DENY_PAYLOAD]


def test_lowercase_intro_is_not_taken_for_a_name() -> None:
    assert details_in("im confused", None) == []
    assert details_in("my name is dana", None) == ["name"]


def _payloads(buttons: List[Dict[str, Any]]) -> List[str]:
    return [b.get("payload", "") for b in buttons]


def test_yes_after_an_answer_asks_which_next_step_with_the_same_buttons() -> None:
    result = guard_reply(KB, CONFIG, AFFIRM, "yes", Context(buttons=TOPIC_BUTTONS))
    assert not result.open_booking
    assert _payloads(result.replies[0].buttons) == _payloads(TOPIC_BUTTONS)
    assert "which" in result.replies[0].text.lower()


def test_yes_to_a_booking_offer_opens_the_booking() -> None:
    offer = guard_reply(KB, CONFIG, DETAIL, "Maria", Context(), "inform_booking").replies[0]
    assert "your name" in offer.text
    result = guard_reply(KB, CONFIG, AFFIRM, "yes", Context(buttons=offer.buttons))
    assert result.open_booking and result.replies == []


def test_yes_with_nothing_offered_asks_what_to_know() -> None:
    reply = guard_reply(KB, CONFIG, AFFIRM, "yes", Context()).replies[0]
    assert BOOKING_PAYLOAD in _payloads(reply.buttons) and reply.text


def test_no_closes_politely_with_options() -> None:
    reply = guard_reply(KB, CONFIG, DENY, "no", Context(buttons=TOPIC_BUTTONS)).replies[0]
    assert reply.text.startswith("No problem") and BOOKING_PAYLOAD in _payloads(reply.buttons)
    assert reply.topic is None


@pytest.mark.parametrize(
    "text, topics",
    [
        ("the first one", ["nmt_overview"]),
        ("second", ["fmm_overview"]),
        ("both", ["nmt_overview", "fmm_overview"]),
    ],
)
def test_choice_after_did_you_mean_follows_the_buttons(text: str, topics: List[str]) -> None:
    result = guard_reply(KB, CONFIG, CHOICE, text, Context(buttons=TOPIC_BUTTONS))
    assert [r.topic for r in result.replies] == topics


def test_last_one_opens_the_booking_when_it_is_the_booking_button() -> None:
    result = guard_reply(KB, CONFIG, CHOICE, "the last one", Context(buttons=TOPIC_BUTTONS))
    assert result.open_booking


def test_neither_answers_no_topic_and_gives_the_contact_line() -> None:
    reply = guard_reply(KB, CONFIG, CHOICE, "neither", Context(buttons=TOPIC_BUTTONS)).replies[0]
    assert reply.topic is None and CONFIG.contact_sentence() in reply.text


def test_why_expands_on_the_last_topic() -> None:
    reply = guard_reply(
        KB, CONFIG, QUESTION_WORD, "why?", Context(last_topic="trigger_points")
    ).replies[0]
    assert reply.topic == "trigger_points"


def test_why_with_nothing_before_offers_the_start() -> None:
    reply = guard_reply(KB, CONFIG, QUESTION_WORD, "why?", Context()).replies[0]
    assert reply.topic is None and reply.buttons


def test_therapy_choice_outside_the_form_offers_booking_that_therapy() -> None:
    reply = guard_reply(KB, CONFIG, THERAPY_CHOICE, "FMM please", Context()).replies[0]
    assert reply.buttons[0]["payload"] == '/request_booking{"therapy":"FMM"}'
    assert reply.buttons[1]["payload"] == KB.topics["fmm_overview"].payload


def test_a_therapy_name_alone_gets_its_overview() -> None:
    reply = guard_reply(KB, CONFIG, THERAPY_CHOICE, "nmt?", Context()).replies[0]
    assert reply.topic == "nmt_overview" and BOOKING_PAYLOAD in _payloads(reply.buttons)


def test_cancel_with_no_booking_open_says_so_and_gives_the_contact_line() -> None:
    reply = guard_reply(KB, CONFIG, CANCEL, "cancel", Context()).replies[0]
    assert "nothing to cancel" in reply.text and CONFIG.contact_sentence() in reply.text


def test_previous_bot_buttons_reads_the_message_before_the_latest_visitor_message() -> None:
    events = [
        {"event": "user", "text": "hi"},
        {"event": "bot", "text": "Hello", "data": {"buttons": TOPIC_BUTTONS}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "yes"},
    ]
    assert previous_bot_buttons(events) == TOPIC_BUTTONS
    assert previous_bot_buttons(events[:1] + events[3:]) == []


def test_parse_payload() -> None:
    assert parse_payload('/ask_x{"therapy":"FMM"}') == ("ask_x", {"therapy": "FMM"})
    assert parse_payload("/request_booking") == ("request_booking", {})
    assert parse_payload("not a payload") is None
    assert parse_payload('/ask_x{"broken"') is None
    assert parse_payload('/ask_x{"a":' + "[" * 5000 + "]" * 5000 + "}") is None  # too deep
