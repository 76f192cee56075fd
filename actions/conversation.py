"""Replies from context: ``action_reply_guard`` and ``action_handle_unclear``.

``action_handle_unclear`` runs when the NLU is unsure (``nlu_fallback``), and
``action_reply_guard`` when a turn would otherwise end with no reply. Both do the same:

the guarded policies (clinic/dialogue/reply_guard.py) run the guard whenever a turn is
about to end without a visible reply, and RulePolicy runs it when no rule applies. They
read the message's kind (actions/short_replies.py) and answers from context: "yes"
follows the offer just made, "no" closes politely, "the first one" picks from the
did-you-mean buttons, a volunteered phone number gets an offer to start a booking
request (and is not kept). Anything else is searched in the curated content like an
unclear message, so the visitor always gets an answer, a question back, or an honest
"I don't know" with the clinic's contact.

In a Spanish conversation the replies and their buttons are Spanish (the search uses the
Spanish index); a Spanish message that finds nothing gets the Spanish "not understood"
reply, and the "not in Spanish yet" note only precedes a reply that is English-only.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    answer_language,
    in_spanish,
    message_terms,
    send,
    topic_index,
    topic_index_es,
)
from actions.booking.form import FORM_NAME, open_booking
from actions.clinic_info import clinic_config
from actions.knowledge import knowledge_base
from actions.knowledge_replies import LAST_TOPIC_SLOT, therapies_in, unclear_reply
from actions.language import language_preamble, send_unclear_spanish
from actions.safety import offer_health_note
from actions.short_replies import OTHER, Context, guard_reply, message_kind, previous_bot_buttons
from clinic.language.text import SPANISH

logger = logging.getLogger(__name__)


async def reply_in_context(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> List[EventType]:
    """Answers the latest message from context, or from a content search."""
    kb = knowledge_base()
    config = clinic_config()
    language = answer_language(tracker)
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text")
    kind = message_kind(text, intent)
    if kind == OTHER:
        entities = message.get("entities") or []
        reply = unclear_reply(
            kb,
            topic_index(),
            text,
            message.get("intent_ranking") or [],
            therapies_in(entities, text),
            config,
            language=language,
            index_es=topic_index_es(),
            tokens=message_terms(tracker),
        )
        logger.info(
            "unclear message: %s", f"answered {reply.topic}" if reply.topic else "no answer"
        )
        if language == SPANISH and reply.topic is None and not reply.did_you_mean:
            # not understood: say so in Spanish (with the main options)
            send_unclear_spanish(dispatcher)
            return offer_health_note(dispatcher, tracker, text)
        events = language_preamble(dispatcher, tracker, has_spanish=in_spanish([reply]))
        # understood or not, a condition it names gets the check-with-your-doctor advice
        return events + send(dispatcher, reply) + offer_health_note(dispatcher, tracker, text)
    logger.info("short reply: intent=%s kind=%s", intent, kind)
    context = Context(
        buttons=previous_bot_buttons(tracker.events),
        last_topic=tracker.get_slot(LAST_TOPIC_SLOT),
    )
    result = guard_reply(kb, config, kind, text, context, intent, language)
    # The booking form opened here speaks the conversation's language (texts_for), so a
    # "yes" to a booking offer gets no "not in Spanish yet" note before its Spanish start.
    spanish = in_spanish(result.replies) or (
        result.open_booking
        and language == SPANISH
        and all(reply.language == SPANISH for reply in result.replies)
    )
    events: List[EventType] = language_preamble(dispatcher, tracker, has_spanish=spanish)
    for reply in result.replies:
        events += send(dispatcher, reply)
    if result.open_booking:
        events += open_booking(dispatcher, tracker)
        events.append(FollowupAction(FORM_NAME))
    return events


class ActionReplyGuard(Action):
    """Answers a turn that would otherwise end in silence."""

    def name(self) -> Text:
        return "action_reply_guard"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return await reply_in_context(dispatcher, tracker)


class ActionHandleUnclear(ActionReplyGuard):
    """When the NLU is unsure (``nlu_fallback``): the same reply from context."""

    def name(self) -> Text:
        return "action_handle_unclear"
