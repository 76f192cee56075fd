"""The conversation's language: the slot ``language``, the choice, and the Spanish note.

* ``action_detect_language`` is the custom slot mapping of ``language`` (domain/language.yml):
  Rasa's ``action_extract_slots`` runs it after every visitor message, before any reply is
  predicted, so it is never part of a rule or story. It applies the pure rules of
  clinic/language/rules.py to the message's detection (parse data ``language``, from
  clinic/nlu/language_detector.py). It cannot speak (Rasa 3.6 keeps only the slot events
  of a slot-mapping action), so when the first typed message could be English or Spanish
  it sets ``language_question`` and the turn's answer asks "English / Español?" first.
* ``action_confirm_language`` answers a choice (the buttons, the widget's switch, "in
  Spanish please").
* ``language_preamble`` goes before the answering actions' replies: that question, or in a
  Spanish conversation a one-line note that the answer is in English. A caller whose reply
  is in Spanish (the curated therapy answers, issue 21 part 4) passes ``has_spanish=True``
  and gets no note; the default keeps the note for replies that exist only in English.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_config
from clinic.config import ClinicConfigError
from clinic.language.detect import NO_LANGUAGE, PARSE_KEY, Detection
from clinic.language.messages import language_messages
from clinic.language.rules import decide, history
from clinic.language.text import SPANISH

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
QUESTION_SLOT = "language_question"
LANGUAGE_ENTITY = "language"
#: Key of the widget's page language in a message's metadata (web/widget/widget.js).
HINT_KEY = "language"


def conversation_language(tracker: Tracker) -> Optional[str]:
    """The conversation's language (``None``: not known yet, English replies)."""
    value = tracker.get_slot(LANGUAGE_SLOT)
    return value if isinstance(value, str) else None


def language_preamble(
    dispatcher: CollectingDispatcher, tracker: Tracker, has_spanish: bool = False
) -> List[EventType]:
    """What goes before an answer: the "English / Español?" question when this turn asks
    it, else in a Spanish conversation the note that the answer is in English.

    Args:
        has_spanish: the caller's reply is in Spanish, so a Spanish conversation needs
            no note (the question, when this turn asks it, is still asked). The default,
            ``False``, is for replies that exist only in English.

    Returns:
        The events to return with the caller's own.
    """
    if tracker.get_slot(QUESTION_SLOT):
        dispatcher.utter_message(**language_messages().ask.as_kwargs())
        return [SlotSet(QUESTION_SLOT, False)]
    if conversation_language(tracker) == SPANISH and not has_spanish:
        dispatcher.utter_message(**language_messages().note.as_kwargs())
    return []


def send_unclear_spanish(dispatcher: CollectingDispatcher) -> None:
    """Says, in Spanish, that the message was not understood (with the main options)."""
    dispatcher.utter_message(**language_messages().unclear.as_kwargs())


def _offered() -> List[str]:
    try:
        return list(clinic_config().languages)
    except ClinicConfigError as error:  # the launcher checks clinic.yml before start-up
        logger.error("clinic.yml: %s; offering English only", error)
        return ["en"]


def _requested(message: Dict[str, Any]) -> Optional[str]:
    for entity in message.get("entities") or []:
        if entity.get("entity") == LANGUAGE_ENTITY and isinstance(entity.get("value"), str):
            return str(entity["value"]).lower()
    return None


def _hint(message: Dict[str, Any]) -> Optional[str]:
    metadata = message.get("metadata")
    value = metadata.get(HINT_KEY) if isinstance(metadata, dict) else None
    return value.lower()[:2] if isinstance(value, str) else None


class ActionDetectLanguage(Action):
    """Keeps the slot ``language`` after every message (run by action_extract_slots)."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        detection = Detection.from_parse_data(message.get(PARSE_KEY)) or NO_LANGUAGE
        current = conversation_language(tracker)
        decision = decide(
            current,
            detection,
            offered=_offered(),
            chosen=_requested(message),
            hint=_hint(message),
            past=history(tracker.events),
            intent=(message.get("intent") or {}).get("name"),
        )
        events: List[EventType] = []
        if bool(tracker.get_slot(QUESTION_SLOT)) != decision.ask:
            events.append(SlotSet(QUESTION_SLOT, decision.ask))
        if decision.language != current:
            logger.info("conversation language: %s -> %s", current, decision.language)
            events.append(SlotSet(LANGUAGE_SLOT, decision.language))
        return events


class ActionConfirmLanguage(Action):
    """Answers "English" / "Español" (the slot is already set by action_detect_language)."""

    def name(self) -> Text:
        return "action_confirm_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        messages = language_messages()
        offered = _offered()
        requested = _requested(tracker.latest_message or {})
        if requested is not None and requested in offered and requested in messages.chosen:
            said = messages.chosen[requested]
        elif requested is None and len(offered) > 1:
            said = messages.ask
        else:
            said = messages.unavailable
        dispatcher.utter_message(**said.as_kwargs())
        return []
