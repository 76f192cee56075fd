"""What a short or out-of-context message means, and the reply to it (pure, no Rasa I/O).

``action_reply_guard`` (actions/conversation.py) answers every turn that no rule, story or
form answered: "ok", "yes" after an answer, "no", "the first one" after a did-you-mean,
"why?", a name or a phone number typed outside the booking form, punctuation alone.
This module classifies such a message (``message_kind``) and builds the reply from the
conversation's context: the buttons of the assistant's previous message and the topic
answered last. Nothing the visitor typed is kept: details are only named by kind
("a phone number"), never echoed, stored or logged.

Spanish short messages ("vale", "sí", "no, gracias", "el primero", "¿por qué?") have the
same kinds, and in a Spanish conversation (``language="es"``) every reply and button title
is in Spanish (same payloads); a reply that exists only in English says so with
``Reply.language == "en"`` and the action puts the "not in Spanish yet" note before it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from actions.booking import messages as booking_messages
from actions.booking.parsing import (
    EMAIL_RE,
    WEEKDAYS,
    BookingInputError,
    looks_like_question,
    normalise_space,
    parse_name,
    parse_phone,
    parse_yes_no,
)
from actions.clinic_info import contact_sentence
from actions.knowledge import OVERVIEWS, KnowledgeBase
from actions.knowledge_replies import (
    BOOKING_PAYLOAD,
    INTENT_MORE,
    INTENT_WHY,
    THERAPY_WORDS,
    Reply,
    book_button,
    follow_up_reply,
    is_spanish,
    reply_language,
    said,
    start_reply,
    topic_button,
    topic_reply,
)
from actions.search import fold_accents
from clinic.config import ClinicConfig

Button = Dict[str, str]

# Kinds of message the guard tells apart (``message_kind``).
NOISE = "noise"  # punctuation, emoji, nothing to read
ACK = "ack"  # "ok", "got it", "cool"
AFFIRM = "affirm"
DENY = "deny"
CHOICE = "choice"  # "the first one", "both", "neither"
QUESTION_WORD = "question_word"  # "why?", "how so?"
DETAIL = "detail"  # a name, e-mail, phone number, day or time typed outside the form
CANCEL = "cancel"  # "cancel" with no booking open
CHANGE = "change"  # "change my phone number" with no booking open
THERAPY_CHOICE = "therapy_choice"  # "NMT please" outside the form
OTHER = "other"

DENY_PAYLOAD = "/deny"
START_BOOKING_BUTTON: Button = {"title": "Yes, start a request", "payload": BOOKING_PAYLOAD}
NO_THANKS_BUTTON: Button = {"title": "No, thanks", "payload": DENY_PAYLOAD}
START_BOOKING_BUTTON_ES: Button = {"title": "Sí, empezar una solicitud",
                                   "payload": BOOKING_PAYLOAD}
NO_THANKS_BUTTON_ES: Button = {"title": "No, gracias", "payload": DENY_PAYLOAD}

_ACKS = frozenset(
    "ok okay k kk okey oki okie alright allright right fine cool nice great good perfect "
    "awesome gotcha understood noted interesting hmm hm hmmm mhm mm uh um lol haha ha wow "
    "ah oh oic ic okk".split()
)
# Emoji that say "ok" (a thumbs-up sent alone is an acknowledgement, not noise).
_ACK_EMOJI = frozenset("👍 👌 🙂 😊 ✅ 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿 🆗".split())
# Phrases with a word outside _ACKS ("ok cool" needs no entry: every word is in _ACKS).
_ACK_PHRASES = frozenset(
    {
        "i see", "got it", "makes sense", "fair enough", "good to know", "that makes sense",
        "ok got it", "all right", "i understand", "ok i see", "okay i see", "i get it",
        "very interesting", "thats interesting", "that's interesting", "sounds interesting",
        "oh i see", "ah i see", "fine by me", "nice one", "good stuff", "ok then",
    }
)
_QUESTION_WORDS = frozenset(
    {
        "why", "how", "how so", "how come", "what do you mean", "meaning", "explain",
        "really", "in what way", "like what", "such as", "and", "and then", "what else",
        "go on", "huh", "wdym", "what", "how does that work", "how does it work",
        "why is that", "elaborate", "please explain",
    }
)
_FIRST = re.compile(
    r"^(the )?(first|1st|1|one|top|former)( one| option)?$"
    r"|^((el|la) )?(primero|primera|primer|1|de arriba)( opcion)?$"
)
_SECOND = re.compile(
    r"^(the )?(second|2nd|2|two|middle|latter)( one| option)?$"
    r"|^((el|la) )?(segundo|segunda|2|del medio|de en medio)( opcion)?$"
)
_LAST = re.compile(
    r"^(the )?(last|bottom|third|3rd|3)( one| option)?$"
    r"|^((el|la) )?(ultimo|ultima|tercero|tercera|3|de abajo)( opcion)?$"
)
_BOTH = re.compile(
    r"^(both|both of them|both please|all|all of them|either|either one)$"
    r"|^(los dos|las dos|ambos|ambas|todos|todas|cualquiera)( por favor)?$"
)
_NEITHER = re.compile(
    r"^(neither|neither one|neither of them|none|none of them|none of those|nothing|no one)$"
    r"|^(ninguno|ninguna|ninguno de los dos|ninguna de las dos|ninguno de esos|"
    r"ninguna de esas)$"
)
# Spanish short messages, compared without accents ("sí" = "si"), see _plain.
_ACKS_ES = frozenset(
    "vale bien entendido perfecto genial excelente listo okey oki aja interesante ya".split()
)
_ACK_PHRASES_ES = frozenset(
    {
        "ya veo", "entiendo", "muy bien", "esta bien", "que bien", "que interesante",
        "muy interesante", "ah ok", "ah ya", "ah vale", "ok gracias", "ok entiendo",
        "tiene sentido", "buena informacion", "ok perfecto", "vale gracias",
    }
)
_YES_ES = frozenset(
    {
        "si", "claro", "claro que si", "si por favor", "si gracias", "por supuesto",
        "dale", "de acuerdo", "sip", "si claro", "ok si", "si, por favor", "si quiero",
        "si me gustaria", "me parece bien",
    }
)
_NO_ES = frozenset(
    {
        "no", "no gracias", "nada", "nada mas", "para nada", "ahora no", "no por ahora",
        "no hace falta", "nop", "no, gracias", "no es necesario", "eso es todo",
    }
)
_QUESTION_WORDS_ES = frozenset(
    {
        "por que", "porque", "y por que", "por que es asi", "como", "como asi", "y eso",
        "que significa", "que quiere decir", "a que se refiere", "expliqueme", "explicame",
        "mas", "cuenteme mas", "cuentame mas", "digame mas", "dime mas", "siga", "sigue",
        "y que mas", "algo mas", "mas detalles", "como funciona", "como es eso",
    }
)
_TIME_WORDS = re.compile(
    r"\b(" + "|".join(WEEKDAYS) + r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|today|"
    r"tomorrow|tonight|tmrw|tmr|next week|this week|weekend|morning|afternoon|evening)\b"
    r"|\b\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
_SEVEN_DIGITS = re.compile(r"(?<!\d)(\d[\s.\-]?){6,}\d(?!\d)")
_CLOCK_HINT = re.compile(r"\b(after|before|around|about|from|at|by)\s+\d{1,2}\b", re.I)
_EMAIL_IN_TEXT = re.compile(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+\.[A-Za-z]{2,24}")
_PHONE_IN_TEXT = re.compile(r"\+?\(?\d[\d\s().\-]{8,}\d")
_NAME_INTRO = re.compile(
    r"^(hi|hello|hey)?[\s,!.]*(my name is|my name's|name is|call me|this is|i am|i'm|im)\s+",
    re.IGNORECASE,
)


def _clean(text: Optional[str]) -> str:
    return normalise_space(text).lower().strip(" .!,;:~")


def _plain(text: Optional[str]) -> str:
    """``_clean`` without accents and Spanish opening marks, no final "?": "¿Por qué?"
    -> "por que"."""
    return fold_accents(_clean(text)).replace("¿", "").replace("¡", "").rstrip("?").strip(
        " .!,;:~"
    )


def _is_why(text: Optional[str]) -> bool:
    plain = _plain(text)
    return plain.startswith("why") or plain.startswith(("por que", "porque", "y por que"))


def has_words(text: Optional[str]) -> bool:
    """True when the text contains a letter or a digit (not only punctuation or emoji)."""
    return bool(re.search(r"[^\W_]", text or ""))


def details_in(text: Optional[str], intent: Optional[str] = None) -> List[str]:
    """The kinds of personal detail a message volunteers ("e-mail address", "name", ...).

    Only the kinds are returned, never the values. A bare name counts when the NLU read the
    message as booking information or it is introduced ("my name is", "I'm" + a capital).
    """
    raw = normalise_space(text)
    found: List[str] = []
    if any(EMAIL_RE.match(m.group(0)) for m in _EMAIL_IN_TEXT.finditer(raw)):
        found.append("e-mail address")
    for match in _PHONE_IN_TEXT.finditer(raw):
        try:
            parse_phone(match.group(0))
        except BookingInputError:
            continue
        found.append("phone number")
        break
    if found:
        return found
    if _SEVEN_DIGITS.search(raw):
        return ["phone number"]  # a number without its area code is still a phone number
    timing = _TIME_WORDS.search(raw) or _CLOCK_HINT.search(raw)
    if timing and len(raw.split()) <= 8 and not looks_like_question(raw) and intent not in (
        "cancel_booking", "change_booking_field"
    ):
        return ["preferred day and time"]
    introduced = _NAME_INTRO.match(raw)
    if introduced and not raw[introduced.end():][:1].isupper() and not raw.lower().startswith(
        ("my name", "call me", "name is")
    ):
        return []  # "I'm tired", "im confused": not a name
    if introduced or (intent == "inform_booking" and len(raw.split()) <= 3):
        try:
            parse_name(raw)
        except BookingInputError:
            return []
        return ["name"]
    return []


def message_kind(text: Optional[str], intent: Optional[str]) -> str:
    """Classifies a message that no rule, story or form answered."""
    if not has_words(text):
        return ACK if set((text or "").split()) & _ACK_EMOJI else NOISE
    clean = _clean(text)
    if len(clean) == 1 and clean.isalpha() and clean not in ("k", "y", "n"):
        return NOISE  # a single letter other than k(ok), y(es), n(o)
    bare = clean.rstrip("?").strip()
    plain = _plain(text)
    if details_in(text, intent):
        return DETAIL
    if bare in _QUESTION_WORDS and (clean.endswith("?") or bare not in {"and", "what"}):
        return QUESTION_WORD
    if plain in _QUESTION_WORDS_ES and (clean.endswith("?") or plain not in {"como", "mas"}):
        return QUESTION_WORD
    if any(pattern.match(bare) or pattern.match(plain)
           for pattern in (_FIRST, _SECOND, _LAST, _BOTH, _NEITHER)):
        return CHOICE
    if intent == "cancel_booking":
        return CANCEL
    if intent == "change_booking_field":
        return CHANGE
    if intent == "choose_therapy":
        return THERAPY_CHOICE
    words = clean.split()
    if clean in _ACK_PHRASES or (words and all(word in _ACKS for word in words)):
        return ACK
    if plain in _ACK_PHRASES_ES or (plain and all(w in _ACKS_ES | _ACKS for w in plain.split())):
        return ACK
    yes_no = parse_yes_no(clean)
    if plain in _YES_ES:
        yes_no = True
    elif plain in _NO_ES:
        yes_no = False
    if intent == "affirm" or yes_no is True:
        return AFFIRM
    if intent == "deny" or yes_no is False:
        return DENY
    return OTHER


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Context:
    """What the assistant said before the visitor's latest message."""

    buttons: List[Button] = field(default_factory=list)
    last_topic: Optional[str] = None

    @property
    def choices(self) -> List[Button]:
        """The previous message's payload buttons, without "No, thanks" and links."""
        return [
            b for b in self.buttons if b.get("payload") and b.get("payload") != DENY_PAYLOAD
        ]

    @property
    def offered_yes_no(self) -> bool:
        """True when the previous message asked a yes/no question with buttons."""
        return any(b.get("payload") == DENY_PAYLOAD for b in self.buttons) and bool(
            self.choices
        )


def previous_bot_buttons(events: Sequence[Dict[str, Any]]) -> List[Button]:
    """Buttons of the assistant's last visible message before the latest visitor message."""
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return []
            seen_user = True
        elif kind == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons or (event.get("text") or "").strip():
                return [dict(b) for b in buttons if isinstance(b, dict)]
    return []


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class GuardReply:
    """The replies to send, and whether to open the booking form after them."""

    replies: List[Reply]
    open_booking: bool = False


def start_buttons(kb: KnowledgeBase, language: Optional[str] = None) -> List[Button]:
    """What is NMT? / What is FMM? / NMT or FMM? / Book a session (in ``language``)."""
    return list(start_reply(kb, language).buttons)


def parse_payload(payload: str) -> Optional[tuple]:
    """``/ask_x{"therapy":"FMM"}`` -> ("ask_x", {"therapy": "FMM"}); ``None`` if malformed."""
    match = re.match(r"^/([A-Za-z0-9_]+)(\{.*\})?$", payload.strip())
    if not match:
        return None
    entities: Dict[str, Any] = {}
    if match.group(2):
        try:
            entities = json.loads(match.group(2))
        except (ValueError, RecursionError):
            return None
    return match.group(1), entities if isinstance(entities, dict) else {}


def follow_button(
    kb: KnowledgeBase, button: Button, config: ClinicConfig, language: Optional[str] = None
) -> GuardReply:
    """Does what a button of the previous message would have done."""
    parsed = parse_payload(button.get("payload", ""))
    if parsed is None:
        return GuardReply([start_reply(kb, language)])
    intent, entities = parsed
    if intent == "request_booking":
        return GuardReply([], open_booking=True)
    therapy = entities.get("therapy")
    topic_id = kb.route(intent, therapy if therapy in ("NMT", "FMM") else None)
    if topic_id is None:
        question = said(language, "Which of these would you like?",
                        "¿Cuál de estas opciones le interesa?")
        return GuardReply([Reply(question, [button], language=reply_language(language))])
    return GuardReply([topic_reply(kb, topic_id, config, language=language)])


# How the Spanish reply names a kind of detail (details_in returns the English kinds).
_DETAIL_WORDS_ES = {
    "e-mail address": "su correo electrónico",
    "phone number": "su número de teléfono",
    "name": "su nombre",
    "preferred day and time": "el día y la hora que prefiere",
}


def _detail_words(kinds: Sequence[str], language: Optional[str] = None) -> str:
    if is_spanish(language):
        named = [_DETAIL_WORDS_ES.get(k, k) for k in kinds]
        if not named:
            return "datos personales"
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " ni " + named[-1]
    named = [f"your {k}" for k in kinds]
    if not named:
        return "personal details"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def guard_reply(
    kb: KnowledgeBase,
    config: ClinicConfig,
    kind: str,
    text: Optional[str],
    context: Context,
    intent: Optional[str] = None,
    language: Optional[str] = None,
) -> GuardReply:
    """The reply to a message of ``kind`` in ``context`` (``OTHER`` is the caller's job),
    in the conversation's ``language``."""
    choices = context.choices
    lang = reply_language(language)
    if kind == NOISE:
        reply = start_reply(kb, language)
        lead = said(language, "I'm here whenever you're ready. ", "Aquí estoy cuando quiera. ")
        return GuardReply([Reply(lead + reply.text, reply.buttons, language=lang)])
    if kind == ACK:
        buttons = choices or start_buttons(kb, language)
        return GuardReply([Reply(
            said(language, "Glad that helps. Is there anything else you'd like to know?",
                 "Me alegra que le sirva. ¿Hay algo más que le gustaría saber?"),
            buttons, language=lang,
        )])
    if kind == AFFIRM:
        if len(choices) == 1 or (context.offered_yes_no and choices):
            return follow_button(kb, choices[0], config, language)
        if choices:
            return GuardReply([Reply(
                said(language, "Happy to. Which would you like?",
                     "Con mucho gusto. ¿Cuál le interesa?"),
                choices, language=lang,
            )])
        return GuardReply([Reply(
            said(language, "Great! What would you like to know?",
                 "¡Perfecto! ¿Qué le gustaría saber?"),
            start_buttons(kb, language), language=lang,
        )])
    if kind == DENY:
        return GuardReply(
            [
                Reply(
                    said(
                        language,
                        "No problem. If anything else comes up, I can explain NMT and FMM, "
                        "help you choose between them, or pass a booking request to our team.",
                        "No hay problema. Si le surge cualquier otra duda, puedo explicarle "
                        "NMT y FMM, ayudarle a elegir entre ellas o pasar una solicitud de "
                        "cita a nuestro equipo.",
                    ),
                    start_buttons(kb, language),
                    language=lang,
                )
            ]
        )
    if kind == CHOICE:
        return _choice_reply(kb, config, _plain(text), choices, language)
    if kind == QUESTION_WORD:
        if kb.get(context.last_topic) is None:
            return GuardReply([start_reply(kb, language)])
        intent_name = INTENT_WHY if _is_why(text) else INTENT_MORE
        return GuardReply([
            follow_up_reply(kb, intent_name, [], context.last_topic, config, language)
        ])
    if kind == DETAIL:
        what = _detail_words(details_in(text, intent), language)
        if is_spanish(language):
            return GuardReply([Reply(
                f"Gracias. No guardo {what} en este chat. Si quiere que nuestro equipo se "
                "ponga en contacto con usted, puedo pasar sus datos en una solicitud de "
                "cita, que llega directamente a la clínica. ¿Empiezo una?",
                [dict(START_BOOKING_BUTTON_ES), dict(NO_THANKS_BUTTON_ES)],
                language=lang,
            )])
        return GuardReply(
            [
                Reply(
                    f"Thanks. I don't keep {what} in this chat. If you'd like our team to "
                    "get in touch, I can pass your details on in a booking request, which "
                    "goes straight to the clinic. Shall I start one?",
                    [dict(START_BOOKING_BUTTON), dict(NO_THANKS_BUTTON)],
                )
            ]
        )
    if kind == CANCEL:
        # the booking form's own message, in the conversation's language
        said_cancel = booking_messages.texts_for(language).nothing_to_cancel
        text = said_cancel.format(contact=contact_sentence(config, language))
        return GuardReply([Reply(text, [book_button(language)], language=lang)])
    if kind == CHANGE:
        return GuardReply(
            [
                Reply(
                    said(
                        language,
                        "There's no booking request open in this chat right now. To change "
                        "an appointment you already have, please contact the clinic. "
                        f"{config.contact_sentence()} Or I can start a new request.",
                        "Ahora mismo no hay ninguna solicitud de cita abierta en este chat. "
                        "Para cambiar una cita que ya tiene, por favor, póngase en contacto "
                        f"con la clínica. {contact_sentence(config, language)} O puedo "
                        "empezar una solicitud nueva.",
                    ),
                    [book_button(language)],
                    language=lang,
                )
            ]
        )
    if kind == THERAPY_CHOICE:
        return GuardReply([_therapy_choice_reply(kb, config, text, language)])
    return GuardReply([start_reply(kb, language)])


def _choice_reply(
    kb: KnowledgeBase,
    config: ClinicConfig,
    clean: str,
    choices: List[Button],
    language: Optional[str] = None,
) -> GuardReply:
    lang = reply_language(language)
    if _NEITHER.match(clean):
        return GuardReply(
            [
                Reply(
                    said(
                        language,
                        "Okay. Could you tell me in other words what you're looking for? "
                        f"{config.contact_sentence()}",
                        "De acuerdo. ¿Podría decirme con otras palabras qué está buscando? "
                        f"{contact_sentence(config, language)}",
                    ),
                    start_buttons(kb, language),
                    language=lang,
                )
            ]
        )
    if not choices:
        reply = start_reply(kb, language)
        lead = said(language, "Which one do you mean? ", "¿A cuál se refiere? ")
        return GuardReply([Reply(lead + reply.text, reply.buttons, language=lang)])
    if _BOTH.match(clean):
        topics = [b for b in choices if b.get("payload") != BOOKING_PAYLOAD][:2]
        replies: List[Reply] = []
        for button in topics:
            replies.extend(follow_button(kb, button, config, language).replies)
        if replies:
            return GuardReply(replies)
        return follow_button(kb, choices[0], config, language)
    if _SECOND.match(clean) and len(choices) >= 2:
        return follow_button(kb, choices[1], config, language)
    if _LAST.match(clean):
        return follow_button(kb, choices[-1], config, language)
    return follow_button(kb, choices[0], config, language)


def _therapy_choice_reply(
    kb: KnowledgeBase, config: ClinicConfig, text: Optional[str], language: Optional[str] = None
) -> Reply:
    lowered = (text or "").lower()
    named = [t for t in ("NMT", "FMM") if t.lower() in lowered]
    if ("functional" in lowered or "funcional" in lowered) and "FMM" not in named:
        named.append("FMM")
    if "neuro" in lowered and "NMT" not in named:
        named.append("NMT")
    lang = reply_language(language)
    if len(named) != 1:
        return Reply(
            said(language,
                 "Would you like to hear about one of our therapies, or request a session?",
                 "¿Le gustaría saber más sobre una de nuestras terapias o pedir una sesión?"),
            start_buttons(kb, language),
            language=lang,
        )
    therapy = named[0]
    words = set(re.findall(r"[a-z]+", fold_accents(lowered)))
    if words <= THERAPY_WORDS | _THERAPY_WORDS_ES:
        # "nmt?" alone asks what it is: the overview, with its "Book a session" button
        return topic_reply(kb, OVERVIEWS[therapy], config, named=[therapy], language=language)
    overview = kb.topics[OVERVIEWS[therapy]]
    payload = f'{BOOKING_PAYLOAD}{{"therapy":"{therapy}"}}'
    if is_spanish(language):
        return Reply(
            f"¿Quiere pedir una sesión de {therapy} o prefiere saber más sobre ella primero?",
            [{"title": f"Pedir una sesión de {therapy}", "payload": payload},
             topic_button(overview, language)],
            language=lang,
        )
    # "an NMT", "an FMM": both read as vowel sounds.
    return Reply(
        f"Would you like to request an {therapy} session, or hear more about it first?",
        [
            {"title": f"Book an {therapy} session", "payload": payload},
            {"title": overview.button, "payload": overview.payload},
        ],
    )


# Words that only name a therapy in Spanish ("¿la nmt?", "terapia funcional"), accent-free.
_THERAPY_WORDS_ES = frozenset(
    "la el los las una un terapia masaje neuromuscular manipulacion muscular funcional".split()
)
