"""The booking form in Spanish (issue 21 part 4).

Spanish answers are parsed (times, yes/no, names, therapies, skipping, which detail to
change); a Spanish conversation (slot ``language`` = "es") is asked, corrected, summarised
and answered in Spanish, on trackers built in code as rasa-sdk's own tests do; the same
actions in an English conversation (or one whose language is not known) say exactly what
they said before. The conversation's language is stored with the request.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import sqlalchemy as sa
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.booking.form import (
    ActionAskBookingConcern,
    ActionAskBookingConfirmed,
    ActionAskBookingConsent,
    ActionAskBookingContact,
    ActionAskBookingName,
    ActionAskBookingTherapy,
    ActionAskBookingTimes,
    ActionBookingStart,
    ActionCancelBooking,
    ActionChangeBookingField,
    ValidateBookingForm,
    field_to_change,
    is_interruption,
)
from actions.booking.parsing import (
    UNDECIDED,
    UNSURE,
    BookingInputError,
    PreferredTimes,
    is_skip,
    looks_like_question,
    parse_concern,
    parse_contact,
    parse_name,
    parse_preferred_times,
    parse_therapy,
    parse_yes_no,
    prefers_contact_channel,
)
from actions.booking.store import BookingRequest, BookingStore
from actions.booking.submit import ActionSubmitBooking, request_from_slots
from clinic.config import ClinicConfig
from tests import booking_trackers as shared

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain" / "booking.yml").read_text())
WEDNESDAY = date(2025, 3, 5)
ES = m.SPANISH_TEXTS
EN = m.ENGLISH_TEXTS
CONTACT = {"phone": "+13105550134", "email": "ana@example.com"}
SPANISH_CONTACT = "Puede llamar al (310) 555-0100 o escribir a desk@x.example."
FILLED: Dict[str, Any] = {
    m.NAME: "Ana Ruiz",
    m.CONTACT: CONTACT,
    m.THERAPY: "FMM",
    m.TIMES: "el sábado en la mañana",
    m.TIMES_PARSED: parse_preferred_times("el sábado en la mañana", WEDNESDAY, "es").as_dict(),
    m.CONCERN: "tensión en el cuello",
    m.CONSENT: True,
}


def clinic() -> ClinicConfig:
    return ClinicConfig(
        raw={
            "clinic": {
                "name": "Test Studio",
                "phone": "(310) 555-0100",
                "email": "desk@x.example",
                "address": "PLACEHOLDER",
            },
            "booking": {"scheduler_url_template": ""},
        }
    )


@pytest.fixture(autouse=True)
def test_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clinic with a phone and an e-mail address, and a fixed "today"."""
    monkeypatch.setattr("actions.booking.form.clinic_config", clinic)
    monkeypatch.setattr("actions.booking.submit.clinic_config", clinic)
    monkeypatch.setattr("actions.booking.form.clinic_today", lambda *_: WEDNESDAY)


# =========================================================================== parsing


@pytest.mark.parametrize(
    "text, days, parts, on, flexible",
    [
        ("el sábado en la mañana", ["saturday"], ["morning"], "2025-03-08", False),
        ("el sabado en la manana", ["saturday"], ["morning"], "2025-03-08", False),
        ("martes por la tarde", ["tuesday"], ["afternoon"], "2025-03-11", False),
        ("mañana", ["thursday"], [], "2025-03-06", False),
        ("manana", ["thursday"], [], "2025-03-06", False),
        ("mañana en la mañana", ["thursday"], ["morning"], "2025-03-06", False),
        ("mañana por la tarde", ["thursday"], ["afternoon"], "2025-03-06", False),
        ("pasado mañana", ["friday"], [], "2025-03-07", False),
        ("hoy en la noche", ["wednesday"], ["evening"], "2025-03-05", False),
        ("esta tarde", ["wednesday"], ["afternoon"], "2025-03-05", False),
        ("cualquier día", [], [], None, True),
        ("cuando sea", [], [], None, True),
        ("lo antes posible", [], [], None, True),
        ("las mañanas", [], ["morning"], None, False),
        ("los martes por la tarde", ["tuesday"], ["afternoon"], None, False),  # recurring
        ("sábados", ["saturday"], [], None, False),
        ("miércoles o viernes", ["wednesday", "friday"], [], None, False),
        ("el martes que viene en la mañana", ["tuesday"], ["morning"], "2025-03-11", False),
        ("el próximo jueves a mediodía", ["thursday"], ["midday"], "2025-03-06", False),
        ("temprano antes de ir a trabajar", [], ["morning"], None, False),
        ("14 de marzo", ["friday"], [], "2025-03-14", False),
    ],
)
def test_spanish_preferred_times(
    text: str, days: List[str], parts: List[str], on: Optional[str], flexible: bool
) -> None:
    times = parse_preferred_times(text, WEDNESDAY, "es")
    assert (times.days, times.part_of_day, times.date, times.flexible) == (
        days,
        parts,
        on,
        flexible,
    )
    assert times.raw == text  # the visitor's own words are kept


@pytest.mark.parametrize(
    "text, days, parts",
    [
        ("entre semana después del trabajo", ["monday", "tuesday", "wednesday", "thursday",
                                              "friday"], ["evening"]),
        ("de lunes a viernes por las mañanas", ["monday", "tuesday", "wednesday", "thursday",
                                                "friday"], ["morning"]),
        ("los fines de semana", ["saturday", "sunday"], []),
        ("el jueves o viernes después de las 5", ["thursday", "friday"], ["evening"]),
    ],
)
def test_spanish_recurring_days(text: str, days: List[str], parts: List[str]) -> None:
    times = parse_preferred_times(text, WEDNESDAY, "es")
    assert (times.days, times.part_of_day, times.date) == (days, parts, None)


@pytest.mark.parametrize(
    "text, clock, part",
    [
        ("mañana a las 4", "16:00", "afternoon"),  # 1-7 without "de la mañana": afternoon
        ("a las 10 y media de la mañana", "10:30", "morning"),
        ("a las 5 de la tarde", "17:00", "evening"),
        ("a la 1", "13:00", "afternoon"),
        ("a las 17:30", "17:30", "evening"),
        ("el lunes a las 9", "09:00", "morning"),
        ("como a las 6", "18:00", "evening"),
    ],
)
def test_spanish_clock_times(text: str, clock: str, part: str) -> None:
    times = parse_preferred_times(text, WEDNESDAY, "es")
    assert times.times == [clock] and times.part_of_day == [part]


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("la próxima semana", "2025-03-10", "2025-03-16"),
        ("la semana que viene", "2025-03-10", "2025-03-16"),
        ("esta semana", "2025-03-05", "2025-03-09"),
        ("este fin de semana", "2025-03-08", "2025-03-09"),
    ],
)
def test_spanish_weeks(text: str, start: str, end: str) -> None:
    times = parse_preferred_times(text, WEDNESDAY, "es")
    assert (times.date_from, times.date_to) == (start, end)


@pytest.mark.parametrize("text", ["ayer", "anoche", "el lunes pasado", "la semana pasada"])
def test_spanish_past_times_are_refused(text: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_preferred_times(text, WEDNESDAY, "es")
    assert error.value.code == "past"


@pytest.mark.parametrize("text", ["más tarde", "no sé", "cuando pueda mi esposo"])
def test_spanish_words_without_a_time_are_not_guessed(text: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_preferred_times(text, WEDNESDAY, "es")
    assert error.value.code == "unrecognised"


def test_a_slashed_date_is_day_first_only_in_spanish() -> None:
    assert parse_preferred_times("3/14", WEDNESDAY).date == "2025-03-14"
    assert parse_preferred_times("14/3", WEDNESDAY, "es").date == "2025-03-14"
    # 4 March has just passed: next year's
    assert parse_preferred_times("4/3", WEDNESDAY, "es").date == "2026-03-04"
    assert parse_preferred_times("4/3", WEDNESDAY).date == "2025-04-03"


def test_english_times_read_as_before() -> None:
    times = parse_preferred_times("next tuesday afternoon", WEDNESDAY)
    assert (times.days, times.part_of_day, times.date) == (["tuesday"], ["afternoon"], "2025-03-11")
    assert parse_preferred_times("weekday evenings", WEDNESDAY).describe() == "weekdays; evening"
    # "Los Angeles" and other Spanish-looking English words change nothing
    assert parse_preferred_times("mornings in Los Angeles", WEDNESDAY).part_of_day == ["morning"]


def test_what_was_understood_is_described_in_spanish() -> None:
    times = parse_preferred_times("el sábado en la mañana", WEDNESDAY, "es")
    assert times.describe("es") == "sáb 2025-03-08; por la mañana"
    assert times.describe() == "Sat 2025-03-08; morning"
    weekdays = PreferredTimes(raw="x", days=["monday", "tuesday", "wednesday", "thursday",
                                             "friday"], part_of_day=["evening"])
    assert weekdays.describe("es") == "entre semana; por la noche"
    assert PreferredTimes(raw="x", flexible=True).describe("es") == "flexible"
    week = parse_preferred_times("la próxima semana", WEDNESDAY, "es")
    assert week.describe("es") == "entre el 2025-03-10 y el 2025-03-16"


@pytest.mark.parametrize(
    "text",
    ["sí", "si", "Sí, por favor", "si, claro", "claro", "claro que sí", "por supuesto",
     "de acuerdo", "está bien", "esta bien", "vale", "perfecto", "sí, pueden llamarme",
     "¡Sí!", "si pueden contactarme", "correcto", "adelante"],
)
def test_spanish_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["no", "No, gracias", "no gracias", "para nada", "prefiero que no", "mejor no",
     "no me llamen, por favor", "nel", "todavía no"],
)
def test_spanish_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    ["si es posible por la tarde", "Dale Cooper", "Si Robertson", "Sale", "no-show"],
)
def test_if_and_english_names_are_not_a_yes_or_no(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    "text, phone, email",
    [
        ("mi correo es ana@example.com y mi cel 213-555-0162", "+12135550162", "ana@example.com"),
        ("escríbame a Ana.Ruiz@Example.COM", None, "Ana.Ruiz@example.com"),
        ("llámeme al (213) 555 0162 extensión 4", "+12135550162", None),
        ("mi teléfono es 213.555.0162", "+12135550162", None),
    ],
)
def test_spanish_contact_answers(text: str, phone: Optional[str], email: Optional[str]) -> None:
    contact = parse_contact(text)
    assert (contact.phone, contact.email) == (phone, email)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("por correo, por favor", True),
        ("mejor por teléfono", True),
        ("solo por mensaje de texto", True),
        ("Sí, por WhatsApp", True),
        ("por la tarde", False),
        ("por favor", False),
    ],
)
def test_spanish_contact_preferences(text: str, expected: bool) -> None:
    assert prefers_contact_channel(text) is expected


@pytest.mark.parametrize(
    "text, name",
    [
        ("Me llamo Ana Ruiz", "Ana Ruiz"),
        ("me llamo ana ruiz", "ana ruiz"),
        ("Soy María de los Ángeles", "María de los Ángeles"),
        ("mi nombre es José del Río", "José del Río"),
        ("Hola, soy Lucía", "Lucía"),
        ("a nombre de Carmen Pérez", "Carmen Pérez"),
        ("Póngalo a nombre de Luis Ortega", "Luis Ortega"),
        ("María José Núñez", "María José Núñez"),
        ("Luz Paz", "Luz Paz"),
        ("Dolores Huerta", "Dolores Huerta"),
        # English names that are Spanish words or look like them stay names
        ("Dale Cooper", "Dale Cooper"),
        ("Le Nguyen", "Le Nguyen"),
        ("Mi Kim", "Mi Kim"),
    ],
)
def test_spanish_names(text: str, name: str) -> None:
    assert parse_name(text) == name


@pytest.mark.parametrize(
    "text, code",
    [
        ("Quiero una cita", "not_a_name"),
        ("prefiero no decirlo", "not_a_name"),
        ("sí", "yes_no"),
        ("claro que sí", "yes_no"),
        ("¿qué es FMM?", "question"),
        ("qué es la FMM", "question"),
        ("me duele la espalda", "not_a_name"),
    ],
)
def test_spanish_sentences_are_not_names(text: str, code: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_name(text)
    assert error.value.code == code


@pytest.mark.parametrize(
    "text, expected",
    [
        ("terapia neuromuscular", "NMT"),
        ("la neuromuscular, por favor", "NMT"),
        ("puntos gatillo", "NMT"),
        ("manipulación muscular funcional", "FMM"),
        ("manipulacion muscular funcional", "FMM"),
        ("la funcional", "FMM"),
        ("FMM por favor", "FMM"),
        ("no sé", UNSURE),
        ("no se", UNSURE),
        ("no estoy seguro", UNSURE),
        ("no estoy segura", UNSURE),
        ("¿cuál me recomienda?", UNSURE),
        ("ayúdeme a elegir", UNSURE),
        ("¿cuál es la diferencia?", UNSURE),
        ("que decida el terapeuta", UNDECIDED),
        ("lo que recomiende la terapeuta", UNDECIDED),
        ("me da igual", UNDECIDED),
        ("cualquiera de las dos", UNDECIDED),
    ],
)
def test_spanish_therapy_answers(text: str, expected: str) -> None:
    assert parse_therapy(text) == expected


@pytest.mark.parametrize(
    "text",
    ["omitir", "Omitir", "saltar", "prefiero no decirlo", "nada", "no, gracias",
     "nada en particular", "sin comentarios"],
)
def test_spanish_skips_of_the_optional_concern(text: str) -> None:
    assert is_skip(text) and parse_concern(text) == ""


def test_a_spanish_concern_is_kept_as_written() -> None:
    text = "Me duele la espalda baja desde hace meses"
    assert not is_skip(text) and parse_concern(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¿qué es FMM?", True),
        ("qué es la NMT", True),
        ("que es nmt", True),
        ("Cuánto cuesta", True),
        ("cuando sea", False),  # whenever: an answer
        ("como a las 5", False),  # around five: an answer
        ("pueden llamarme por la tarde", False),
        ("me duele la espalda", False),
    ],
)
def test_spanish_questions(text: str, expected: bool) -> None:
    assert looks_like_question(text) is expected


@pytest.mark.parametrize(
    "text, field",
    [
        ("quiero cambiar el teléfono", "contact"),
        ("me equivoqué en el correo", "contact"),
        ("la hora está mal", "times"),
        ("necesito otro día", "times"),
        ("quiero cambiar la terapia", "therapy"),
        ("el nombre está mal", "name"),
        ("cambia mi apellido porfa", "name"),
        ("quiero editar el motivo de mi consulta", "concern"),
    ],
)
def test_which_detail_to_change_in_spanish(text: str, field: str) -> None:
    assert field_to_change(None, text) == field


# =========================================================================== texts


def test_every_english_text_has_a_spanish_one_with_the_same_payloads() -> None:
    assert ES.ask.keys() == EN.ask.keys()
    assert ES.ask_callback.keys() == EN.ask_callback.keys()
    assert ES.labels.keys() == EN.labels.keys()
    assert ES.change_titles.keys() == EN.change_titles.keys()
    assert ES.therapy_labels.keys() == EN.therapy_labels.keys()
    for slot, codes in EN.errors.items():
        assert ES.errors[slot].keys() == codes.keys(), slot
    for name in ("therapy_buttons", "therapy_buttons_after_help", "concern_buttons",
                 "consent_buttons"):
        english, spanish = getattr(EN, name), getattr(ES, name)
        assert [b["payload"] for b in spanish] == [b["payload"] for b in english], name
    assert ES.retry_button["payload"] == EN.retry_button["payload"]
    assert ES.book_button["payload"] == EN.book_button["payload"]
    for english, spanish in zip(
        m.change_buttons(callback=False), m.change_buttons(callback=False, language="es")
    ):
        assert english["payload"] == spanish["payload"]
    # the placeholders the actions fill in are there in both languages
    assert "{therapy}" in ES.start_with_therapy and "{contact}" in ES.ask[m.CONSENT]
    assert "{name}" in ES.received and "{name}" in ES.received_callback
    for text in (ES.call_offer, ES.nothing_to_cancel, ES.store_failed):
        assert "{contact}" in text


def _spanish_strings() -> List[str]:
    strings = [ES.start, ES.callback_start, ES.therapy_comparison, ES.therapy_still_unsure,
               ES.skip_offer, ES.call_offer, ES.already_booking, ES.summary_intro,
               ES.callback_summary_intro, ES.which_field, ES.cancelled, ES.nothing_to_cancel,
               ES.nothing_to_submit, ES.received, ES.received_callback, ES.scheduler_offer,
               ES.store_failed]
    strings += list(ES.ask.values()) + list(ES.ask_callback.values())
    strings += [text for codes in ES.errors.values() for text in codes.values()]
    return strings


def test_the_spanish_texts_read_as_spanish_to_the_language_detector() -> None:
    from clinic.language.detect import detect_language

    strings = _spanish_strings()
    codes = [detect_language(t.format(therapy="FMM", contact="", name="Ana")).code for t in strings]
    assert "en" not in codes, [t for t, c in zip(strings, codes) if c == "en"]
    # a very short line may be of no clear language ('Si prefiere no contestar, ...')
    assert codes.count("es") >= 0.95 * len(codes)


def test_the_spanish_texts_use_usted() -> None:
    tu_forms = (" tú ", " tu ", " te ", "puedes", "quieres", "escribe ", "dime", "tienes")
    for text in _spanish_strings():
        padded = f" {text.lower()} "
        assert not [word for word in tu_forms if word in padded], text


def test_the_spanish_summary() -> None:
    text = m.summary_text(FILLED, "es")
    assert text.splitlines() == [
        ES.summary_intro,
        "- Nombre: Ana Ruiz",
        "- Contacto: +13105550134 y ana@example.com",
        "- Terapia: Manipulación muscular funcional (FMM)",
        "- Días y horarios: el sábado en la mañana (sáb 2025-03-08; por la mañana)",
        "- Motivo principal: tensión en el cuello",
    ]
    skipped = m.summary_text({**FILLED, m.CONCERN: "", m.THERAPY: UNDECIDED}, "es")
    assert "- Motivo principal: (omitido)" in skipped
    assert "Aún sin decidir (el terapeuta le aconsejará)" in skipped
    callback = m.summary_text({**FILLED, m.KIND: m.CALLBACK}, "es").splitlines()
    assert callback[0] == ES.callback_summary_intro and callback[-1].startswith("- Buen momento:")


def test_the_english_summary_is_unchanged() -> None:
    slots = {**FILLED, m.TIMES: "weekday evenings",
             m.TIMES_PARSED: parse_preferred_times("weekday evenings", WEDNESDAY).as_dict()}
    for language in (None, "en"):
        assert m.summary_text(slots, language).splitlines() == [
            m.SUMMARY_INTRO,
            "- Name: Ana Ruiz",
            "- Contact: +13105550134 and ana@example.com",
            "- Therapy: Functional Muscle Manipulation (FMM)",
            "- Preferred times: weekday evenings (weekdays; evening)",
            "- Main concern: tensión en el cuello",
        ]
    assert [b["title"] for b in m.change_buttons()] == [
        "Confirm", "Change name", "Change contact", "Change therapy", "Change times",
        "Change concern",
    ]


def test_the_clinic_contact_sentence_in_spanish() -> None:
    assert m.contact_sentence(clinic(), "es") == (
        "Puede llamar al (310) 555-0100 o escribir a desk@x.example."
    )
    assert m.contact_sentence(clinic(), None) == clinic().contact_sentence()
    empty = ClinicConfig(raw={"clinic": {"phone": "PLACEHOLDER", "email": ""}})
    assert "todavía no están disponibles" in m.contact_sentence(empty, "es")


# =========================================================================== actions


def form_tracker(requested: Optional[str], text: str, intent: Optional[str],
                 language: Optional[str], slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """The form's tracker after a visitor's answer, in a conversation of ``language``."""
    return shared.form_tracker(requested, text, intent, slots=slots, language=language,
                               sender_id="visitor-es")


def plain_tracker(slots: Dict[str, Any], language: Optional[str], text: str = "",
                  intent: str = "request_booking", active_loop: Optional[str] = None
                  ) -> Tracker:
    """A tracker right after a visitor's message, in a conversation of ``language``."""
    return shared.plain_tracker(slots, text, intent, active_loop=active_loop,
                                language=language, sender_id="visitor-es")


async def validate(
    requested: str,
    text: str,
    intent: Optional[str] = "nlu_fallback",
    language: Optional[str] = "es",
    slots: Optional[Dict[str, Any]] = None,
) -> Tuple[Dict[str, Any], List[str], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(requested, text, intent, language, slots)
    events = await ValidateBookingForm().run(dispatcher, tracker, DOMAIN)
    values = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return values, [msg.get("text") or "" for msg in dispatcher.messages], events


async def said_by(action: Any, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def titles(message: Dict[str, Any]) -> List[str]:
    return [b["title"] for b in message.get("buttons") or []]


# --------------------------------------------------------------------------- asking


@pytest.mark.parametrize(
    "action, slot",
    [
        (ActionAskBookingName(), m.NAME),
        (ActionAskBookingContact(), m.CONTACT),
        (ActionAskBookingTherapy(), m.THERAPY),
        (ActionAskBookingTimes(), m.TIMES),
        (ActionAskBookingConcern(), m.CONCERN),
    ],
)
async def test_a_spanish_conversation_gets_spanish_questions(action: Any, slot: str) -> None:
    [message], _ = await said_by(action, plain_tracker({}, "es"))
    assert message["text"] == ES.ask[slot]
    [english], _ = await said_by(action, plain_tracker({}, "en"))
    [unknown], _ = await said_by(action, plain_tracker({}, None))
    assert english["text"] == unknown["text"] == m.ASK[slot]


async def test_spanish_buttons_keep_their_payloads() -> None:
    [message], _ = await said_by(ActionAskBookingTherapy(), plain_tracker({}, "es"))
    assert titles(message) == ["NMT", "FMM", "No sé, ayúdeme a elegir"]
    assert [b["payload"] for b in message["buttons"]] == [b["payload"] for b in m.THERAPY_BUTTONS]
    helped = plain_tracker({m.STATE: {"therapy_help_shown": True}}, "es")
    [message], _ = await said_by(ActionAskBookingTherapy(), helped)
    assert titles(message)[-1] == "Que me aconseje el terapeuta"
    assert message["buttons"][-1]["payload"] == "let the therapist advise"
    [message], _ = await said_by(ActionAskBookingConcern(), plain_tracker({}, "es"))
    assert message["buttons"] == [{"title": "Omitir", "payload": "skip"}]
    [english], _ = await said_by(ActionAskBookingConcern(), plain_tracker({}, "en"))
    assert english["buttons"] == m.CONCERN_BUTTONS


async def test_the_spanish_consent_question_names_the_contact() -> None:
    spanish = plain_tracker({m.CONTACT: CONTACT}, "es")
    [message], _ = await said_by(ActionAskBookingConsent(), spanish)
    assert message["text"] == ES.ask[m.CONSENT].format(contact="+13105550134 y ana@example.com")
    assert titles(message) == ["Sí, pueden contactarme", "No"]
    [message], _ = await said_by(ActionAskBookingConsent(), plain_tracker({}, "es"))
    assert "los datos que nos dio" in message["text"]
    english_tracker = plain_tracker({m.CONTACT: CONTACT}, None)
    [english], _ = await said_by(ActionAskBookingConsent(), english_tracker)
    assert english["text"] == m.ASK[m.CONSENT].format(contact="+13105550134 and ana@example.com")


async def test_a_spanish_callback_request_asks_its_own_questions() -> None:
    tracker = plain_tracker({m.KIND: m.CALLBACK}, "es")
    [name], _ = await said_by(ActionAskBookingName(), tracker)
    [times], _ = await said_by(ActionAskBookingTimes(), tracker)
    assert (name["text"], times["text"]) == (ES.ask_callback[m.NAME], ES.ask_callback[m.TIMES])
    [summary], _ = await said_by(ActionAskBookingConfirmed(), plain_tracker(
        {**FILLED, m.KIND: m.CALLBACK}, "es"))
    assert titles(summary) == ["Confirmar", "Cambiar nombre", "Cambiar contacto", "Cambiar horario"]


async def test_the_start_is_spanish() -> None:
    [message], _ = await said_by(ActionBookingStart(), plain_tracker({}, "es", "quiero una cita"))
    assert message["text"] == ES.start
    [message], events = await said_by(
        ActionBookingStart(), plain_tracker({"therapy": "NMT"}, "es", "quiero una cita")
    )
    assert message["text"] == ES.start_with_therapy.format(therapy="NMT")
    assert {"event": "slot", "name": m.THERAPY, "value": "NMT", "timestamp": None} in events
    [english], _ = await said_by(ActionBookingStart(), plain_tracker({}, None, "I want to book"))
    assert english["text"] == m.START


# --------------------------------------------------------------------------- validating


@pytest.mark.parametrize(
    "slot, text, expected",
    [
        (m.NAME, "Me llamo Ana Ruiz", "Ana Ruiz"),
        (m.CONTACT, "mi cel es 213 555 0162", {"phone": "+12135550162", "email": None}),
        (m.THERAPY, "manipulación muscular funcional", "FMM"),
        (m.TIMES, "el sábado en la mañana", "el sábado en la mañana"),
        (m.CONCERN, "omitir", ""),
        (m.CONSENT, "sí, claro", True),
        (m.CONFIRMED, "sí", True),
    ],
)
async def test_spanish_answers_are_accepted_whatever_the_intent(
    slot: str, text: str, expected: Any
) -> None:
    # the English-trained intents may read a Spanish answer as anything
    for intent in ("nlu_fallback", "ask_fmm_overview", "deny"):
        values, said, events = await validate(slot, text, intent, slots={m.CONTACT: CONTACT})
        assert values[slot] == expected, intent
        assert said == [] and not [e for e in events if e["event"] == "action_execution_rejected"]


async def test_spanish_times_are_stored_with_what_was_understood() -> None:
    values, _, _ = await validate(m.TIMES, "martes por la tarde")
    assert values[m.TIMES_PARSED]["days"] == ["tuesday"]
    assert values[m.TIMES_PARSED]["date"] == "2025-03-11"


async def test_a_name_read_as_a_booking_request_is_still_the_name_in_spanish() -> None:
    values, said, _ = await validate(m.NAME, "me llamo Ana Ruiz", "request_booking")
    assert values[m.NAME] == "Ana Ruiz" and said == []
    # English: unchanged ("let's carry on", the question again)
    values, said, _ = await validate(m.NAME, "I want to book", "request_booking", language=None)
    assert values == {m.NAME: None} and said == [m.ALREADY_BOOKING]
    values, said, _ = await validate(m.CONTACT, "/request_booking", "request_booking")
    assert said == [ES.already_booking]


@pytest.mark.parametrize(
    "slot, text, code",
    [
        (m.NAME, "ana@example.com", "looks_like_contact"),
        (m.NAME, "R2D2", "has_digits"),
        (m.NAME, "sí", "yes_no"),
        (m.NAME, "Ana María Luisa Sofía Carlota Victoria Isabel", "too_long"),
        (m.NAME, "Quiero una cita", "not_a_name"),
        (m.CONTACT, "ana@example", "bad_email"),
        (m.CONTACT, "555-0134", "missing_area_code"),
        (m.CONTACT, "123-456-7890", "bad_phone"),
        (m.CONTACT, "llámeme por favor", "missing"),
        (m.THERAPY, "masaje profundo", "unknown_therapy"),
        (m.TIMES, "blablá", "unrecognised"),
        (m.TIMES, "ayer", "past"),
        (m.CONCERN, "a", "too_short"),
        (m.CONCERN, "dolor " * 120, "too_long"),
        (m.CONSENT, "quizás", "unclear"),
        (m.CONFIRMED, "mmm", "unclear"),
    ],
)
async def test_spanish_validation_messages(slot: str, text: str, code: str) -> None:
    values, said, _ = await validate(slot, text, "nlu_fallback", slots={m.CONTACT: CONTACT})
    assert values[slot] is None
    assert said == [ES.errors[slot][code]]
    # the same mistake in an English conversation: the English message, as before
    values, said, _ = await validate(slot, text, "nlu_fallback", None, {m.CONTACT: CONTACT})
    assert said == [m.ERRORS[slot][code]]


async def test_a_consent_naming_the_channel_is_a_yes() -> None:
    values, said, _ = await validate(m.CONSENT, "mejor por correo", "nlu_fallback",
                                     slots={m.CONTACT: CONTACT})
    assert values[m.CONSENT] is True and said == []


async def test_declining_consent_is_explained_in_spanish() -> None:
    values, said, _ = await validate(m.CONSENT, "no, gracias", "nlu_fallback",
                                     slots={m.CONTACT: CONTACT})
    assert values[m.CONSENT] is None and said == [ES.errors[m.CONSENT]["declined"]]
    values, said, _ = await validate(m.CONSENT, "/deny", "deny", slots={m.CONTACT: CONTACT})
    assert said == [ES.errors[m.CONSENT]["declined"]]


async def test_a_second_failure_offers_the_clinic_in_spanish() -> None:
    state = {"failures": {m.CONTACT: 1}}
    _, said, _ = await validate(m.CONTACT, "555-0135", slots={m.STATE: state})
    assert said == [
        ES.errors[m.CONTACT]["missing_area_code"]
        + " "
        + ES.call_offer.format(contact=SPANISH_CONTACT)
    ]
    state = {"failures": {m.CONCERN: 1}}
    _, said, _ = await validate(m.CONCERN, "a", slots={m.STATE: state})
    assert said == [ES.errors[m.CONCERN]["too_short"] + " " + ES.skip_offer]


async def test_not_sure_gets_the_spanish_comparison_then_the_therapist_advises() -> None:
    values, said, _ = await validate(m.THERAPY, "no sé, ¿cuál me recomienda?", "ask_which_therapy")
    assert values[m.THERAPY] is None and said == [ES.therapy_comparison]
    values, said, _ = await validate(
        m.THERAPY, "todavía no estoy seguro", slots={m.STATE: values[m.STATE]}
    )
    assert values[m.THERAPY] == UNDECIDED and said == [ES.therapy_still_unsure]


async def test_a_spanish_question_mid_form_is_handed_over() -> None:
    values, said, events = await validate(m.NAME, "¿qué es la FMM?", "ask_fmm_overview")
    assert values == {m.NAME: None} and said == []
    assert [e for e in events if e["event"] == "action_execution_rejected"]
    assert is_interruption(m.CONCERN, "¿es normal que me duela?", "ask_diagnosis", (), "es")
    assert not is_interruption(m.CONCERN, "me duele la espalda al manejar", "ask_diagnosis",
                               (), "es")


# --------------------------------------------------------------------------- summary, change


async def test_the_spanish_summary_with_confirm_and_change_buttons() -> None:
    [message], _ = await said_by(ActionAskBookingConfirmed(), plain_tracker(dict(FILLED), "es"))
    assert message["text"] == m.summary_text(FILLED, "es")
    assert titles(message) == ["Confirmar", "Cambiar nombre", "Cambiar contacto",
                               "Cambiar terapia", "Cambiar horario", "Cambiar motivo"]
    assert [b["payload"] for b in message["buttons"]] == [
        b["payload"] for b in m.change_buttons()
    ]


async def test_no_to_the_spanish_summary_asks_which_detail_in_spanish() -> None:
    values, said, _ = await validate(m.CONFIRMED, "no", "deny", slots=dict(FILLED))
    assert values[m.CONFIRMED] is None and said == []
    [message], _ = await said_by(
        ActionAskBookingConfirmed(), plain_tracker({**FILLED, m.STATE: values[m.STATE]}, "es")
    )
    assert message["text"] == ES.which_field
    assert "Confirmar" not in titles(message) and "Cambiar contacto" in titles(message)


async def test_a_detail_named_in_spanish_is_asked_again() -> None:
    tracker = plain_tracker(dict(FILLED), "es", "quiero cambiar el teléfono",
                            "change_booking_field", "booking_form")
    _, events = await said_by(ActionChangeBookingField(), tracker)
    reset = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert m.CONTACT in reset and m.NAME not in reset


async def test_cancelling_in_spanish() -> None:
    [message], events = await said_by(
        ActionCancelBooking(),
        plain_tracker(dict(FILLED), "es", "cancelar", "cancel_booking", "booking_form"),
    )
    assert message["text"] == ES.cancelled
    assert message["buttons"] == [{"title": "Pedir una cita", "payload": "/request_booking"}]
    assert all(e["value"] is None for e in events if e["event"] == "slot")
    [message], _ = await said_by(
        ActionCancelBooking(), plain_tracker({}, "es", "cancelar", "cancel_booking")
    )
    assert message["text"] == ES.nothing_to_cancel.format(contact=SPANISH_CONTACT)
    [english], _ = await said_by(
        ActionCancelBooking(), plain_tracker(dict(FILLED), None, "cancel", "cancel_booking")
    )
    assert english["text"] == m.CANCELLED and english["buttons"] == [m.BOOK_BUTTON]


# --------------------------------------------------------------------------- submitting


@pytest.fixture
def booking_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    monkeypatch.setenv("BOOKING_LOCAL_OUTBOX", str(tmp_path / "deliveries.jsonl"))
    return url


async def test_a_completed_spanish_request_is_confirmed_in_spanish_and_stored_as_spanish(
    booking_db: str,
) -> None:
    slots = {**FILLED, m.CONFIRMED: True}
    [message], events = await said_by(ActionSubmitBooking(), plain_tracker(slots, "es", "sí"))
    assert message["text"] == ES.received.format(name="Ana Ruiz")
    assert message["text"].startswith("¡Gracias, Ana Ruiz! Hemos recibido su solicitud")
    [stored] = BookingStore.from_url(booking_db).list_requests()
    assert stored.request.language == "es"
    assert stored.request.payload()["language"] == "es"
    assert stored.request.preferred_times == "el sábado en la mañana"
    assert all(e["value"] is None for e in events if e["event"] == "slot")


async def test_a_spanish_callback_is_confirmed_in_spanish(booking_db: str) -> None:
    slots = {**FILLED, m.KIND: m.CALLBACK, m.CONFIRMED: True}
    [message], _ = await said_by(ActionSubmitBooking(), plain_tracker(slots, "es", "sí"))
    assert message["text"] == ES.received_callback.format(name="Ana Ruiz")


async def test_an_english_request_is_confirmed_as_before(booking_db: str) -> None:
    slots = {**FILLED, m.CONFIRMED: True}
    [message], _ = await said_by(ActionSubmitBooking(), plain_tracker(slots, None, "/affirm"))
    assert message["text"] == m.RECEIVED.format(name="Ana Ruiz")
    [stored] = BookingStore.from_url(booking_db).list_requests()
    assert stored.request.language is None
    [message], _ = await said_by(ActionSubmitBooking(), plain_tracker(slots, "en", "/affirm"))
    assert message["text"] == m.RECEIVED.format(name="Ana Ruiz")
    assert {r.request.language for r in BookingStore.from_url(booking_db).list_requests()} == {
        None, "en"}


async def test_nothing_to_submit_and_a_storage_failure_in_spanish(
    monkeypatch: pytest.MonkeyPatch, booking_db: str
) -> None:
    [message], _ = await said_by(ActionSubmitBooking(), plain_tracker({}, "es", "sí"))
    assert message["text"] == ES.nothing_to_submit
    unreachable = "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"
    monkeypatch.setenv("BOOKING_DATABASE_URL", unreachable)
    slots = {**FILLED, m.CONFIRMED: True}
    [message], events = await said_by(ActionSubmitBooking(), plain_tracker(slots, "es", "sí"))
    assert events == []  # the answers are kept for "Intentar de nuevo"
    assert message["text"] == ES.store_failed.format(contact=SPANISH_CONTACT)
    assert message["buttons"] == [{"title": "Intentar de nuevo", "payload": "/affirm"}]


def test_only_known_languages_are_stored() -> None:
    slots = {**FILLED, m.CONFIRMED: True}
    assert request_from_slots("s", slots, "es").language == "es"  # type: ignore[union-attr]
    assert request_from_slots("s", slots, "fr").language is None  # type: ignore[union-attr]
    assert request_from_slots("s", slots).language is None  # type: ignore[union-attr]


def test_a_database_from_before_the_language_column_gets_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url, future=True)
    with engine.begin() as conn:  # the table as the previous release created it
        conn.execute(sa.text(
            "CREATE TABLE booking_requests (id VARCHAR(36) PRIMARY KEY, created_at DATETIME "
            "NOT NULL, sender_id VARCHAR(255) NOT NULL, name TEXT NOT NULL, phone VARCHAR(32), "
            "email VARCHAR(254), therapy VARCHAR(16) NOT NULL, preferred_times TEXT NOT NULL, "
            "preferred_times_parsed TEXT, concern TEXT, contraindication_note TEXT, consent "
            "BOOLEAN NOT NULL, handled_at DATETIME, kind VARCHAR(16) NOT NULL DEFAULT 'booking')"
        ))
        conn.execute(sa.text(
            "INSERT INTO booking_requests (id, created_at, sender_id, name, therapy, "
            "preferred_times, consent) VALUES ('old-1', '2025-03-01 10:00:00', 's', 'Old', "
            "'NMT', 'mornings', 1)"
        ))
    engine.dispose()
    store = BookingStore.from_url(url)
    store.ensure_schema()
    assert store.get_request("old-1").language is None  # type: ignore[union-attr]
    new_id = store.save_request(
        BookingRequest(sender_id="s2", name="Ana", therapy="FMM", preferred_times="mañana",
                       consent=True, phone="+13105550134", language="es"),
        ["local"],
    )
    assert store.get_request(new_id).language == "es"  # type: ignore[union-attr]
    store.dispose()
    # a second start finds the column there and changes nothing
    again = BookingStore.from_url(url)
    again.ensure_schema()
    assert [r.request.language for r in again.list_requests()] == ["es", None]
    again.dispose()


def test_the_examples_the_spanish_texts_give_are_understood() -> None:
    import re

    quoted = [
        example
        for text in (ES.ask[m.TIMES], ES.ask_callback[m.TIMES], ES.errors[m.TIMES]["too_long"],
                     ES.errors[m.TIMES]["unrecognised"])
        for example in re.findall(r'"([^"]+)"', text)
    ]
    assert len(quoted) == 9
    for example in quoted:
        assert parse_preferred_times(example, WEDNESDAY, "es").is_structured(), example
    assert is_skip("omitir")  # "escriba "omitir"" (concern question, skip offer)
    assert parse_yes_no("sí") is True  # "Puede decir "sí" si cambia de opinión"
