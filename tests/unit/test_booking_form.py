"""The booking form's actions, run against trackers built in code (as rasa-sdk's tests do)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.booking.form import (
    ActionAskBookingConfirmed,
    ActionAskBookingConsent,
    ActionAskBookingTherapy,
    ActionBookingStart,
    ActionCancelBooking,
    ActionChangeBookingField,
    ValidateBookingForm,
    field_to_change,
    is_interruption,
)
from actions.clinic_info import clinic_config
from tests.booking_trackers import form_tracker, plain_tracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain" / "booking.yml").read_text())
CONTACT = {"phone": "+13105550134", "email": None}
FILLED: Dict[str, Any] = {
    m.NAME: "Dana Whitfield",
    m.CONTACT: CONTACT,
    m.THERAPY: "FMM",
    m.TIMES: "weekday evenings",
    m.TIMES_PARSED: {"raw": "weekday evenings", "days": ["monday"], "part_of_day": ["evening"]},
    m.CONCERN: "stiff neck",
    m.CONSENT: True,
}


async def validate(
    requested: str,
    text: str,
    intent: Optional[str] = "inform_booking",
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    resumed: bool = False,
) -> Tuple[List[Dict[str, Any]], List[str]]:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(requested, text, intent, entities, slots, resumed)
    events = await ValidateBookingForm().run(dispatcher, tracker, DOMAIN)
    return events, [msg.get("text") or "" for msg in dispatcher.messages]


def slot_values(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --------------------------------------------------------------------------- valid answers


async def test_a_name_is_accepted() -> None:
    events, said = await validate(m.NAME, "my name is Dana Whitfield")
    assert slot_values(events)[m.NAME] == "Dana Whitfield"
    assert said == []


async def test_contact_is_normalised() -> None:
    events, _ = await validate(m.CONTACT, "(310) 555-0134")
    assert slot_values(events)[m.CONTACT] == {"phone": "+13105550134", "email": None}


async def test_times_keep_raw_text_and_structure() -> None:
    events, _ = await validate(m.TIMES, "weekday evenings")
    values = slot_values(events)
    assert values[m.TIMES] == "weekday evenings"
    assert values[m.TIMES_PARSED]["part_of_day"] == ["evening"]
    assert values[m.TIMES_PARSED]["raw"] == "weekday evenings"


async def test_therapy_from_button_entity() -> None:
    events, _ = await validate(
        m.THERAPY,
        '/choose_therapy{"therapy":"NMT"}',
        "choose_therapy",
        [{"entity": "therapy", "value": "NMT"}],
    )
    assert slot_values(events)[m.THERAPY] == "NMT"


@pytest.mark.parametrize("text, intent", [("skip", "deny"), ("no", "deny"), ("/deny", "deny")])
async def test_concern_can_be_skipped(text: str, intent: str) -> None:
    events, said = await validate(m.CONCERN, text, intent)
    assert slot_values(events)[m.CONCERN] == ""
    assert said == []


@pytest.mark.parametrize("text, intent", [("/affirm", "affirm"), ("yes please", "nlu_fallback")])
async def test_consent_yes(text: str, intent: str) -> None:
    events, _ = await validate(m.CONSENT, text, intent, slots={m.CONTACT: CONTACT})
    assert slot_values(events)[m.CONSENT] is True


# --------------------------------------------------------------------------- every failure


@pytest.mark.parametrize(
    "slot, text, code",
    [
        (m.NAME, "dana@example.com", "looks_like_contact"),
        (m.NAME, "R2D2", "has_digits"),
        (m.NAME, "yes", "yes_no"),
        (m.NAME, "Anna Maria Louisa Sophia Charlotte Victoria Elisabeth", "too_long"),
        (m.CONTACT, "dana@example", "bad_email"),
        (m.CONTACT, "555-0134", "missing_area_code"),
        (m.CONTACT, "123-456-7890", "bad_phone"),
        (m.CONTACT, "just call me", "missing"),
        (m.THERAPY, "deep tissue", "unknown_therapy"),
        (m.TIMES, "blah", "unrecognised"),
        (m.TIMES, "yesterday", "past"),
        (m.CONCERN, "a", "too_short"),
        (m.CONCERN, "pain " * 120, "too_long"),
        (m.CONSENT, "maybe", "unclear"),
        (m.CONFIRMED, "hmm", "unclear"),
    ],
)
async def test_each_failure_says_what_is_wrong(slot: str, text: str, code: str) -> None:
    events, said = await validate(slot, text, "nlu_fallback", slots={m.CONTACT: CONTACT})
    values = slot_values(events)
    assert values[slot] is None
    assert said == [m.ERRORS[slot][code]]
    assert values[m.STATE]["failures"] == {slot: 1}


async def test_declining_consent_is_explained_and_not_accepted() -> None:
    events, said = await validate(m.CONSENT, "/deny", "deny", slots={m.CONTACT: CONTACT})
    assert slot_values(events)[m.CONSENT] is None
    assert said == [m.ERRORS[m.CONSENT]["declined"]]


async def test_second_failure_offers_to_contact_the_clinic() -> None:
    first, said_first = await validate(m.CONTACT, "555-0134", "nlu_fallback")
    state = slot_values(first)[m.STATE]
    second, said_second = await validate(
        m.CONTACT, "555-0135", "nlu_fallback", slots={m.STATE: state}
    )
    assert clinic_config().contact_sentence() not in said_first[0]
    assert clinic_config().contact_sentence() in said_second[0]
    assert "cancel" in said_second[0]
    assert slot_values(second)[m.STATE]["failures"] == {m.CONTACT: 2}


async def test_second_failure_on_optional_concern_offers_to_skip() -> None:
    state = {"failures": {m.CONCERN: 1}}
    _, said = await validate(m.CONCERN, "a", "nlu_fallback", slots={m.STATE: state})
    assert said == [m.ERRORS[m.CONCERN]["too_short"] + " " + m.SKIP_OFFER]


async def test_success_clears_the_failure_count() -> None:
    state = {"failures": {m.NAME: 2, m.CONTACT: 1}}
    events, _ = await validate(m.NAME, "Dana", slots={m.STATE: state})
    assert slot_values(events)[m.STATE]["failures"] == {m.CONTACT: 1}


async def test_not_sure_shows_the_comparison_then_asks_again() -> None:
    events, said = await validate(m.THERAPY, "not sure, help me choose", "ask_which_therapy")
    values = slot_values(events)
    assert values[m.THERAPY] is None
    assert said == [m.THERAPY_COMPARISON]
    assert values[m.STATE]["therapy_help_shown"] is True
    # still unsure after the comparison: the therapist will advise
    events, said = await validate(
        m.THERAPY, "still not sure", "nlu_fallback", slots={m.STATE: values[m.STATE]}
    )
    assert slot_values(events)[m.THERAPY] == "undecided"
    assert said == [m.THERAPY_STILL_UNSURE]


# --------------------------------------------------------------------------- interruptions


async def test_a_question_mid_form_rejects_the_form() -> None:
    events, said = await validate(
        m.NAME, "what is FMM?", "ask_fmm_overview", [{"entity": "therapy", "value": "FMM"}]
    )
    assert {
        "event": "action_execution_rejected",
        "name": "booking_form",
        "policy": None,
        "confidence": None,
        "timestamp": None,
    } in events
    assert slot_values(events) == {m.NAME: None}
    assert said == []


async def test_a_valid_answer_wins_over_a_misclassified_intent() -> None:
    events, _ = await validate(m.NAME, "Dana Whitfield", "ask_fmm_overview")
    assert slot_values(events)[m.NAME] == "Dana Whitfield"
    assert not [e for e in events if e["event"] == "action_execution_rejected"]


async def test_resuming_after_an_answer_does_not_reject_again() -> None:
    events, said = await validate(m.NAME, "what is FMM?", "ask_fmm_overview", resumed=True)
    assert not [e for e in events if e["event"] == "action_execution_rejected"]
    assert said == []


async def test_book_button_mid_form_carries_on() -> None:
    events, said = await validate(m.CONTACT, "/request_booking", "request_booking")
    assert slot_values(events) == {m.CONTACT: None}
    assert said == [m.ALREADY_BOOKING]


@pytest.mark.parametrize(
    "slot, text, intent, expected",
    [
        (m.NAME, "are you a bot?", "bot_challenge", True),
        (m.NAME, "/ask_nmt_overview", "ask_nmt_overview", True),
        (m.NAME, "hello", "greet", False),  # answered as a (bad) name
        (m.CONTACT, "can you call me at 310 555 0134", "ask_location", False),
        (m.CONTACT, "do you take insurance?", "out_of_scope", True),
        (m.THERAPY, "which one should I pick?", "ask_which_therapy", False),  # -> comparison
        (m.THERAPY, "what is NMT?", "ask_nmt_overview", True),
        (m.TIMES, "how long is a session?", "out_of_scope", True),
        (m.CONCERN, "my lower back after long drives", "ask_nerve_entrapment", False),
        (m.CONCERN, "can FMM help with headaches?", "ask_headaches", True),
        (m.CONSENT, "yes", "thank", False),
        (m.CONCERN, "I'm pregnant, is that ok", "mention_contraindication", True),
        (m.CONCERN, "I had surgery on my back last month", "mention_contraindication", True),
        (m.NAME, "Dana Whitfield", "ask_diagnosis", True),
        # the concern question asks about health: a statement answers it, a question does not
        (m.CONCERN, "my old disc problem makes my lower back ache", "ask_diagnosis", False),
        (m.CONCERN, "do I have sciatica?", "ask_diagnosis", True),
        (m.CONCERN, "is it a herniated disc", "ask_diagnosis", True),
    ],
)
def test_interruption_detection(slot: str, text: str, intent: str, expected: bool) -> None:
    assert is_interruption(slot, text, intent) is expected


# --------------------------------------------------------------------------- start / ask


async def test_start_prefills_the_therapy_just_discussed() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionBookingStart().run(
        dispatcher, plain_tracker({"therapy": "FMM", m.THERAPY: None}, "book it"), DOMAIN
    )
    # only what changes is set: an empty slot set again would be validated by the form
    assert slot_values(events) == {m.THERAPY: "FMM"}
    assert "FMM" in dispatcher.messages[0]["text"]


async def test_start_prefers_the_therapy_named_in_the_message() -> None:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker(
        {"therapy": "FMM"}, "book me in for NMT", entities=[{"entity": "therapy", "value": "NMT"}]
    )
    events = await ActionBookingStart().run(dispatcher, tracker, DOMAIN)
    assert slot_values(events)[m.THERAPY] == "NMT"


async def test_start_without_therapy() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionBookingStart().run(
        dispatcher, plain_tracker({}, "I want to book"), DOMAIN
    )
    assert slot_values(events) == {}  # nothing to change: no empty slot for the form to reject
    assert dispatcher.messages[0]["text"] == m.START


async def test_therapy_question_offers_help_then_the_therapist_option() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskBookingTherapy().run(dispatcher, plain_tracker({}), DOMAIN)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["NMT", "FMM", "Not sure, help me choose"]
    dispatcher = CollectingDispatcher()
    await ActionAskBookingTherapy().run(
        dispatcher, plain_tracker({m.STATE: {"therapy_help_shown": True}}), DOMAIN
    )
    assert dispatcher.messages[0]["buttons"][-1]["title"] == "Let the therapist advise"


async def test_consent_question_names_the_contact() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskBookingConsent().run(dispatcher, plain_tracker({m.CONTACT: CONTACT}), DOMAIN)
    assert "+13105550134" in dispatcher.messages[0]["text"]


# --------------------------------------------------------------------------- summary / change


async def test_summary_lists_every_field_with_confirm_and_change_buttons() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskBookingConfirmed().run(dispatcher, plain_tracker(dict(FILLED)), DOMAIN)
    message = dispatcher.messages[0]
    for expected in (
        "Dana Whitfield",
        "+13105550134",
        "Functional Muscle Manipulation",
        "weekday evenings",
        "stiff neck",
    ):
        assert expected in message["text"]
    assert [b["title"] for b in message["buttons"]] == [
        "Confirm",
        "Change name",
        "Change contact",
        "Change therapy",
        "Change times",
        "Change concern",
    ]
    assert message["buttons"][2]["payload"] == '/change_booking_field{"booking_field":"contact"}'


async def test_confirming_the_summary_fills_the_last_slot() -> None:
    events, _ = await validate(m.CONFIRMED, "/affirm", "affirm", slots=dict(FILLED))
    assert slot_values(events)[m.CONFIRMED] is True


async def test_saying_no_to_the_summary_asks_which_detail() -> None:
    events, said = await validate(m.CONFIRMED, "no", "deny", slots=dict(FILLED))
    state = slot_values(events)[m.STATE]
    assert slot_values(events)[m.CONFIRMED] is None and state["ask_which_field"] is True
    dispatcher = CollectingDispatcher()
    ask_events = await ActionAskBookingConfirmed().run(
        dispatcher, plain_tracker({**FILLED, m.STATE: state}), DOMAIN
    )
    assert dispatcher.messages[0]["text"] == m.WHICH_FIELD
    assert "Confirm" not in [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert "ask_which_field" not in slot_values(ask_events)[m.STATE]


@pytest.mark.parametrize(
    "field, reset",
    [
        ("name", {m.NAME}),
        ("contact", {m.CONTACT}),
        ("therapy", {m.THERAPY}),
        ("times", {m.TIMES, m.TIMES_PARSED}),
        ("concern", {m.CONCERN}),
    ],
)
async def test_change_button_resets_that_field_and_the_confirmation(
    field: str, reset: set
) -> None:
    dispatcher = CollectingDispatcher()
    payload = '/change_booking_field{"booking_field":"' + field + '"}'
    tracker = plain_tracker(
        {**FILLED, m.CONFIRMED: None},
        payload,
        "change_booking_field",
        [{"entity": "booking_field", "value": field}],
        "booking_form",
    )
    events = await ActionChangeBookingField().run(dispatcher, tracker, DOMAIN)
    values = slot_values(events)
    assert {k for k, v in values.items() if v is None} == reset | {m.CONFIRMED}
    assert FILLED[m.NAME] == "Dana Whitfield"  # the others are kept


def test_change_field_from_words() -> None:
    assert field_to_change(None, "my phone number is wrong") == "contact"
    assert field_to_change(None, "can I change the day") == "times"
    assert field_to_change(None, "change my name") == "name"
    assert field_to_change(None, "edit something") is None


async def test_change_without_a_field_asks_which() -> None:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker(dict(FILLED), "I want to change something", "change_booking_field")
    events = await ActionChangeBookingField().run(dispatcher, tracker, DOMAIN)
    values = slot_values(events)
    assert values[m.CONFIRMED] is None and values[m.STATE]["ask_which_field"] is True
    assert m.NAME not in values


# --------------------------------------------------------------------------- cancel


async def test_cancel_clears_every_booking_slot_and_confirms() -> None:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker(dict(FILLED), "cancel", "cancel_booking", active_loop="booking_form")
    events = await ActionCancelBooking().run(dispatcher, tracker, DOMAIN)
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    values = slot_values(events)
    assert all(values[slot] is None for slot in m.ALL_BOOKING_SLOTS)
    assert dispatcher.messages[0]["text"] == m.CANCELLED


async def test_cancel_with_nothing_open_says_so_and_sets_nothing() -> None:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker({}, "cancel my appointment", "cancel_booking")
    events = await ActionCancelBooking().run(dispatcher, tracker, DOMAIN)
    assert events == []
    assert "nothing to cancel" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["text"] != m.CANCELLED


async def test_start_clears_an_earlier_confirmation() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionBookingStart().run(
        dispatcher, plain_tracker({m.THERAPY: "NMT", m.CONFIRMED: True}, "book again"), DOMAIN
    )
    assert slot_values(events) == {m.CONFIRMED: None}


# --------------------------------------------------------------------------- callback


async def test_a_callback_request_skips_the_therapy_and_concern_questions() -> None:
    form = ValidateBookingForm()
    slots = list(m.FORM_SLOTS)
    callback = plain_tracker({m.KIND: m.CALLBACK}, "Dana", "inform_booking")
    booking = plain_tracker({}, "Dana", "inform_booking")
    dispatcher = CollectingDispatcher()
    assert await form.required_slots(slots, dispatcher, callback, DOMAIN) == [
        m.NAME, m.CONTACT, m.TIMES, m.CONSENT, m.CONFIRMED
    ]
    assert await form.required_slots(slots, dispatcher, booking, DOMAIN) == slots


def test_callback_summary_and_buttons_leave_out_therapy_and_concern() -> None:
    text = m.summary_text({m.KIND: m.CALLBACK, m.NAME: "Dana", m.TIMES: "mornings"})
    assert text.startswith(m.CALLBACK_SUMMARY_INTRO) and "Therapy" not in text
    titles = [b["title"] for b in m.change_buttons(callback=True)]
    assert "Change therapy" not in titles and "Change concern" not in titles
    assert "Change times" in titles
