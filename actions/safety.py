"""Safety actions: stop forms after an emergency, decline to diagnose, flag contraindications.

* ``action_stop_form_for_safety`` runs right after the 911 / 988 reply (data/rules/safety.yml)
  and ends any active form, so the booking questions stop. The reply itself is a domain
  response (domain/safety.yml), in Spanish when slot ``safety_language`` is ``"es"``;
* ``action_no_diagnosis`` answers "do I have sciatica?" honestly: general information, no
  diagnosis, see a clinician or request an appointment;
* ``action_contraindication_advice`` asks the visitor to check with their doctor first and
  offers to add a note for the clinic; ``action_save_health_note`` stores it in slot
  ``contraindication_note`` (category names only, e.g. ``"pregnancy; blood thinners"``)
  only after the visitor agrees; ``action_decline_health_note`` drops the offer.

The wording lives in clinic/safety/messages.yml. Nothing here logs what the visitor typed.

In a Spanish conversation (slot ``language`` = ``"es"``) every one of these replies and
button titles is Spanish (the ``es`` section of messages.yml; same payloads): the
disclaimer, the no-diagnosis answer, the advice, the note offer with its consent buttons,
saved / declined / nothing pending. The note the clinic receives stays in English category
names ("pregnancy; blood thinners"), and the Spanish offer shows it as well as its Spanish
wording. The 911 / 988 replies are not affected: slot ``safety_language`` picks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import conversation_language
from clinic.language.text import SPANISH
from clinic.safety.contraindications import (
    CATEGORIES,
    NOTE_SEPARATOR,
    describe,
    detect_contraindications,
    format_note,
    merge_notes,
    parse_note,
)
from clinic.safety.messages import (
    MESSAGES_PATH,
    GeneralInformation,
    SafetyMessages,
    SafetyMessagesError,
    cached_safety_messages,
)

DISCLAIMER_SLOT = "disclaimer_shown"
PENDING_NOTE_SLOT = "contraindication_pending"
NOTE_SLOT = "contraindication_note"
REQUESTED_SLOT = "requested_slot"

BOOKING_PAYLOAD = "/request_booking"
CONSENT_PAYLOAD = "/consent_health_note"
DECLINE_PAYLOAD = "/decline_health_note"


SPANISH_KEY = "es"  # the Spanish section of clinic/safety/messages.yml


def safety_messages() -> SafetyMessages:
    """The wording of the health replies (clinic/safety/messages.yml)."""
    return cached_safety_messages()


@dataclass(frozen=True)
class HealthTexts:
    """The health replies in one language, with what the Spanish ones need besides."""

    messages: SafetyMessages
    language: str = "en"
    #: category (clinic/safety/contraindications.py) -> its name in this language; empty
    #: for English, whose names are the categories themselves.
    categories: Mapping[str, str] = field(default_factory=dict)
    #: canonical body part (data/nlu/vocabulary.yml) -> "el hombro"; empty for English.
    body_parts: Mapping[str, str] = field(default_factory=dict)
    about_body_part: str = " what's going on with your {body_part}"
    about_anything: str = " it"

    def text(self, key: str, **values: str) -> str:
        """The message ``key`` with its placeholders filled in."""
        return self.messages.text(key, **values)

    def describe(self, categories: Tuple[str, ...]) -> str:
        """ "pregnancy and blood thinners" / "embarazo y anticoagulantes"."""
        if not self.categories:
            return describe(categories)
        names = [self.categories[c] for c in CATEGORIES if c in set(categories)]
        if not names:
            return self.categories["other"]
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " y " + names[-1]

    def note(self, note: str) -> str:
        """The clinic's note as the visitor reads it (the note itself in English)."""
        if not self.categories:
            return note
        return NOTE_SEPARATOR.join(self.categories[c] for c in parse_note(note))

    def about(self, body_parts: List[str]) -> str:
        """{about} of the no-diagnosis reply: the first body part named, if known."""
        part = body_parts[0] if body_parts else None
        if part is not None and self.body_parts:
            part = self.body_parts.get(part.lower())
        return self.about_body_part.format(body_part=part) if part else self.about_anything


def _spanish_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SafetyMessagesError(f"{MESSAGES_PATH}: '{SPANISH_KEY}.{key}' is missing or empty")
    return value


def _spanish_mapping(
    data: Mapping[str, Any], key: str, needed: Tuple[str, ...]
) -> Dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise SafetyMessagesError(f"{MESSAGES_PATH}: '{SPANISH_KEY}.{key}' must be a mapping")
    return {str(k): _spanish_text(value, str(k)) for k in (*needed, *value)}


@lru_cache(maxsize=1)
def spanish_health_texts() -> HealthTexts:
    """The ``es`` section of clinic/safety/messages.yml, with the same keys as the English
    messages (read and checked once; a missing text is named)."""
    english = safety_messages()
    try:
        data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SafetyMessagesError(f"{MESSAGES_PATH}: cannot be read: {exc}") from exc
    spanish = data.get(SPANISH_KEY) if isinstance(data, dict) else None
    if not isinstance(spanish, dict):
        raise SafetyMessagesError(f"{MESSAGES_PATH}: '{SPANISH_KEY}' must be a mapping")
    infos = []
    for index, item in enumerate(spanish.get("general_information") or []):
        if not isinstance(item, dict) or not item.get("symptoms"):
            raise SafetyMessagesError(
                f"{MESSAGES_PATH}: '{SPANISH_KEY}.general_information[{index}]' needs "
                "symptoms and a text"
            )
        infos.append(GeneralInformation(
            tuple(str(s).lower() for s in item["symptoms"]), _spanish_text(item, "text")
        ))
    messages = SafetyMessages(
        texts={key: _spanish_text(spanish, key) for key in english.texts},
        buttons=_spanish_mapping(spanish, "buttons", tuple(english.buttons)),
        general_information=tuple(infos),
    )
    return HealthTexts(
        messages=messages,
        language=SPANISH,
        categories=_spanish_mapping(spanish, "categories", (*CATEGORIES, "other")),
        body_parts=_spanish_mapping(spanish, "body_parts", ()),
        about_body_part=_spanish_text(spanish, "about_body_part"),
        about_anything=_spanish_text(spanish, "about_anything"),
    )


def health_texts(tracker: Tracker) -> HealthTexts:
    """The health replies in the conversation's language (English unless it is Spanish)."""
    if conversation_language(tracker) == SPANISH:
        return spanish_health_texts()
    return HealthTexts(safety_messages())


def disclaimer_events(tracker: Tracker) -> Tuple[Optional[str], List[EventType]]:
    """The once-per-conversation health disclaimer, if it has not been shown yet.

    Any action that starts answering a health question can call this, send the text first
    when it is not ``None`` and return the events with its own.

    Returns:
        ``(text, [SlotSet("disclaimer_shown", True)])`` the first time, else ``(None, [])``.
    """
    if tracker.get_slot(DISCLAIMER_SLOT):
        return None, []
    return health_texts(tracker).text("disclaimer"), [SlotSet(DISCLAIMER_SLOT, True)]


def _latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def _entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v]


def _in_form(tracker: Tracker) -> bool:
    return bool(tracker.active_loop_name)


def _send_disclaimer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    text, events = disclaimer_events(tracker)
    if text:
        dispatcher.utter_message(text=text)
    return events


def _offer_note(
    dispatcher: CollectingDispatcher, tracker: Tracker, categories: Tuple[str, ...]
) -> List[EventType]:
    """Advice for known categories plus the offer to add a note (pending until consent)."""
    said = health_texts(tracker)
    messages = said.messages
    note = format_note(categories)
    if note is None:
        dispatcher.utter_message(text=said.text("contraindication_advice_unknown"))
        return [SlotSet(PENDING_NOTE_SLOT, None)]
    dispatcher.utter_message(
        text=said.text("contraindication_advice", categories=said.describe(categories))
    )
    dispatcher.utter_message(
        text=said.text("note_offer", note=said.note(note), note_en=note),
        buttons=[
            {"title": messages.buttons["add_note"], "payload": CONSENT_PAYLOAD},
            {"title": messages.buttons["no_note"], "payload": DECLINE_PAYLOAD},
        ],
    )
    return [SlotSet(PENDING_NOTE_SLOT, note)]


def offer_health_note(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: Optional[str]
) -> List[EventType]:
    """Advice and the note offer for contraindications found in ``text`` (any action may call it).

    For example the booking form's concern question: "I'm pregnant and my back hurts" should
    get the same advice as a direct mention. Nothing is sent, and ``[]`` returned, when
    ``text`` mentions no category or only categories already in the note.

    Returns:
        The events to return with the caller's own (the pending note, not the note itself:
        that is only set by ``action_save_health_note`` after the visitor agrees).
    """
    categories = detect_contraindications(text)
    already = set(parse_note(tracker.get_slot(NOTE_SLOT)))
    if not categories or already.issuperset(categories):
        return []
    return _offer_note(dispatcher, tracker, categories)


class ActionStopFormForSafety(Action):
    """Ends any active form after the emergency or crisis reply."""

    def name(self) -> Text:
        return "action_stop_form_for_safety"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if not _in_form(tracker):
            return []
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


class ActionNoDiagnosis(Action):
    """Declines to diagnose; gives general information and where to get an assessment."""

    def name(self) -> Text:
        return "action_no_diagnosis"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        said = health_texts(tracker)
        messages = said.messages
        events = _send_disclaimer(dispatcher, tracker)
        about = said.about(_entity_values(tracker, "body_part"))
        parts = [said.text("no_diagnosis", about=about)]
        information = messages.information_for(_entity_values(tracker, "symptom"))
        if information:
            parts.append(information)
        buttons: List[Dict[Text, Any]] = []
        if not _in_form(tracker):  # in a form, the form asks its own question next
            buttons = [
                {"title": messages.buttons["book"], "payload": BOOKING_PAYLOAD},
                {"title": messages.buttons["nmt"], "payload": "/ask_nmt_overview"},
                {"title": messages.buttons["fmm"], "payload": "/ask_fmm_overview"},
            ]
        dispatcher.utter_message(text=" ".join(parts), buttons=buttons)
        return events + offer_health_note(dispatcher, tracker, _latest_text(tracker))


class ActionContraindicationAdvice(Action):
    """Check with your doctor first; offer to add a note for the clinic."""

    def name(self) -> Text:
        return "action_contraindication_advice"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events = _send_disclaimer(dispatcher, tracker)
        categories = detect_contraindications(_latest_text(tracker))
        already = set(parse_note(tracker.get_slot(NOTE_SLOT)))
        if categories and already.issuperset(categories):
            # Already noted with the visitor's consent: repeat the advice, don't ask again.
            said = health_texts(tracker)
            dispatcher.utter_message(
                text=said.text("contraindication_advice", categories=said.describe(categories))
            )
            return events
        return events + _offer_note(dispatcher, tracker, categories)


class ActionSaveHealthNote(Action):
    """Adds the pending categories to ``contraindication_note`` (the visitor agreed)."""

    def name(self) -> Text:
        return "action_save_health_note"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        said = health_texts(tracker)
        pending = parse_note(tracker.get_slot(PENDING_NOTE_SLOT))
        if not pending:
            dispatcher.utter_message(text=said.text("note_nothing_pending"))
            return []
        note = merge_notes(tracker.get_slot(NOTE_SLOT), pending)
        buttons = (
            []
            if _in_form(tracker)
            else [{"title": said.messages.buttons["book"], "payload": BOOKING_PAYLOAD}]
        )
        dispatcher.utter_message(
            text=said.text("note_saved", note=said.note(note or ""), note_en=note or ""),
            buttons=buttons,
        )
        return [SlotSet(NOTE_SLOT, note), SlotSet(PENDING_NOTE_SLOT, None)]


class ActionDeclineHealthNote(Action):
    """Drops the pending note (the visitor said no)."""

    def name(self) -> Text:
        return "action_decline_health_note"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(text=health_texts(tracker).text("note_declined"))
        return [SlotSet(PENDING_NOTE_SLOT, None)]
