"""The safety actions and the 911 / 988 replies, with trackers built in code (as rasa-sdk does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import (
    ActionContraindicationAdvice,
    ActionDeclineHealthNote,
    ActionNoDiagnosis,
    ActionSaveHealthNote,
    ActionStopFormForSafety,
    disclaimer_events,
    offer_health_note,
)
from clinic.safety.messages import (
    MESSAGES_PATH,
    SafetyMessagesError,
    load_safety_messages,
)
from clinic.settings import PROJECT_ROOT


def _tracker(
    text: str = "",
    slots: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    intent: str = "ask_diagnosis",
) -> Tracker:
    return Tracker(
        sender_id="test-sender",
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


async def _run(action: Any, tracker: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def _texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("text") or "" for m in messages]


def _payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b.get("payload") for m in messages for b in m.get("buttons") or []]


# ---------------------------------------------------------------------------- emergencies


async def test_stop_form_ends_an_active_form() -> None:
    messages, events = await _run(ActionStopFormForSafety(), _tracker(active_loop="booking_form"))
    assert messages == []
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None)]


async def test_stop_form_does_nothing_without_a_form() -> None:
    messages, events = await _run(ActionStopFormForSafety(), _tracker())
    assert (messages, events) == ([], [])


# ---------------------------------------------------------------------------- disclaimer


def test_disclaimer_is_given_once() -> None:
    text, events = disclaimer_events(_tracker())
    assert text and "can't diagnose" in text
    assert events == [SlotSet("disclaimer_shown", True)]
    assert disclaimer_events(_tracker(slots={"disclaimer_shown": True})) == (None, [])


# ---------------------------------------------------------------------------- diagnosis


async def test_no_diagnosis_declines_and_offers_an_appointment() -> None:
    tracker = _tracker(
        "do I have sciatica?",
        entities=[{"entity": "symptom", "value": "sciatica"}],
    )
    messages, events = await _run(ActionNoDiagnosis(), tracker)
    texts = _texts(messages)
    assert "not a clinician" in texts[0]  # the disclaimer comes first
    assert "can't diagnose" in texts[1]
    assert "nerve" in texts[1]  # general information for nerve symptoms
    assert "/request_booking" in _payloads(messages)
    assert SlotSet("disclaimer_shown", True) in events
    assert not any("sciatica" in t.lower() and "you have" in t.lower() for t in texts)


async def test_no_diagnosis_names_the_body_part_and_skips_a_shown_disclaimer() -> None:
    tracker = _tracker(
        "what's wrong with my shoulder?",
        slots={"disclaimer_shown": True},
        entities=[{"entity": "body_part", "value": "shoulder"}],
    )
    messages, events = await _run(ActionNoDiagnosis(), tracker)
    assert len(messages) == 1
    assert "your shoulder" in messages[0]["text"]
    assert "nerve" not in messages[0]["text"]
    assert events == []


async def test_no_diagnosis_inside_a_form_leaves_the_buttons_to_the_form() -> None:
    tracker = _tracker("is this carpal tunnel?", slots={"disclaimer_shown": True},
                       active_loop="booking_form")
    messages, _ = await _run(ActionNoDiagnosis(), tracker)
    assert _payloads(messages) == []


async def test_no_diagnosis_also_offers_the_note_for_a_contraindication() -> None:
    tracker = _tracker("I'm pregnant, is this sciatica?", slots={"disclaimer_shown": True})
    messages, events = await _run(ActionNoDiagnosis(), tracker)
    assert "/consent_health_note" in _payloads(messages)
    assert SlotSet("contraindication_pending", "pregnancy") in events


# ---------------------------------------------------------------------------- contraindications


async def test_advice_then_offer_with_categories_only() -> None:
    text = "I'm 20 weeks pregnant and on warfarin, can I book FMM?"
    messages, events = await _run(
        ActionContraindicationAdvice(), _tracker(text, intent="mention_contraindication")
    )
    texts = _texts(messages)
    assert any("check with your doctor" in t for t in texts)
    assert any('"pregnancy; blood thinners"' in t for t in texts)
    assert not any("20 weeks" in t or "warfarin" in t for t in texts)
    assert _payloads(messages) == ["/consent_health_note", "/decline_health_note"]
    assert SlotSet("contraindication_pending", "pregnancy; blood thinners") in events
    # nothing is noted for the clinic before the visitor agrees
    assert all(e.get("name") != "contraindication_note" for e in events)


async def test_unknown_condition_gets_advice_but_no_note_offer() -> None:
    messages, events = await _run(
        ActionContraindicationAdvice(),
        _tracker("I have a heart condition", slots={"disclaimer_shown": True}),
    )
    assert len(messages) == 1 and "check with your doctor" in messages[0]["text"]
    assert _payloads(messages) == []
    assert events == [SlotSet("contraindication_pending", None)]


async def test_already_noted_categories_are_not_offered_again() -> None:
    tracker = _tracker("as I said, I'm pregnant",
                       slots={"disclaimer_shown": True, "contraindication_note": "pregnancy"})
    messages, events = await _run(ActionContraindicationAdvice(), tracker)
    assert _payloads(messages) == []
    assert events == []


async def test_consent_saves_the_pending_categories() -> None:
    tracker = _tracker("/consent_health_note", slots={
        "contraindication_pending": "blood thinners",
        "contraindication_note": "pregnancy",
    })
    messages, events = await _run(ActionSaveHealthNote(), tracker)
    assert events == [
        SlotSet("contraindication_note", "pregnancy; blood thinners"),
        SlotSet("contraindication_pending", None),
    ]
    assert '"pregnancy; blood thinners"' in messages[0]["text"]
    assert _payloads(messages) == ["/request_booking"]


async def test_consent_inside_the_booking_form_shows_no_booking_button() -> None:
    tracker = _tracker("/consent_health_note", active_loop="booking_form",
                       slots={"contraindication_pending": "pregnancy"})
    messages, events = await _run(ActionSaveHealthNote(), tracker)
    assert SlotSet("contraindication_note", "pregnancy") in events
    assert _payloads(messages) == []


async def test_consent_without_an_offer_saves_nothing() -> None:
    messages, events = await _run(ActionSaveHealthNote(), _tracker("/consent_health_note"))
    assert events == []
    assert "no note waiting" in messages[0]["text"]


async def test_decline_drops_the_offer() -> None:
    tracker = _tracker("no thanks", slots={"contraindication_pending": "pregnancy"})
    messages, events = await _run(ActionDeclineHealthNote(), tracker)
    assert events == [SlotSet("contraindication_pending", None)]
    assert "won't add a note" in messages[0]["text"]


# ---------------------------------------------------------------------------- messages file


def test_every_message_formats_with_its_placeholders() -> None:
    messages = load_safety_messages()
    for key in messages.texts:
        text = messages.text(key, categories="pregnancy", note="pregnancy", about=" it")
        assert text and "{" not in text, key


def test_a_missing_message_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yml"
    broken.write_text(
        MESSAGES_PATH.read_text(encoding="utf-8").replace("note_declined:", "note_gone:"),
        encoding="utf-8",
    )
    with pytest.raises(SafetyMessagesError, match="note_declined"):
        load_safety_messages(broken)


def test_invalid_yaml_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yml"
    broken.write_text("disclaimer: [unclosed\n", encoding="utf-8")
    with pytest.raises(SafetyMessagesError, match="not valid YAML"):
        load_safety_messages(broken)


async def test_offer_health_note_helper_for_other_actions() -> None:
    dispatcher = CollectingDispatcher()
    events = offer_health_note(dispatcher, _tracker(), "I'm pregnant and my back aches")
    assert events == [SlotSet("contraindication_pending", "pregnancy")]
    assert "/consent_health_note" in _payloads(dispatcher.messages)
    quiet = CollectingDispatcher()
    assert offer_health_note(quiet, _tracker(), "my back aches") == []
    assert offer_health_note(
        quiet, _tracker(slots={"contraindication_note": "pregnancy"}), "I'm pregnant"
    ) == []
    assert quiet.messages == []


# ---------------------------------------------------------------------------- 911 / 988 replies
# utter_emergency and utter_crisis are domain responses (domain/safety.yml), so they never
# depend on the action server; slot safety_language picks the Spanish variation.

ENGLISH_911 = (
    "This could be a medical emergency. Please call 911 now, or ask someone near you to "
    "call. Don't drive yourself, and don't wait for a massage appointment."
)
ENGLISH_988 = (
    "I'm so sorry you're going through this, and I'm glad you said it. Please call or "
    "text 988 (Suicide & Crisis Lifeline) now, or chat at 988lifeline.org. It's free and "
    "open day and night. If you're in immediate danger, call 911."
)


def _safety_domain():  # -> rasa.shared.core.domain.Domain
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain" / "safety.yml"))


def _reply(response: str, slots: Dict[str, Any]) -> str:
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    nlg = TemplatedNaturalLanguageGenerator(_safety_domain().responses)
    generated = nlg.generate_from_slots(response, slots, "rest")
    assert generated is not None
    return generated["text"]


@pytest.mark.parametrize("language", [None, "en"])
def test_the_english_replies_are_unchanged(language: Optional[str]) -> None:
    slots = {"safety_language": language}
    assert _reply("utter_emergency", slots) == ENGLISH_911
    assert _reply("utter_crisis", slots) == ENGLISH_988


def test_the_spanish_emergency_reply_says_911_first() -> None:
    text = _reply("utter_emergency", {"safety_language": "es"})
    assert text.startswith("Llame al 911")
    assert "emergencia médica" in text and "español" in text
    assert "appointment" not in text and "988" not in text


def test_the_spanish_crisis_reply_gives_988_in_spanish_and_911() -> None:
    text = _reply("utter_crisis", {"safety_language": "es"})
    assert "988" in text and "oprima 2" in text and "AYUDA" in text
    assert "988lineadevida.org" in text
    assert "Si está en peligro inmediato, llame al 911" in text
    assert text.index("988") < text.index("911")
    assert "Lifeline" not in text


@pytest.mark.parametrize("in_form", [False, True])
@pytest.mark.parametrize(
    "text, response, language, expected",
    [
        ("me duele el pecho y se me va al brazo izquierdo", "utter_emergency", "es",
         "Llame al 911"),
        ("quiero suicidarme", "utter_crisis", "es", "oprima 2"),
        ("I have chest pain and my left arm hurts", "utter_emergency", "en", ENGLISH_911),
        ("I want to end my life", "utter_crisis", "en", ENGLISH_988),
    ],
)
async def test_the_reply_follows_the_language_of_the_message(
    text: str, response: str, language: str, expected: str, in_form: bool
) -> None:
    """SafetyGate -> slot safety_language (Rasa's slot extraction) -> the response variation."""
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.training_data.message import Message

    from clinic.nlu.safety_gate import SafetyGate

    message = Message(data={"text": text})
    message.set("intent", {"name": "greet", "confidence": 0.9})
    SafetyGate.create(SafetyGate.get_default_config(), None, None, None).process([message])
    parsed = message.as_dict_nlu()
    assert parsed["intent"]["name"] == response.replace("utter_", "")

    domain = _safety_domain()
    # an earlier emergency in the other language must not decide this reply
    before = [SlotSet("safety_language", "en" if language == "es" else "es")]
    if in_form:
        before += [ActiveLoop("booking_form"), SlotSet("requested_slot", "booking_name")]
    tracker = DialogueStateTracker.from_events(
        "test-sender",
        before + [UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
        domain.slots,
    )
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    for event in await ActionExtractSlots(None).run(  # type: ignore[arg-type]
        CollectingOutputChannel(), nlg, tracker, domain
    ):
        tracker.update(event)
    assert tracker.get_slot("safety_language") == language
    generated = await nlg.generate(response, tracker, "rest")
    assert generated is not None
    assert expected in generated["text"]
    assert ("911" if response == "utter_emergency" else "988") in generated["text"]
