"""``action_answer_faq``: answers a staff FAQ from the FAQ store (see actions/faq_replies.py).

The FaqRetriever (NLU, Rasa server) names the FAQ and the version it found it in; this
action reads that version from the same store (``DATABASE_URL``). Versions never change once
written, so each is read once and kept; a "Did you mean" button names only the FAQ, which is
looked up in the live version.

In a Spanish conversation (slot ``language`` = "es") an FAQ with a Spanish answer answers in
Spanish, with ``{clinic_contact}`` / ``{clinic_name}`` filled in Spanish, and nothing before
it; an FAQ without one gives the English answer after ``language_preamble``'s Spanish note.
The Spanish texts are in clinic/language/messages.yml (key ``faq``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

import yaml

from actions.clinic_info import clinic_config
from actions.faq_replies import FAQ_MESSAGES_KEY, Spanish, faq_reply, spanish
from actions.language import conversation_language, language_preamble
from clinic.config import ClinicConfig
from clinic.faq.model import SPANISH, Faq
from clinic.faq.store import FaqStore, StoreError
from clinic.language.messages import MESSAGES_PATH
from clinic.settings import Settings

logger = logging.getLogger(__name__)

UNAVAILABLE = ("Sorry, I can't look that up right now. {contact}")


@lru_cache(maxsize=4)
def _store(url: str) -> FaqStore:
    return FaqStore(url)


@lru_cache(maxsize=16)
def _version_faqs(url: str, version: int) -> Tuple[Faq, ...]:
    return _store(url).get(version).faqs


def faqs_for(version: Optional[int], url: Optional[str] = None) -> Tuple[Faq, ...]:
    """The FAQs of ``version`` (``None``: the live one); empty on an empty store."""
    url = url or Settings.from_env().database_url
    if version is None:
        version = _store(url).live_version_number()
        if version is None:
            return ()
    return _version_faqs(url, int(version))


@lru_cache(maxsize=1)
def spanish_messages() -> Dict[str, str]:
    """The ``faq`` texts of clinic/language/messages.yml (read once)."""
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8")) or {}
    return dict(data.get(FAQ_MESSAGES_KEY) or {})


def spanish_for(config: ClinicConfig) -> Spanish:
    """The Spanish texts and fill-ins of a Spanish conversation."""
    return spanish(spanish_messages(), config.public("clinic", "name"),
                   config.public("clinic", "phone"), config.public("clinic", "email"),
                   config.public("clinic", "address"))


class ActionAnswerFaq(Action):
    """Answers the FAQ the retriever found, offers a choice, or lists the FAQs."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        latest = tracker.latest_message or {}
        config = clinic_config()
        values = {"clinic_name": config.clinic_name,
                  "clinic_contact": config.contact_sentence()}
        in_spanish = spanish_for(config) if conversation_language(tracker) == SPANISH else None
        version = (latest.get("faq") or {}).get("version")
        try:
            faqs = faqs_for(version)
        except (StoreError, KeyError) as exc:
            logger.warning("FAQ store not readable for an answer (%s)", type(exc).__name__)
            if in_spanish is not None:
                text = spanish_messages()["unavailable"].format(
                    contact=in_spanish.values["clinic_contact"])
            else:
                text = UNAVAILABLE.format(contact=values["clinic_contact"])
            dispatcher.utter_message(text=text)
            return []
        reply = faq_reply(latest, faqs, values, in_spanish)
        # the "English / Español?" question when this turn asks it; the Spanish note only
        # before an English reply in a Spanish conversation
        events = language_preamble(dispatcher, tracker, has_spanish=reply.language == SPANISH)
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return events
