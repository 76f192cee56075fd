"""Building the assistant's therapy replies from the curated content (pure, no Rasa I/O).

Picks the topic a question asks for (intent + the therapy named + context), composes the
chat text (answer, citation, clinic details) and the quick replies, and handles follow-ups
and unclear messages. ``actions/answers.py`` wraps these in actions.

Every builder takes the conversation's ``language`` (``None``/"en" or "es"). In Spanish it
uses the topic's Spanish texts (``answer_es``, ``button_es``, ...), Spanish buttons (same
payloads) and Spanish fixed phrases; a topic without Spanish is answered in English, and
``Reply.language`` says which language a reply is in (the action adds the "not in Spanish
yet" note only before an English one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa_sdk.events import EventType, SlotSet

from actions.clinic_info import contact_sentence
from actions.knowledge import OVERVIEWS, SPANISH, THERAPIES, KnowledgeBase, Topic
from actions.search import ANSWER, CLARIFY, TopicIndex, decide
from clinic.config import ClinicConfig

LAST_TOPIC_SLOT = "last_topic"
THERAPY_SLOT = "therapy"
BOOKING_PAYLOAD = "/request_booking"
BOOK_BUTTON = {"title": "Book a session", "payload": BOOKING_PAYLOAD}
BOOK_BUTTON_ES = {"title": "Pedir una cita", "payload": BOOKING_PAYLOAD}
ARTICLE_BUTTON_TITLE = "Read the article"
ARTICLE_BUTTON_TITLE_ES = "Leer el artículo"
RELATED_BUTTONS = 2
ENGLISH = "en"

INTENT_MORE = "ask_more"
INTENT_WHY = "ask_why"
INTENT_OTHER_THERAPY = "ask_other_therapy"
FOLLOW_UP_INTENTS = (INTENT_MORE, INTENT_WHY, INTENT_OTHER_THERAPY)
FALLBACK_INTENT = "nlu_fallback"
# Words that only name a therapy: a message with nothing else ("hey, nmt?") asks for its overview.
THERAPY_WORDS = frozenset(
    "nmt fmm neuromuscular neuro muscular functional muscle manipulation massage therapy".split()
)
# The same in Spanish, as the Spanish search tokenizes them ("¿qué es la nmt?").
THERAPY_WORDS_ES = "nmt fmm neuromuscular terapia masaje manipulación muscular funcional"
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
    #: The language the reply is written in ("en" or "es").
    language: str = ENGLISH
    #: True for a "did you mean…?" question (topic buttons to pick from).
    did_you_mean: bool = False


def is_spanish(language: Optional[str]) -> bool:
    """True for a Spanish conversation."""
    return language == SPANISH


def said(language: Optional[str], english: str, spanish: str) -> str:
    """The phrase in the conversation's language."""
    return spanish if is_spanish(language) else english


def book_button(language: Optional[str] = None) -> Dict[str, str]:
    """ "Book a session" / "Pedir una cita" (a fresh dict)."""
    return dict(BOOK_BUTTON_ES if is_spanish(language) else BOOK_BUTTON)


def reply_language(language: Optional[str]) -> str:
    """ "es" for a Spanish conversation, else "en"."""
    return SPANISH if is_spanish(language) else ENGLISH


def normalize_therapy(value: Any) -> Optional[str]:
    """Maps an extracted ``therapy`` entity value to "NMT" or "FMM" (``None`` if neither)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text == "nmt" or text.startswith("neuro") or "nmt" in text.split() or "trigger" in text:
        return "NMT"
    if text == "fmm" or text.startswith("functional") or "fmm" in text.split():
        return "FMM"
    # Spanish names ("terapia neuromuscular", "manipulación muscular funcional")
    if "neuromuscular" in text or "gatillo" in text:
        return "NMT"
    if "funcional" in text or text.startswith("manipulaci"):
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
        named.append((therapy, "trigger" in surface.lower() or "gatillo" in surface.lower()))
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


def template_values(config: ClinicConfig, language: Optional[str] = None) -> Dict[str, str]:
    """Values for the placeholders a topic's text may use (see content/topics/clinic.yml),
    in the conversation's language (the clinic's own values are never translated)."""
    address = config.public("clinic", "address")
    hours = config.public("clinic", "hours")
    if is_spanish(language):
        return {
            "city": config.public("clinic", "city") or "Los Angeles",
            "address_sentence": "" if address else (
                "La dirección todavía no está disponible en este chat."
            ),
            "hours_sentence": f"Nuestro horario: {hours}." if hours else (
                "Nuestro horario todavía no está disponible en este chat."
            ),
            "contact_sentence": contact_sentence(config, language),
        }
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


def fill(text: str, config: ClinicConfig, language: Optional[str] = None) -> str:
    """Fills clinic placeholders and tidies the spacing."""
    if "{" in text:
        text = text.format(**template_values(config, language))
    return " ".join(text.split())


def citation(kb: KnowledgeBase, topic: Topic, language: Optional[str] = None) -> str:
    """Which of the clinic's texts the answer comes from."""
    cited = kb.sources[topic.source].citation_name(language)
    return said(language, f"(From {cited}.)", f"(Fuente: {cited}.)")


def source_link(kb: KnowledgeBase, topic: Topic, config: ClinicConfig) -> Optional[str]:
    """The https address of the topic's source, when the clinic has configured it."""
    setting = kb.sources[topic.source].link_setting
    if not setting:
        return None
    if setting == "article_url":
        return config.article_url
    url = config.public("clinic", setting)
    return url if url and url.startswith("https://") else None


def topic_button(topic: Topic, language: Optional[str] = None) -> Dict[str, str]:
    """A quick reply that asks for ``topic``, titled in the conversation's language (the
    payload is the same in every language)."""
    return {"title": topic.text("button", language) or topic.button, "payload": topic.payload}


def answer_buttons(
    kb: KnowledgeBase, topic: Topic, config: ClinicConfig, language: Optional[str] = None
) -> List[Dict[str, str]]:
    """Two related topics, "Book a session", and the article link when configured."""
    buttons = [topic_button(kb.topics[r], language) for r in topic.related[:RELATED_BUTTONS]]
    buttons.append(book_button(language))
    url = source_link(kb, topic, config)
    if url:
        title = said(language, ARTICLE_BUTTON_TITLE, ARTICLE_BUTTON_TITLE_ES)
        buttons.append({"title": title, "url": url})
    return buttons


def _therapy_for(topic: Topic, named: Sequence[str]) -> Optional[str]:
    if len(named) == 1:
        return named[0]
    if not named and topic.therapy in THERAPIES:
        return topic.therapy
    return None


def _body(topic: Topic, part: str, language: Optional[str]) -> Optional[str]:
    if part == "why":
        return topic.text("why", language) or topic.text("more", language)
    if part == "more":
        return topic.text("more", language)
    return topic.text("answer", language)


def topic_language(topic: Topic, language: Optional[str], part: str = "answer") -> str:
    """The language ``topic`` can give ``part`` in: the conversation's, or English when
    the topic has no such text in it (never half one language, half the other)."""
    if not is_spanish(language) or not topic.has_language(SPANISH):
        return ENGLISH
    if _body(topic, part, SPANISH) is None and _body(topic, part, ENGLISH) is not None:
        return ENGLISH
    return SPANISH


def topic_reply(
    kb: KnowledgeBase,
    topic_id: str,
    config: ClinicConfig,
    part: str = "answer",
    lead: Optional[str] = None,
    named: Sequence[str] = (),
    language: Optional[str] = None,
) -> Reply:
    """The reply for a topic: its answer, its "more" or its "why", with citation and buttons.

    ``lead`` must already be in ``topic_language(topic, language, part)``.
    """
    topic = kb.topics[topic_id]
    language = topic_language(topic, language, part)
    body = _body(topic, part, language)
    if not body:
        title = _lower_first(topic.text("title", language) or topic.title)
        body = said(
            language,
            f"That's everything our material says about {title}. "
            "The therapist can tell you more in person.",
            f"Eso es todo lo que nuestro material dice sobre «{title}». "
            "El terapeuta puede contarle más en persona.",
        )
    text = fill(body, config, language)
    if lead:
        text = f"{lead} {text}"
    text = f"{text}\n\n{citation(kb, topic, language)}"
    return Reply(
        text=text,
        buttons=answer_buttons(kb, topic, config, language),
        topic=topic.id,
        therapy=_therapy_for(topic, named),
        language=language,
    )


def choose_reply(
    kb: KnowledgeBase,
    question: str,
    topic_ids: Sequence[str],
    language: Optional[str] = None,
) -> Reply:
    """Asks the visitor to pick a topic (no topic answered yet); ``question`` must be in
    ``language``."""
    buttons = [topic_button(kb.topics[t], language) for t in topic_ids if t in kb.topics]
    return Reply(text=question, buttons=buttons, language=reply_language(language))


def start_reply(kb: KnowledgeBase, language: Optional[str] = None) -> Reply:
    """For an empty message or a follow-up with nothing before it."""
    reply = choose_reply(
        kb,
        said(
            language,
            "What would you like to know? I can explain our two therapies, NMT and FMM, how "
            "they differ, and which might suit you.",
            "¿Qué le gustaría saber? Puedo explicarle nuestras dos terapias, NMT y FMM, en "
            "qué se diferencian y cuál podría convenirle.",
        ),
        ["nmt_overview", "fmm_overview", "compare_therapies"],
        language,
    )
    reply.buttons.append(book_button(language))
    return reply


def unknown_reply(
    kb: KnowledgeBase, config: ClinicConfig, language: Optional[str] = None
) -> Reply:
    """An honest "I don't know", with the clinic's contact and the booking option."""
    reply = choose_reply(
        kb,
        said(
            language,
            "I'm sorry, I don't know that one. I can only answer questions about our two "
            "therapies, NMT and FMM, from the clinic's own material. "
            f"{config.contact_sentence()} I can also pass a booking request to our team.",
            "Lo siento, eso no lo sé. Solo puedo responder preguntas sobre nuestras dos "
            "terapias, NMT y FMM, a partir del material de la propia clínica. "
            f"{contact_sentence(config, language)} También puedo pasar una solicitud de "
            "cita a nuestro equipo.",
        ),
        ["nmt_overview", "fmm_overview"],
        language,
    )
    reply.buttons.append(book_button(language))
    return reply


def follow_up_reply(
    kb: KnowledgeBase,
    intent: str,
    named: Sequence[str],
    last_topic: Optional[str],
    config: ClinicConfig,
    language: Optional[str] = None,
) -> Reply:
    """Answers "tell me more", "why?" and "and in FMM?" from the last topic."""
    previous = kb.get(last_topic)
    if intent in (INTENT_MORE, INTENT_WHY):
        if previous is None:
            return start_reply(kb, language)
        part = "why" if intent == INTENT_WHY else "more"
        return topic_reply(kb, previous.id, config, part=part, named=named, language=language)
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
                kb,
                said(language, "Which therapy would you like to hear about?",
                     "¿Sobre qué terapia le gustaría saber más?"),
                list(OVERVIEWS.values()),
                language,
            )
        options = [kb.perspective(previous.id, t) for t in THERAPIES]
        return choose_reply(
            kb,
            said(language, "Which side would you like to hear about?",
                 "¿Qué enfoque le gustaría conocer?"),
            options,
            language,
        )
    if previous is None:
        return topic_reply(kb, OVERVIEWS[therapy], config, named=[therapy], language=language)
    target = kb.perspective(previous.id, therapy)
    if target == previous.id:
        return topic_reply(
            kb, target, config, part="more", named=[therapy], language=language
        )
    lead = None
    if therapy not in previous.therapies:
        lead = previous.text("other_therapy_note", topic_language(kb.topics[target], language))
    return topic_reply(kb, target, config, lead=lead, named=[therapy], language=language)


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
    language: Optional[str] = None,
    index_es: Optional[TopicIndex] = None,
    tokens: Optional[Sequence[str]] = None,
) -> Reply:
    """Searches the content for a message the NLU was unsure about.

    With ``answer_only`` (a follow-up like "tell me more" with nothing before it, which
    may be a misread question) only a clear answer is given; otherwise the visitor is
    asked what they would like to know. A Spanish conversation searches ``index_es`` (the
    Spanish texts and keywords, plus the English keywords) when it is given. ``tokens``:
    the message's English search terms from its parse data, if there (the English index
    makes them otherwise).
    """
    if not text or not text.strip() or text.strip().startswith("/"):
        return start_reply(kb, language)
    spanish_search = is_spanish(language) and index_es is not None
    if spanish_search and index_es is not None:
        index = index_es
        therapy_words = frozenset(index_es.query_terms(THERAPY_WORDS_ES)) | THERAPY_WORDS
        tokens = None  # the Spanish index has its own tokens
    else:
        therapy_words = THERAPY_WORDS
    guess, confidence = classifier_guess(kb, ranking, named)
    terms = index.query_terms(text, tokens)
    if len(named) == 1 and terms and all(term in therapy_words for term in terms):
        return topic_reply(kb, OVERVIEWS[named[0]], config, named=named, language=language)
    decision = decide(index.search(text, tokens), guess, confidence)
    if decision.kind == ANSWER:
        topic = kb.topics[decision.topics[0]]
        if len(named) == 1:  # the therapy named picks the perspective, as for intents
            refined = kb.route(topic.asked_by[0].intent, named[0])
            topic = kb.topics[refined or topic.id]
        lead_language = topic_language(topic, language)
        title = topic.text("title", lead_language) or topic.title
        lead = said(
            lead_language,
            f"I think you're asking about {_lower_first(title)}.",
            f"Creo que me pregunta por «{title}».",
        )
        return topic_reply(kb, topic.id, config, lead=lead, named=named, language=language)
    if answer_only:
        return start_reply(kb, language)
    if decision.kind == CLARIFY:
        question = said(
            language,
            "I'm not sure I got that. Did you mean…?",
            "No estoy seguro de haberle entendido. ¿Se refería a…?",
        )
        reply = choose_reply(kb, question, decision.topics, language)
        reply.buttons.append(book_button(language))
        return Reply(reply.text, reply.buttons, language=reply.language, did_you_mean=True)
    return unknown_reply(kb, config, language)


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
    """The reply with the other subject's button first (no duplicate buttons), titled in
    the reply's language."""
    if not topic_id:
        return reply
    button = topic_button(kb.topics[topic_id], reply.language)
    rest = [b for b in reply.buttons if b.get("payload") != button["payload"]]
    return Reply(
        reply.text, [button] + rest, reply.topic, reply.therapy, reply.language,
        reply.did_you_mean,
    )


def slot_events(reply: Reply) -> List[EventType]:
    """The slots a reply sets: always ``last_topic`` when it answered a topic."""
    events: List[EventType] = []
    if reply.topic:
        events.append(SlotSet(LAST_TOPIC_SLOT, reply.topic))
    if reply.therapy:
        events.append(SlotSet(THERAPY_SLOT, reply.therapy))
    return events
