"""The last English-only replies of a Spanish conversation, now Spanish (issue 21 part 4):
the callback request's start, "cancel" with nothing open and a booking opened by the reply
guard, /restart, /back and /session_start, the health replies with the note offer and its
consent buttons, and the one contact sentence. Actions run on trackers built in code; an
English (or not yet known) conversation is checked to be unchanged alongside."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clinic_info
from actions.booking import messages as m
from actions.clinic_info import clinic_config, contact_sentence
from actions.contact import ActionCallbackStart
from actions.conversation import ActionReplyGuard
from actions.safety import (
    ActionContraindicationAdvice,
    ActionDeclineHealthNote,
    ActionNoDiagnosis,
    ActionSaveHealthNote,
    disclaimer_events,
    offer_health_note,
    safety_messages,
    spanish_health_texts,
)
from actions.session import RESTARTED, WENT_BACK, ActionBack, ActionRestart, ActionSessionStart
from actions.short_replies import (
    NO_THANKS_BUTTON,
    NO_THANKS_BUTTON_ES,
    START_BOOKING_BUTTON,
    START_BOOKING_BUTTON_ES,
)
from clinic.config import ClinicConfig
from clinic.language.messages import MESSAGES_PATH, language_messages
from clinic.safety.contraindications import CATEGORIES
from clinic.safety.messages import MESSAGES_PATH as SAFETY_MESSAGES_PATH

VOCABULARY = Path(__file__).resolve().parents[2] / "data" / "nlu" / "vocabulary.yml"
NOTE = language_messages().note.text  # "Todavía no tengo esta respuesta en español…"
ES = m.texts_for("es")
ENGLISH_WORDS = (" the ", " you ", " your ", "thanks", " please ", "booking")


def tracker(
    text: str = "",
    intent: str = "nlu_fallback",
    language: Optional[str] = "es",
    slots: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    earlier: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": entities or [],
    }
    events = list(earlier or []) + [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(
        "s",
        {**(slots or {}), "language": language},
        latest,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


async def run(action: Any, t: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [message.get("text") or "" for message in messages]


def titles(message: Dict[str, Any]) -> List[str]:
    return [b["title"] for b in message.get("buttons") or []]


def payloads(message: Dict[str, Any]) -> List[str]:
    return [b["payload"] for b in message.get("buttons") or []]


def no_english(text: str) -> bool:
    padded = f" {text.lower()} "
    return not [word for word in ENGLISH_WORDS if word in padded]


def bot(text: str, buttons: List[Dict[str, str]]) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons}}


SPANISH_CONTACT = contact_sentence(clinic_config(), "es")

# ----------------------------------------------------------------------- 1. callback request


async def test_the_callback_request_opens_in_spanish() -> None:
    said, events = await run(ActionCallbackStart(), tracker("pedir que me llamen",
                                                            "request_callback"))
    assert texts(said) == [ES.callback_start]
    assert SlotSet(m.KIND, m.CALLBACK) in events
    for language in (None, "en"):
        said, _ = await run(ActionCallbackStart(), tracker("call me back", "request_callback",
                                                           language=language))
        assert texts(said) == [m.CALLBACK_START]


# ------------------------------------------------------------ 2. reply guard: cancel, booking


async def test_cancel_with_nothing_open_is_spanish_without_the_note() -> None:
    said, _ = await run(ActionReplyGuard(), tracker("cancelar", "cancel_booking"))
    assert texts(said) == [ES.nothing_to_cancel.format(contact=SPANISH_CONTACT)]
    assert NOTE not in texts(said)
    assert said[0]["buttons"] == [ES.book_button]
    said, _ = await run(ActionReplyGuard(), tracker("cancel", "cancel_booking", language=None))
    assert texts(said) == [m.NOTHING_TO_CANCEL.format(contact=clinic_config().contact_sentence())]
    assert said[0]["buttons"] == [m.BOOK_BUTTON]


async def test_yes_to_a_booking_offer_opens_the_spanish_form_without_the_note() -> None:
    offer = [bot("¿Empiezo una?", [START_BOOKING_BUTTON_ES, NO_THANKS_BUTTON_ES])]
    said, events = await run(ActionReplyGuard(), tracker("sí", "affirm", earlier=offer))
    assert texts(said) == [ES.start]
    assert {"event": "followup", "name": "booking_form", "timestamp": None} in events
    english_offer = [bot("Shall I start one?", [START_BOOKING_BUTTON, NO_THANKS_BUTTON])]
    said, _ = await run(ActionReplyGuard(),
                        tracker("yes", "affirm", language=None, earlier=english_offer))
    assert texts(said) == [m.START]


# --------------------------------------------------------------------- 3. restart, back


async def test_restart_and_back_answer_in_spanish_and_restart_keeps_the_language() -> None:
    said, events = await run(ActionRestart(), tracker("/restart", "restart"))
    assert said[0]["text"].startswith("De acuerdo, empecemos de nuevo. ¿Qué le gustaría saber?")
    assert titles(said[0]) == ["¿Qué es NMT?", "¿Qué es FMM?", "¿NMT o FMM?", "Pedir una cita"]
    assert events[0] == {"event": "restart", "timestamp": None}
    assert SlotSet("language", "es") in events[1:]
    said, events = await run(ActionBack(), tracker("/back", "back"))
    assert said[0]["text"].startswith("De acuerdo, he vuelto un paso atrás. ¿Qué le gustaría")
    assert [e["event"] for e in events] == ["rewind", "rewind"]


async def test_a_typed_session_start_answers_in_spanish() -> None:
    said, _ = await run(ActionSessionStart(), tracker("/session_start", "session_start"))
    assert said[0]["text"].startswith("De acuerdo, empecemos de nuevo.")
    assert NOTE not in texts(said)


@pytest.mark.parametrize("language", [None, "en"])
async def test_restart_and_back_are_unchanged_in_english(language: Optional[str]) -> None:
    said, events = await run(ActionRestart(), tracker("/restart", "restart", language=language))
    assert said[0]["text"].startswith(RESTARTED + " What would you like to know?")
    assert titles(said[0])[-1] == "Book a session"
    kept = [SlotSet("language", language)] if language else []
    assert events == [{"event": "restart", "timestamp": None}, *kept]
    said, _ = await run(ActionBack(), tracker("/back", "back", language=language))
    assert said[0]["text"].startswith(WENT_BACK + " What would you like to know?")


def test_the_session_texts_are_new_keys_of_the_language_messages() -> None:
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    assert set(data["session"]) == {"restarted", "went_back"}
    assert language_messages().note.text == NOTE  # the existing messages still load


# ------------------------------------------------------------------ 4. health replies


async def test_the_note_offer_and_its_consent_buttons_in_spanish() -> None:
    t = tracker("estoy embarazada y tomo warfarin", "mention_contraindication")
    said, events = await run(ActionContraindicationAdvice(), t)
    disclaimer, advice, offer = texts(said)
    assert disclaimer.startswith("Una aclaración: soy un asistente virtual")
    # both found since the detector reads Spanish too (clinic/safety/contraindications.py)
    assert "(embarazo y anticoagulantes)" in advice and "consulte con su médico" in advice
    assert '"embarazo; anticoagulantes"' in offer or (
        '"anticoagulantes"' in offer and "embarazo" in offer)
    assert '"pregnancy; blood thinners"' in offer
    assert offer.endswith("¿La añado?")
    assert titles(said[2]) == ["Sí, añada la nota", "No, gracias"]
    english_said, english_events = await run(
        ActionContraindicationAdvice(),
        tracker("I'm on warfarin", "mention_contraindication", language=None))
    assert payloads(said[2]) == payloads(english_said[2])  # same payloads in both languages
    # the clinic's note is the same, in English category names
    assert SlotSet("contraindication_pending", "pregnancy; blood thinners") in events
    assert SlotSet("contraindication_pending", "blood thinners") in english_events
    assert all(no_english(text) for text in (disclaimer, advice))


async def test_consent_decline_and_nothing_pending_in_spanish() -> None:
    pending = {"contraindication_pending": "pregnancy; blood thinners",
               "contraindication_note": None}
    said, events = await run(ActionSaveHealthNote(),
                             tracker("sí, añada la nota", "consent_health_note", slots=pending))
    assert said[0]["text"] == ('Listo. Su solicitud de cita incluirá la nota "embarazo; '
                               'anticoagulantes" para la clínica (en inglés: "pregnancy; '
                               'blood thinners").')
    assert said[0]["buttons"] == [{"title": "Pedir una cita", "payload": "/request_booking"}]
    assert SlotSet("contraindication_note", "pregnancy; blood thinners") in events
    said, _ = await run(ActionDeclineHealthNote(), tracker("no, gracias", "decline_health_note"))
    assert said[0]["text"].startswith("De acuerdo, no añadiré ninguna nota.")
    said, _ = await run(ActionSaveHealthNote(), tracker("sí", "consent_health_note"))
    assert said[0]["text"].startswith("No hay ninguna nota pendiente de añadir.")


async def test_no_diagnosis_in_spanish_names_the_body_part_in_spanish() -> None:
    t = tracker("¿tengo ciática en el hombro?", "ask_diagnosis",
                entities=[{"entity": "body_part", "value": "shoulder"},
                          {"entity": "symptom", "value": "sciatica"}])
    said, _ = await run(ActionNoDiagnosis(), t)
    answer = said[1]["text"]
    assert answer.startswith("No puedo diagnosticar lo que le pasa en el hombro, y prefiero")
    assert "comprimir un nervio" in answer  # the Spanish general information
    assert titles(said[1]) == ["Pedir una cita", "¿Qué es NMT?", "¿Qué es FMM?"]
    said, _ = await run(ActionNoDiagnosis(), tracker("¿qué tengo?", "ask_diagnosis",
                                                     slots={"disclaimer_shown": True}))
    assert texts(said)[0].startswith("No puedo diagnosticar lo que le pasa, y prefiero")
    # an unknown body part is not named (nor echoed in English)
    said, _ = await run(ActionNoDiagnosis(), tracker(
        "¿y esto?", "ask_diagnosis", slots={"disclaimer_shown": True},
        entities=[{"entity": "body_part", "value": "earlobe"}]))
    assert "earlobe" not in texts(said)[0]


async def test_the_health_replies_are_unchanged_in_english() -> None:
    t = tracker("what's wrong with my shoulder?", "ask_diagnosis", language="en",
                slots={"disclaimer_shown": True},
                entities=[{"entity": "body_part", "value": "shoulder"}])
    said, _ = await run(ActionNoDiagnosis(), t)
    english = safety_messages()
    assert said[0]["text"] == english.text("no_diagnosis",
                                           about=" what's going on with your shoulder")
    text, _ = disclaimer_events(tracker(language=None))
    assert text == english.text("disclaimer")
    dispatcher = CollectingDispatcher()
    offer_health_note(dispatcher, tracker(language=None), "I'm pregnant")
    assert dispatcher.messages[1]["text"] == english.text("note_offer", note="pregnancy")
    assert titles(dispatcher.messages[1]) == ["Yes, add the note", "No, thanks"]


async def test_the_booking_forms_health_offer_follows_the_conversation() -> None:
    dispatcher = CollectingDispatcher()
    events = offer_health_note(dispatcher, tracker(), "tomo warfarin y me duele la espalda")
    assert events == [SlotSet("contraindication_pending", "blood thinners")]
    assert titles(dispatcher.messages[1]) == ["Sí, añada la nota", "No, gracias"]


def test_every_spanish_health_message_exists_and_formats() -> None:
    spanish = spanish_health_texts()
    english = safety_messages()
    assert set(spanish.messages.texts) == set(english.texts)
    assert set(spanish.messages.buttons) == set(english.buttons)
    assert set(CATEGORIES) <= set(spanish.categories)
    values = {"categories": "embarazo", "note": "embarazo", "note_en": "pregnancy",
              "about": " lo que le pasa"}
    for key in english.texts:
        text = spanish.text(key, **values)
        assert "{" not in text and text.strip(), key
        assert no_english(text), key
        assert " tú " not in f" {text.lower()} " and "puedes" not in text, key
    assert spanish.describe(("pregnancy", "blood thinners", "blood clot")) == (
        "embarazo, anticoagulantes y coágulo de sangre")
    assert spanish.describe(()) == "su problema de salud"
    # every body part value the NLU gives (a lookup value no synonym maps away) has its
    # Spanish name
    vocabulary = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))["nlu"]

    def examples(item: Dict[str, Any]) -> set:
        return {line.strip("- ").strip() for line in item["examples"].splitlines()
                if line.strip()}

    mapped_away = set().union(*(examples(i) for i in vocabulary if "synonym" in i))
    parts = set().union(*(examples(i) for i in vocabulary if i.get("lookup") == "body_part"))
    assert parts - mapped_away == set(spanish.body_parts)
    # the 911 / 988 replies stay in domain/safety.yml (slot safety_language)
    data = yaml.safe_load(SAFETY_MESSAGES_PATH.read_text(encoding="utf-8"))
    assert "988" not in str(data["es"])


# --------------------------------------------------------------- 5. one contact sentence


@pytest.mark.parametrize(
    "details",
    [
        {"phone": "(310) 555-0100", "email": "desk@x.example", "address": "1 Main St"},
        {"phone": "(310) 555-0100", "email": "PLACEHOLDER", "address": "PLACEHOLDER"},
        {"phone": "PLACEHOLDER: phone", "email": "", "address": "PLACEHOLDER"},
    ],
)
def test_one_contact_sentence_for_the_form_the_faqs_and_the_other_replies(
    details: Dict[str, str],
) -> None:
    from actions.faq import spanish_for

    config = ClinicConfig(raw={"clinic": details})
    assert m.contact_sentence is clinic_info.contact_sentence
    spanish = contact_sentence(config, "es")
    assert spanish == spanish_for(config).values["clinic_contact"]
    assert "PLACEHOLDER" not in spanish
    assert contact_sentence(config, None) == config.contact_sentence()


def test_the_clinic_info_module_does_not_import_the_booking_package() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(clinic_info))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name and name.startswith("actions.booking")]
