"""The booking conversation: starting, asking, validating, changing and cancelling.

The form ``booking_form`` asks, in order: name, contact, therapy, preferred times,
optional concern, consent, and finally shows the summary (slot ``booking_confirmed``),
where the visitor confirms or changes a field. Parsing rules live in
``actions/booking/parsing.py``; texts in ``actions/booking/messages.py``.

Interruptions: when the visitor's message is not an answer to the requested slot (a
question, a button of another topic), ``ValidateBookingForm`` rejects the form; the rule
for that intent answers, and Rasa's RulePolicy returns to the form, which asks again.

Languages: every text comes from ``messages.texts_for`` in the conversation's language
(slot ``language``, actions/language.py), so a Spanish conversation is asked, corrected and
answered in Spanish. The parsers read English and Spanish answers alike.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from datetime import date, datetime
from typing import Any, Dict, Iterable, List, Optional, Text
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import messages as m
from actions.booking.parsing import (
    SPANISH,
    THERAPIES,
    UNDECIDED,
    UNSURE,
    BookingInputError,
    Contact,
    fold,
    is_payload,
    looks_like_question,
    parse_concern,
    parse_contact,
    parse_name,
    parse_preferred_times,
    parse_therapy,
    parse_yes_no,
    parse_yes_no_english,
    parse_yes_no_spanish,
    prefers_contact_channel,
)
from actions.booking.settings import BookingConfigError, BookingSettings
from actions.clinic_info import clinic_config
from actions.language import conversation_language

logger = logging.getLogger(__name__)

FORM_NAME = "booking_form"
# Intents whose messages are answers to the form's questions (never an interruption).
FORM_INTENTS = frozenset(
    {"inform_booking", "choose_therapy", "affirm", "deny", "nlu_fallback", "greet", None}
)
# Intents that always leave the form for their own rule, even when the message could also
# be an answer: health statements the safety rules must see (e.g. "I'm pregnant" typed as
# the main concern gets the contraindication advice, then the form asks again).
HAND_OVER_INTENTS = frozenset({"mention_contraindication", "ask_diagnosis", "emergency", "crisis"})
DIAGNOSIS_INTENT = "ask_diagnosis"
SHARED_THERAPY_SLOT = "therapy"  # kept by the answers engineer's actions / entity mapping


# --------------------------------------------------------------------------- helpers


def clinic_today(timezone: Optional[str] = None) -> date:
    """Today's date where the clinic is (America/Los_Angeles unless configured)."""
    name = timezone
    if name is None:
        try:
            name = BookingSettings.from_env().timezone
        except BookingConfigError:
            name = BookingSettings.timezone
    try:
        return datetime.now(ZoneInfo(name)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return date.today()


def texts(tracker: Tracker) -> m.BookingTexts:
    """The booking texts in the conversation's language."""
    return m.texts_for(conversation_language(tracker))


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The latest message's intent name (``None`` before any message)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    """The latest message's text ('' when missing)."""
    return tracker.latest_message.get("text") or ""


def therapy_entities(tracker: Tracker) -> List[str]:
    """Canonical ``therapy`` entity values of the latest message."""
    return [
        str(e.get("value"))
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") == "therapy" and e.get("value")
    ]


def form_state(tracker: Tracker) -> Dict[str, Any]:
    """A copy of the form's bookkeeping (failure counts per slot, help shown...)."""
    state = tracker.get_slot(m.STATE)
    state = dict(state) if isinstance(state, dict) else {}
    state["failures"] = dict(state.get("failures") or {})
    return state


def is_fresh_user_turn(tracker: Tracker, form_name: str = FORM_NAME) -> bool:
    """True when the form is validating the visitor's latest message.

    False when the form resumes after another action answered an interruption (the
    latest message was already dealt with then) or when it is being activated.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in (form_name, "action_listen"):
            return False
        if kind == "action_execution_rejected":
            return False
    return False


def _value_for(
    slot: str,
    text: str,
    entities: Iterable[str],
    intent: Optional[str],
    language: Optional[str] = None,
) -> Any:
    """Parses ``text`` as an answer for ``slot``; raises ``BookingInputError`` if it is not."""
    if slot == m.NAME:
        return parse_name(text)
    if slot == m.CONTACT:
        return parse_contact(text)
    if slot == m.THERAPY:
        return parse_therapy(text, entities)
    if slot == m.TIMES:
        return parse_preferred_times(text, clinic_today(), language)
    if slot == m.CONCERN:
        return parse_concern(text)
    if slot in (m.CONSENT, m.CONFIRMED):
        # A Spanish yes or no is read from the words, whatever the intent ("sí, claro" may be
        # read as anything by the intents); English answers keep following the intent.
        if parse_yes_no_english(text) is None:
            spanish = parse_yes_no_spanish(text)
            if spanish is not None:
                return spanish
            if slot == m.CONSENT and prefers_contact_channel(text):
                return True  # "por correo, por favor": contacting is fine, that way
        if intent in ("affirm", "deny"):
            return intent == "affirm"
        answer = parse_yes_no(text)
        if answer is None:
            raise BookingInputError("unclear")
        return answer
    raise BookingInputError("unknown_slot")


# Errors showing the visitor tried to answer (so they get the error, not a hand-over).
_PARTIAL_ANSWERS = frozenset(
    {"looks_like_contact", "has_digits", "bad_email", "bad_phone", "missing_area_code", "past"}
)


def is_interruption(
    slot: str,
    text: str,
    intent: Optional[str],
    entities: Iterable[str] = (),
    language: Optional[str] = None,
) -> bool:
    """Decides whether a message is something other than an answer to ``slot``.

    A message is an answer when NLU says so (``FORM_INTENTS``) or when it parses as a
    value for the slot; a question, or a button of another topic, is an interruption
    that the form hands over to the matching rule.
    """
    if intent in FORM_INTENTS:
        return False
    if intent == DIAGNOSIS_INTENT and slot == m.CONCERN and not looks_like_question(text):
        # The concern question asks about the visitor's health, so a statement such as "my
        # old disc problem makes my lower back ache" is its answer, even when NLU reads it
        # as a diagnosis request; a real question ("do I have sciatica?") is handed over.
        return False
    if intent in HAND_OVER_INTENTS or is_payload(text):
        return True
    entities = list(entities)
    partial = False
    try:
        value = _value_for(slot, text, entities, intent, language)
        parsed = True
    except BookingInputError as error:
        value, parsed = None, False
        partial = error.code in _PARTIAL_ANSWERS
    if parsed and slot in (m.CONTACT, m.TIMES, m.CONSENT, m.CONFIRMED):
        return False
    if looks_like_question(text):
        return not (slot == m.THERAPY and value == UNSURE)
    if parsed:
        return False
    return not partial


def _answers_with_booking_intent(
    slot: str, text: str, entities: Iterable[str], language: Optional[str] = None
) -> bool:
    """ "Book me for FMM" / "book me in for Tuesday" answer the therapy / times questions.

    In a Spanish conversation any answer that parses counts ("me llamo Ana" read by the
    English-trained intents as a booking request is still the name).
    """
    if is_payload(text):
        return False
    if slot not in (m.THERAPY, m.TIMES) and language != SPANISH:
        return False
    try:
        _value_for(slot, text, entities, "request_booking", language)
    except BookingInputError:
        return False
    return True


# --------------------------------------------------------------------------- start


class ActionBookingStart(Action):
    """Opens the booking: explains it briefly and pre-fills the therapy just discussed."""

    def name(self) -> Text:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        return open_booking(dispatcher, tracker)


def open_booking(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Says the booking is starting and returns the slot events that open it.

    Shared by ``action_booking_start`` and the reply guard's "yes" to a booking offer.
    """
    said = texts(tracker)
    mentioned = [v.upper() for v in therapy_entities(tracker) if v.upper() in THERAPIES]
    discussed = tracker.get_slot(SHARED_THERAPY_SLOT)
    therapy = tracker.get_slot(m.THERAPY)
    if len(set(mentioned)) == 1:
        therapy = mentioned[0]
    elif therapy is None and isinstance(discussed, str) and discussed.upper() in THERAPIES:
        therapy = discussed.upper()
    if therapy in THERAPIES:
        dispatcher.utter_message(text=said.start_with_therapy.format(therapy=therapy))
    else:
        dispatcher.utter_message(text=said.start)
    # The summary is always shown again before anything is sent. Only slots whose value
    # changes are set: the form validates every slot set since the visitor's message, and
    # an empty therapy set here would be rejected ("I didn't catch which therapy").
    events: List[EventType] = []
    if tracker.get_slot(m.KIND) is not None:
        events.append(SlotSet(m.KIND, None))  # a callback request becomes a booking
    if therapy != tracker.get_slot(m.THERAPY):
        events.append(SlotSet(m.THERAPY, therapy))
    if tracker.get_slot(m.CONFIRMED) is not None:
        events.append(SlotSet(m.CONFIRMED, None))
    return events


# --------------------------------------------------------------------------- validation


class ValidateBookingForm(FormValidationAction):
    """Checks every answer; says what is wrong and asks again."""

    def name(self) -> Text:
        return "validate_booking_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested in m.FORM_SLOTS and is_fresh_user_turn(tracker, self.form_name()):
            text, intent = latest_text(tracker), latest_intent(tracker)
            entities = therapy_entities(tracker)
            language = conversation_language(tracker)
            if intent == "request_booking" and not _answers_with_booking_intent(
                requested, text, entities, language
            ):
                dispatcher.utter_message(text=texts(tracker).already_booking)
                return [SlotSet(requested, None)]
            if is_interruption(requested, text, intent, entities, language):
                logger.debug("booking form hands intent %s over to the rules", intent)
                return [SlotSet(requested, None), ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """A callback request skips the therapy and concern questions."""
        if tracker.get_slot(m.KIND) == m.CALLBACK:
            return [slot for slot in domain_slots if slot not in m.BOOKING_ONLY_SLOTS]
        return domain_slots

    # -- outcome helpers -------------------------------------------------------

    @staticmethod
    def _ok(slot: str, tracker: Tracker, values: Dict[Text, Any]) -> Dict[Text, Any]:
        state = form_state(tracker)
        state["failures"].pop(slot, None)
        return {**values, m.STATE: state}

    @staticmethod
    def _fail(
        slot: str,
        code: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        extra_state: Optional[Dict[str, Any]] = None,
    ) -> Dict[Text, Any]:
        state = form_state(tracker)
        state.update(extra_state or {})
        count = int(state["failures"].get(slot, 0)) + 1
        state["failures"][slot] = count
        said = texts(tracker)
        text = said.errors.get(slot, {}).get(code, said.error_fallback)
        if count >= 2:
            if slot in m.OPTIONAL_SLOTS:
                text += " " + said.skip_offer
            else:
                contact = m.contact_sentence(clinic_config(), said.language)
                text += " " + said.call_offer.format(contact=contact)
        dispatcher.utter_message(text=text)
        return {slot: None, m.STATE: state}

    # -- one method per slot ------------------------------------------------------

    def validate_booking_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A person's name: letters, no contact details, not a question."""
        try:
            return self._ok(m.NAME, tracker, {m.NAME: parse_name(str(value or ""))})
        except BookingInputError as error:
            return self._fail(m.NAME, error.code, dispatcher, tracker)

    def validate_booking_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A US phone number (-> E.164) and/or an e-mail address."""
        already = Contact.from_slot(value)
        if already is not None:
            return self._ok(m.CONTACT, tracker, {m.CONTACT: already.as_slot()})
        try:
            contact = parse_contact(str(value or ""))
        except BookingInputError as error:
            return self._fail(m.CONTACT, error.code, dispatcher, tracker)
        return self._ok(m.CONTACT, tracker, {m.CONTACT: contact.as_slot()})

    def validate_booking_therapy(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """NMT, FMM, or "not sure": the comparison is shown, then the question again."""
        if value in THERAPIES or value == UNDECIDED:
            return self._ok(m.THERAPY, tracker, {m.THERAPY: value})
        try:
            choice = parse_therapy(str(value or ""), therapy_entities(tracker))
        except BookingInputError as error:
            return self._fail(m.THERAPY, error.code, dispatcher, tracker)
        if choice == UNSURE:
            state = form_state(tracker)
            if state.get("therapy_help_shown"):
                dispatcher.utter_message(text=texts(tracker).therapy_still_unsure)
                return self._ok(m.THERAPY, tracker, {m.THERAPY: UNDECIDED})
            dispatcher.utter_message(text=texts(tracker).therapy_comparison)
            state["therapy_help_shown"] = True
            return {m.THERAPY: None, m.STATE: state}
        return self._ok(m.THERAPY, tracker, {m.THERAPY: choice})

    def validate_booking_times(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Free text, understood where possible; the raw words are always kept."""
        try:
            times = parse_preferred_times(
                str(value or ""), clinic_today(), conversation_language(tracker)
            )
        except BookingInputError as error:
            return self._fail(m.TIMES, error.code, dispatcher, tracker)
        return self._ok(m.TIMES, tracker, {m.TIMES: times.raw, m.TIMES_PARSED: times.as_dict()})

    def validate_booking_concern(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Optional: "skip"/"no" stores an empty concern."""
        if value == "" or (latest_intent(tracker) == "deny" and is_payload(str(value))):
            return self._ok(m.CONCERN, tracker, {m.CONCERN: ""})
        try:
            concern = parse_concern(str(value or ""))
        except BookingInputError as error:
            return self._fail(m.CONCERN, error.code, dispatcher, tracker)
        return self._ok(m.CONCERN, tracker, {m.CONCERN: concern})

    def validate_booking_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Only a yes lets the request go out; a no is explained."""
        if value is True:
            return self._ok(m.CONSENT, tracker, {m.CONSENT: True})
        try:
            answer = _value_for(
                m.CONSENT,
                str(value or ""),
                (),
                latest_intent(tracker),
                conversation_language(tracker),
            )
        except BookingInputError:
            return self._fail(m.CONSENT, "unclear", dispatcher, tracker)
        if answer:
            return self._ok(m.CONSENT, tracker, {m.CONSENT: True})
        return self._fail(m.CONSENT, "declined", dispatcher, tracker)

    def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Yes sends the request; no asks which detail to change."""
        if value is True:
            return self._ok(m.CONFIRMED, tracker, {m.CONFIRMED: True})
        try:
            answer = _value_for(
                m.CONFIRMED,
                str(value or ""),
                (),
                latest_intent(tracker),
                conversation_language(tracker),
            )
        except BookingInputError:
            return self._fail(m.CONFIRMED, "unclear", dispatcher, tracker)
        if answer:
            return self._ok(m.CONFIRMED, tracker, {m.CONFIRMED: True})
        state = form_state(tracker)
        state["ask_which_field"] = True
        return {m.CONFIRMED: None, m.STATE: state}


# --------------------------------------------------------------------------- asking


class _AskBookingSlot(Action, ABC):
    """Asks for one slot of the booking form (texts from ``messages.texts_for``)."""

    #: name of the ``BookingTexts`` field holding the question's buttons ("" for none)
    buttons_field: str = ""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for (a class attribute in each subclass)."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def question(self, tracker: Tracker) -> str:
        """The question's text (worded for a callback request when it is one)."""
        said = texts(tracker)
        if tracker.get_slot(m.KIND) == m.CALLBACK and self.slot in said.ask_callback:
            return said.ask_callback[self.slot]
        return said.ask[self.slot]

    def question_buttons(self, tracker: Tracker) -> List[m.Button]:
        """Buttons sent with the question."""
        if not self.buttons_field:
            return []
        return [dict(button) for button in getattr(texts(tracker), self.buttons_field)]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(
            text=self.question(tracker), buttons=self.question_buttons(tracker) or None
        )
        return []


class ActionAskBookingName(_AskBookingSlot):
    """Asks for the visitor's name."""

    slot = m.NAME


class ActionAskBookingContact(_AskBookingSlot):
    """Asks for a phone number or e-mail address."""

    slot = m.CONTACT


class ActionAskBookingTherapy(_AskBookingSlot):
    """Asks NMT or FMM, offering help to choose."""

    slot = m.THERAPY

    def question_buttons(self, tracker: Tracker) -> List[m.Button]:
        said = texts(tracker)
        if form_state(tracker).get("therapy_help_shown"):
            return [dict(button) for button in said.therapy_buttons_after_help]
        return [dict(button) for button in said.therapy_buttons]


class ActionAskBookingTimes(_AskBookingSlot):
    """Asks which days and times suit the visitor."""

    slot = m.TIMES


class ActionAskBookingConcern(_AskBookingSlot):
    """Asks the optional main concern."""

    slot = m.CONCERN
    buttons_field = "concern_buttons"


class ActionAskBookingConsent(_AskBookingSlot):
    """Asks consent to be contacted at the given phone / e-mail."""

    slot = m.CONSENT
    buttons_field = "consent_buttons"

    def question(self, tracker: Tracker) -> str:
        said = texts(tracker)
        value = tracker.get_slot(m.CONTACT)
        known = Contact.from_slot(value) is not None
        shown = m.contact_label(value, said.language) if known else said.details_you_gave
        return said.ask[m.CONSENT].format(contact=shown)


class ActionAskBookingConfirmed(_AskBookingSlot):
    """Shows the summary with Confirm / Change buttons (or just the Change buttons)."""

    slot = m.CONFIRMED

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        state = form_state(tracker)
        callback = tracker.get_slot(m.KIND) == m.CALLBACK
        language = conversation_language(tracker)
        if state.pop("ask_which_field", False):
            dispatcher.utter_message(
                text=texts(tracker).which_field,
                buttons=m.change_buttons(False, callback=callback, language=language),
            )
            return [SlotSet(m.STATE, state)]
        dispatcher.utter_message(
            text=m.summary_text(tracker.current_slot_values(), language),
            buttons=m.change_buttons(callback=callback, language=language),
        )
        return []


# --------------------------------------------------------------------------- change / cancel

_FIELD_WORDS = (
    ("contact", re.compile(r"\b(contact|phone|number|e-?mail|mail|cell|mobile)\b", re.I)),
    ("times", re.compile(r"\b(times?|days?|date|when|schedule|availability|slot)\b", re.I)),
    ("therapy", re.compile(r"\b(therapy|treatment|nmt|fmm|session type|massage)\b", re.I)),
    ("concern", re.compile(r"\b(concern|reason|problem|issue|pain|help with)\b", re.I)),
    ("name", re.compile(r"\bname\b", re.I)),
)
# Spanish, matched without accents ("cambiar el teléfono", "la hora está mal").
_FIELD_WORDS_ES = (
    (
        "contact",
        re.compile(
            r"\b(contacto|telefono|numero|correo|cel|celular|movil|whatsapp)\b", re.I
        ),
    ),
    (
        "times",
        re.compile(
            r"\b(horas?|horarios?|dias?|fecha|cuando|disponibilidad|turno)\b", re.I
        ),
    ),
    ("therapy", re.compile(r"\b(terapia|tratamiento|masaje|sesion)\b", re.I)),
    ("concern", re.compile(r"\b(motivo|molestia|problema|dolor|consulta)\b", re.I)),
    ("name", re.compile(r"\b(nombre|apellido)\b", re.I)),
)


def field_to_change(entity_value: Optional[str], text: str) -> Optional[str]:
    """Which summary field the visitor wants to change (button entity or their words)."""
    if entity_value and entity_value.lower() in m.FIELDS:
        return entity_value.lower()
    for field, pattern in _FIELD_WORDS:
        if pattern.search(text or ""):
            return field
    folded = fold(text)
    for field, pattern in _FIELD_WORDS_ES:
        if pattern.search(folded):
            return field
    return None


class ActionChangeBookingField(Action):
    """Resets the chosen field so that the form asks it again, then shows the summary."""

    def name(self) -> Text:
        return "action_change_booking_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        entity = next(tracker.get_latest_entity_values("booking_field"), None)
        text = latest_text(tracker)
        field = field_to_change(entity, "" if is_payload(text) else text)
        state = form_state(tracker)
        events: List[EventType] = [SlotSet(m.CONFIRMED, None)]
        if field is None:
            state["ask_which_field"] = True
        else:
            for slot in m.FIELDS[field]:
                events.append(SlotSet(slot, None))
                state["failures"].pop(slot, None)
        events.append(SlotSet(m.STATE, state))
        return events


class ActionCancelBooking(Action):
    """Stops the booking and forgets what the visitor typed into it.

    With no booking open it says so, and how to cancel an appointment already made.
    """

    def name(self) -> Text:
        return "action_cancel_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_progress = tracker.active_loop_name == FORM_NAME or any(
            tracker.get_slot(slot) is not None for slot in m.FORM_SLOTS
        )
        said = texts(tracker)
        if not in_progress:
            contact = m.contact_sentence(clinic_config(), said.language)
            dispatcher.utter_message(
                text=said.nothing_to_cancel.format(contact=contact),
                buttons=[dict(said.book_button)],
            )
            return []
        dispatcher.utter_message(text=said.cancelled, buttons=[dict(said.book_button)])
        events: List[EventType] = [SlotSet(slot, None) for slot in m.ALL_BOOKING_SLOTS]
        if tracker.active_loop_name == FORM_NAME:
            events = [ActiveLoop(None), SlotSet("requested_slot", None)] + events
        return events
