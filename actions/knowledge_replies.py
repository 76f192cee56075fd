"""Building the assistant's therapy replies from the curated content (pure, no Rasa I/O).

Picks the topic a question asks for (intent + the therapy named + context), composes the
chat text (answer, citation, clinic details) and the quick replies, and handles follow-ups
and unclear messages. ``actions/answers.py`` wraps these in actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa_sdk.events import EventType, SlotSet

from actions.knowledge import OVERVIEWS, THERAPIES, KnowledgeBase, Topic
from actions.search import ANSWER, CLARIFY, TopicIndex, decide
from clinic.config import ClinicConfig

LAST_TOPIC_SLOT = "last_topic"
THERAPY_SLOT = "therapy"
BOOKING_PAYLOAD = "/request_booking"
BOOK_BUTTON = {"title": "Book a session", "payload": BOOKING_PAYLOAD}
ARTICLE_BUTTON_TITLE = "Read the article"
RELATED_BUTTONS = 2

INTENT_MORE = "ask_more"
INTENT_WHY = "ask_why"
INTENT_OTHER_THERAPY = "ask_other_therapy"
FOLLOW_UP_INTENTS = (INTENT_MORE, INTENT_WHY, INTENT_OTHER_THERAPY)
FALLBACK_INTENT = "nlu_fallback"
# Words that only name a therapy: a message with nothing else ("hey, nmt?") asks for its overview.
THERAPY_WORDS = frozenset(
    "nmt fmm neuromuscular neuro muscular functional muscle manipulation massage therapy".split()
)
# A best guess of these means "not a therapy question": no topic is derived from the ranking.
BLOCKING_INTENTS = ("out_of_scope", "emergency", "crisis")
# Words that point back at the therapy just discussed ("how does it treat trigger points?").
_REFERS_BACK = re.compile(r"\b(it|its|it's|this|that|they|them)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reply:
    """What to send and which slots to set.

    ``topic`` is the topic answered (``None`` when the reply answers nothing, e.g. a
    clarification); ``therapy`` the value for the booking pre-fill (``None`` = unchanged).
    """

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    topic: Optional[str] = None
    therapy: Optional[str] = None


def normalize_therapy(value: Any) -> Optional[str]:
    """Maps an extracted ``therapy`` entity value to "NMT" or "FMM" (``None`` if neither)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text == "nmt" or text.startswith("neuro") or "nmt" in text.split() or "trigger" in text:
        return "NMT"
    if text == "fmm" or text.startswith("functional") or "fmm" in text.split():
        return "FMM"
    return None


def therapies_in(entities: Iterable[Dict[str, Any]], text: Optional[str] = None) -> List[str]:
    """The distinct therapies named in a message, in order of appearance.

    "trigger point therapy/massage" counts as NMT only when no therapy is named outright:
    in "does FMM use trigger point therapy?" the visitor asks about FMM.
    """
    named: List[Tuple[str, bool]] = []
    for entity in entities or []:
        if entity.get("entity") != "therapy":
            continue
        therapy = normalize_therapy(entity.get("value"))
        if therapy is None:
            continue
        surface = str(entity.get("text") or "")
        if not surface and text and isinstance(entity.get("start"), int):
            surface = text[entity["start"] : entity.get("end")]
        named.append((therapy, "trigger" in surface.lower()))
    if any(not technique for _, technique in named):
        named = [item for item in named if not item[1]]
    found: List[str] = []
    for therapy, _ in named:
        if therapy not in found:
            found.append(therapy)
    return found


def refers_back(text: Optional[str]) -> bool:
    """True when the message points at something said before ("it", "this", ...)."""
    return bool(text and _REFERS_BACK.search(text))


def other_therapy(therapy: str) -> str:
    """NMT <-> FMM."""
    return "FMM" if therapy == "NMT" else "NMT"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def resolve_topic(
    kb: KnowledgeBase,
    intent: str,
    therapies: Sequence[str],
    last_topic: Optional[str] = None,
    text: Optional[str] = None,
) -> Optional[str]:
    """The topic a question asks for.

    One therapy named refines the intent ("how does FMM treat trigger points" ->
    ``trigger_points_fmm``); none named but a word pointing back ("how does it ...") uses
    the therapy of the topic just discussed; otherwise the intent's general topic.
    """
    therapy: Optional[str] = therapies[0] if len(therapies) == 1 else None
    if not therapies and refers_back(text):
        previous = kb.get(last_topic)
        if previous is not None and previous.therapy in THERAPIES:
            therapy = previous.therapy
    return kb.route(intent, therapy)


def template_values(config: ClinicConfig) -> Dict[str, str]:
    """Values for the placeholders a topic's text may use (see content/topics/clinic.yml)."""
    address = config.public("clinic", "address")
    hours = config.public("clinic", "hours")
    return {
        "city": config.public("clinic", "city") or "Los Angeles",
        "address_sentence": "" if address else (
            "The street address isn't available in this chat yet."
        ),
        "hours_sentence": f"Our opening hours: {hours}." if hours else (
            "Our opening hours aren't available in this chat yet."
        ),
        "contact_sentence": config.contact_sentence(),
    }


def fill(text: str, config: ClinicConfig) -> str:
    """Fills clinic placeholders and tidies the spacing."""
    if "{" in text:
        text = text.format(**template_values(config))
    return " ".join(text.split())


def citation(kb: KnowledgeBase, topic: Topic) -> str:
    """Which of the clinic's texts the answer comes from."""
    return f"(From {kb.sources[topic.source].cite_as}.)"


def source_link(kb: KnowledgeBase, topic: Topic, config: ClinicConfig) -> Optional[str]:
    """The https address of the topic's source, when the clinic has configured it."""
    setting = kb.sources[topic.source].link_setting
    if not setting:
        return None
    if setting == "article_url":
        return config.article_url
    url = config.public("clinic", setting)
    return url if url and url.startswith("https://") else None


def topic_button(topic: Topic) -> Dict[str, str]:
    """A quick reply that asks for ``topic``."""
    return {"title": topic.button, "payload": topic.payload}


def answer_buttons(
    kb: KnowledgeBase, topic: Topic, config: ClinicConfig
) -> List[Dict[str, str]]:
    """Two related topics, "Book a session", and the article link when configured."""
    buttons = [topic_button(kb.topics[r]) for r in topic.related[:RELATED_BUTTONS]]
    buttons.append(dict(BOOK_BUTTON))
    url = source_link(kb, topic, config)
    if url:
        buttons.append({"title": ARTICLE_BUTTON_TITLE, "url": url})
    return buttons


def _therapy_for(topic: Topic, named: Sequence[str]) -> Optional[str]:
    if len(named) == 1:
        return named[0]
    if not named and topic.therapy in THERAPIES:
        return topic.therapy
    return None


def topic_reply(
    kb: KnowledgeBase,
    topic_id: str,
    config: ClinicConfig,
    part: str = "answer",
    lead: Optional[str] = None,
    named: Sequence[str] = (),
) -> Reply:
    """The reply for a topic: its answer, its "more" or its "why", with citation and buttons."""
    topic = kb.topics[topic_id]
    if part == "why":
        body = topic.why or topic.more
    elif part == "more":
        body = topic.more
    else:
        body = topic.answer
    if not body:
        body = (
            f"That's everything our material says about {_lower_first(topic.title)}. "
            "The therapist can tell you more in person."
        )
    text = fill(body, config)
    if lead:
        text = f"{lead} {text}"
    text = f"{text}\n\n{citation(kb, topic)}"
    return Reply(
        text=text,
        buttons=answer_buttons(kb, topic, config),
        topic=topic.id,
        therapy=_therapy_for(topic, named),
    )


def choose_reply(kb: KnowledgeBase, question: str, topic_ids: Sequence[str]) -> Reply:
    """Asks the visitor to pick a topic (no topic answered yet)."""
    buttons = [topic_button(kb.topics[t]) for t in topic_ids if t in kb.topics]
    return Reply(text=question, buttons=buttons)


def start_reply(kb: KnowledgeBase) -> Reply:
    """For an empty message or a follow-up with nothing before it."""
    reply = choose_reply(
        kb,
        "What would you like to know? I can explain our two therapies, NMT and FMM, how "
        "they differ, and which might suit you.",
        ["nmt_overview", "fmm_overview", "compare_therapies"],
    )
    reply.buttons.append(dict(BOOK_BUTTON))
    return reply


def unknown_reply(kb: KnowledgeBase, config: ClinicConfig) -> Reply:
    """An honest "I don't know", with the clinic's contact and the booking option."""
    reply = choose_reply(
        kb,
        "I'm sorry, I don't know that one. I can only answer questions about our two "
        "therapies, NMT and FMM, from the clinic's own material. "
        f"{config.contact_sentence()} I can also pass a booking request to our team.",
        ["nmt_overview", "fmm_overview"],
    )
    reply.buttons.append(dict(BOOK_BUTTON))
    return reply


def follow_up_reply(
    kb: KnowledgeBase,
    intent: str,
    named: Sequence[str],
    last_topic: Optional[str],
    config: ClinicConfig,
) -> Reply:
    """Answers "tell me more", "why?" and "and in FMM?" from the last topic."""
    previous = kb.get(last_topic)
    if intent in (INTENT_MORE, INTENT_WHY):
        if previous is None:
            return start_reply(kb)
        part = "why" if intent == INTENT_WHY else "more"
        return topic_reply(kb, previous.id, config, part=part, named=named)
    # "and in FMM?" / "what about the other one?"
    therapy: Optional[str] = None
    if len(named) == 1:
        therapy = named[0]
    elif named and previous is not None:
        therapy = next((t for t in named if t not in previous.therapies), named[0])
    elif previous is not None and previous.therapy in THERAPIES:
        therapy = other_therapy(previous.therapy)
    if therapy is None:
        if previous is None:
            return choose_reply(
                kb, "Which therapy would you like to hear about?", list(OVERVIEWS.values())
            )
        options = [kb.perspective(previous.id, t) for t in THERAPIES]
        return choose_reply(kb, "Which side would you like to hear about?", options)
    if previous is None:
        return topic_reply(kb, OVERVIEWS[therapy], config, named=[therapy])
    target = kb.perspective(previous.id, therapy)
    if target == previous.id:
        return topic_reply(kb, target, config, part="more", named=[therapy])
    lead = previous.other_therapy_note if therapy not in previous.therapies else None
    return topic_reply(kb, target, config, lead=lead, named=[therapy])


def classifier_guess(
    kb: KnowledgeBase, ranking: Sequence[Dict[str, Any]], named: Sequence[str]
) -> Tuple[Optional[str], float]:
    """The topic the classifier's guesses below the threshold point to, and their confidence.

    Intents leading to the same topic add up ("how does FMM calm the nervous system" splits
    between two intents that both mean ``autonomic_regulation``). When the classifier's
    best guess is ``out_of_scope`` there is no topic: an unrelated question is never
    steered towards a therapy answer.
    """
    therapy = named[0] if len(named) == 1 else None
    totals: Dict[str, float] = {}
    first = True
    for entry in ranking or []:
        name = str(entry.get("name"))
        if name == FALLBACK_INTENT:
            continue
        if first and name in BLOCKING_INTENTS:
            return None, 0.0
        first = False
        topic = kb.route(name, therapy)
        if topic:
            totals[topic] = totals.get(topic, 0.0) + float(entry.get("confidence") or 0.0)
    if not totals:
        return None, 0.0
    best = max(totals, key=lambda t: totals[t])
    return best, round(totals[best], 4)


def unclear_reply(
    kb: KnowledgeBase,
    index: TopicIndex,
    text: Optional[str],
    ranking: Sequence[Dict[str, Any]],
    named: Sequence[str],
    config: ClinicConfig,
    answer_only: bool = False,
) -> Reply:
    """Searches the content for a message the NLU was unsure about.

    With ``answer_only`` (a follow-up like "tell me more" with nothing before it, which
    may be a misread question) only a clear answer is given; otherwise the visitor is
    asked what they would like to know.
    """
    if not text or not text.strip() or text.strip().startswith("/"):
        return start_reply(kb)
    guess, confidence = classifier_guess(kb, ranking, named)
    terms = index.query_terms(text)
    if len(named) == 1 and terms and all(term in THERAPY_WORDS for term in terms):
        return topic_reply(kb, OVERVIEWS[named[0]], config, named=named)
    decision = decide(index.search(text), guess, confidence)
    if decision.kind == ANSWER:
        topic = kb.topics[decision.topics[0]]
        if len(named) == 1:  # the therapy named picks the perspective, as for intents
            refined = kb.route(topic.asked_by[0].intent, named[0])
            topic = kb.topics[refined or topic.id]
        lead = f"I think you're asking about {_lower_first(topic.title)}."
        return topic_reply(kb, topic.id, config, lead=lead, named=named)
    if answer_only:
        return start_reply(kb)
    if decision.kind == CLARIFY:
        reply = choose_reply(kb, "I'm not sure I got that. Did you mean…?", decision.topics)
        reply.buttons.append(dict(BOOK_BUTTON))
        return reply
    return unknown_reply(kb, config)


LONG_MESSAGE_WORDS = 12
SECOND_TOPIC_CONFIDENCE = 0.15


def second_topic(
    kb: KnowledgeBase,
    ranking: Sequence[Dict[str, Any]],
    named: Sequence[str],
    answered: str,
    text: Optional[str],
) -> Optional[str]:
    """The other subject of a long message that mentions two ("my arm goes numb ... and
    I'm always stressed"): the best-ranked intent after the one answered that leads to a
    different topic with some confidence. ``None`` for short messages."""
    if not text or len(text.split()) < LONG_MESSAGE_WORDS:
        return None
    therapy = named[0] if len(named) == 1 else None
    for entry in list(ranking or [])[1:4]:
        name = str(entry.get("name"))
        if name in BLOCKING_INTENTS or name == FALLBACK_INTENT:
            continue
        if float(entry.get("confidence") or 0.0) < SECOND_TOPIC_CONFIDENCE:
            return None
        topic = kb.route(name, therapy) or kb.route(name)
        if topic and topic != answered and kb.topics[topic].payload != kb.topics[answered].payload:
            return topic
    return None


def offer_second_topic(kb: KnowledgeBase, reply: Reply, topic_id: Optional[str]) -> Reply:
    """The reply with the other subject's button first (no duplicate buttons)."""
    if not topic_id:
        return reply
    button = topic_button(kb.topics[topic_id])
    rest = [b for b in reply.buttons if b.get("payload") != button["payload"]]
    return Reply(reply.text, [button] + rest, reply.topic, reply.therapy)


def slot_events(reply: Reply) -> List[EventType]:
    """The slots a reply sets: always ``last_topic`` when it answered a topic."""
    events: List[EventType] = []
    if reply.topic:
        events.append(SlotSet(LAST_TOPIC_SLOT, reply.topic))
    if reply.therapy:
        events.append(SlotSet(THERAPY_SLOT, reply.therapy))
    return events
