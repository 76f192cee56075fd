"""Answering therapy questions from the curated content (``content/``).

``action_answer_question`` answers every ``ask_*`` intent: it picks the topic from the intent,
the therapy the visitor named (or the one just discussed, for "how does it ..."), and the
last topic for follow-ups ("tell me more", "why?", "and in FMM?").
``action_handle_unclear`` (the NLU is unsure) lives in ``actions/conversation.py`` with the
reply guard: both answer a short message from context and search the content otherwise.

It always records the topic they answered in the ``last_topic`` slot and keep the
``therapy`` slot ("NMT"/"FMM") for the booking form. The replies themselves are built by the
pure helpers of ``actions/knowledge_replies.py``.

In a Spanish conversation (slot ``language`` = "es") the answer, its buttons and the
follow-ups come from the topic's Spanish texts, with no "not in Spanish yet" note; the note
(``language_preamble``) only precedes a reply that exists in English alone.

The content is loaded, validated and indexed when the action server imports this module,
so a mistake in a content file stops the server at start-up with a message naming the file
and the entry, instead of surfacing in a visitor's chat.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_config
from actions.knowledge import SPANISH, ContentError, english_documents, knowledge_base
from actions.knowledge_replies import (
    FOLLOW_UP_INTENTS,
    INTENT_MORE,
    INTENT_WHY,
    LAST_TOPIC_SLOT,
    Reply,
    follow_up_reply,
    offer_second_topic,
    resolve_topic,
    second_topic,
    slot_events,
    therapies_in,
    topic_reply,
    unclear_reply,
)
from actions.language import conversation_language, language_preamble
from actions.safety import offer_health_note
from actions.search import TopicIndex, build_index, default_tokenizer, spanish_tokens
from clinic.nlp.search_terms import PARSE_KEY as SEARCH_TERMS_KEY
from clinic.nlp.search_terms import parse_terms

logger = logging.getLogger(__name__)

# Follow-ups that only make sense after an answer ("and in FMM?" names its own subject).
CONTEXT_FREE_FOLLOW_UPS = (INTENT_MORE, INTENT_WHY)


def send(dispatcher: CollectingDispatcher, reply: Reply) -> List[EventType]:
    """Sends the reply and returns its slot events."""
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
    return slot_events(reply)


def answer_language(tracker: Tracker) -> Optional[str]:
    """ "es" when the conversation is in Spanish (the replies then use the Spanish texts)."""
    return SPANISH if conversation_language(tracker) == SPANISH else None


def in_spanish(replies: List[Reply]) -> bool:
    """True when every reply to send is in Spanish (then no "not in Spanish yet" note)."""
    return bool(replies) and all(reply.language == SPANISH for reply in replies)


# ---------------------------------------------------------------------------------------
# Content and index: loaded once, when the action server imports this module
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def topic_index() -> TopicIndex:
    """The search index over the curated content (built once per process)."""
    return build_index(english_documents(knowledge_base()), default_tokenizer())


@lru_cache(maxsize=1)
def topic_index_es() -> TopicIndex:
    """The search index over the Spanish texts, for Spanish conversations."""
    kb = knowledge_base()
    return build_index(
        (
            (t.id, t.search_text_es(), t.search_boosted_text_es())
            for t in kb.topics.values()
            if t.has_language(SPANISH)
        ),
        spanish_tokens,
    )


def warm_up() -> None:
    """Loads and validates the content and builds the index (fails fast on bad content).

    Raises:
        ImportError: the content is invalid. rasa-sdk stops the action server (exit code
            1) on an ImportError while loading actions, logging this message, which names
            the file and the entry to fix.
    """
    try:
        kb = knowledge_base()
        topic_index()
        topic_index_es()
    except ContentError as exc:
        logger.error("The curated content in content/ is invalid: %s", exc)
        raise ImportError(f"invalid curated content: {exc}") from exc
    logger.info("curated content loaded: %d topics", len(kb.topics))


warm_up()


# ---------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------


Parsed = Tuple[str, Optional[str], List[Dict[str, Any]], List[Dict[str, Any]]]


def message_terms(tracker: Tracker) -> Optional[List[str]]:
    """The latest message's English search terms from its parse data (None if absent)."""
    return parse_terms((tracker.latest_message or {}).get(SEARCH_TERMS_KEY))


def _latest(tracker: Tracker) -> Parsed:
    """Intent name, text, entities and intent ranking of the visitor's latest message."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name") or ""
    entities = message.get("entities") or []
    ranking = message.get("intent_ranking") or []
    return intent, message.get("text"), entities, ranking


class ActionAnswerQuestion(Action):
    """Answers a therapy question (any ``ask_*`` intent, follow-ups included)."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        kb = knowledge_base()
        config = clinic_config()
        language = answer_language(tracker)
        intent, text, entities, ranking = _latest(tracker)
        named = therapies_in(entities, text)
        last_topic = tracker.get_slot(LAST_TOPIC_SLOT)
        if intent in CONTEXT_FREE_FOLLOW_UPS and kb.get(last_topic) is None:
            # "tell me more" with nothing before it: maybe a question the NLU misread
            reply = unclear_reply(
                kb, topic_index(), text, ranking, named, config, answer_only=True,
                language=language, index_es=topic_index_es(), tokens=message_terms(tracker),
            )
        elif intent in FOLLOW_UP_INTENTS:
            reply = follow_up_reply(kb, intent, named, last_topic, config, language)
        else:
            topic_id = resolve_topic(kb, intent, named, last_topic, text)
            if topic_id is None:
                logger.warning("no topic for intent %s; searching instead", intent)
                reply = unclear_reply(
                    kb, topic_index(), text, ranking, named, config,
                    language=language, index_es=topic_index_es(),
                    tokens=message_terms(tracker),
                )
            else:
                reply = topic_reply(kb, topic_id, config, named=named, language=language)
                other = second_topic(kb, ranking, named, topic_id, text)
                reply = offer_second_topic(kb, reply, other)
        logger.info("answer: intent=%s topic=%s language=%s", intent, reply.topic, reply.language)
        events = language_preamble(dispatcher, tracker, has_spanish=in_spanish([reply]))
        # a condition named beside the question ("I'm pregnant and my hips are tight") gets
        # the check-with-your-doctor advice whatever intent the classifier picked
        return events + send(dispatcher, reply) + offer_health_note(dispatcher, tracker, text)
