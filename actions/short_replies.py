"""What a short or out-of-context message means, and the reply to it (pure, no Rasa I/O).

``action_reply_guard`` (actions/conversation.py) answers every turn that no rule, story or
form answered: "ok", "yes" after an answer, "no", "the first one" after a did-you-mean,
"why?", a name or a phone number typed outside the booking form, punctuation alone.
This module classifies such a message (``message_kind``) and builds the reply from the
conversation's context: the buttons of the assistant's previous message and the topic
answered last. Nothing the visitor typed is kept: details are only named by kind
("a phone number"), never echoed, stored or logged.
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
from actions.knowledge import OVERVIEWS, KnowledgeBase
from actions.knowledge_replies import (
    BOOK_BUTTON,
    BOOKING_PAYLOAD,
    INTENT_MORE,
    INTENT_WHY,
    THERAPY_WORDS,
    Reply,
    follow_up_reply,
    start_reply,
    topic_reply,
)
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
_FIRST = re.compile(r"^(the )?(first|1st|1|one|top|former)( one| option)?$")
_SECOND = re.compile(r"^(the )?(second|2nd|2|two|middle|latter)( one| option)?$")
_LAST = re.compile(r"^(the )?(last|bottom|third|3rd|3)( one| option)?$")
_BOTH = re.compile(r"^(both|both of them|both please|all|all of them|either|either one)$")
_NEITHER = re.compile(r"^(neither|neither one|neither of them|none|none of them|none of those|nothing|no one)$")
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
    if details_in(text, intent):
        return DETAIL
    if bare in _QUESTION_WORDS and (clean.endswith("?") or bare not in {"and", "what"}):
        return QUESTION_WORD
    if _FIRST.match(bare) or _SECOND.match(bare) or _LAST.match(bare) or _BOTH.match(bare) or (
        _NEITHER.match(bare)
    ):
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
    yes_no = parse_yes_no(clean)
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


def start_buttons(kb: KnowledgeBase) -> List[Button]:
    """What is NMT? / What is FMM? / NMT or FMM? / Book a session."""
    return list(start_reply(kb).buttons)


def parse_payload(payload: str) -> Optional[tuple]:
    """``/ask_x{"therapy":"FMM"}`` -> ("ask_x", {"therapy": "FMM"}); ``None`` if malformed."""
    match = re.match(r"^/([A-Za-z0-9_]+)(\{.*\})?$", payload.strip())
    if not match:
        return None
    entities: Dict[str, Any] = {}
    if match.group(2):
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            return None
    return match.group(1), entities if isinstance(entities, dict) else {}


def follow_button(kb: KnowledgeBase, button: Button, config: ClinicConfig) -> GuardReply:
    """Does what a button of the previous message would have done."""
    parsed = parse_payload(button.get("payload", ""))
    if parsed is None:
        return GuardReply([start_reply(kb)])
    intent, entities = parsed
    if intent == "request_booking":
        return GuardReply([], open_booking=True)
    therapy = entities.get("therapy")
    topic_id = kb.route(intent, therapy if therapy in ("NMT", "FMM") else None)
    if topic_id is None:
        return GuardReply([Reply(text="Which of these would you like?", buttons=[button])])
    return GuardReply([topic_reply(kb, topic_id, config)])


def _detail_words(kinds: Sequence[str]) -> str:
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
) -> GuardReply:
    """The reply to a message of ``kind`` in ``context`` (``OTHER`` is the caller's job)."""
    choices = context.choices
    if kind == NOISE:
        reply = start_reply(kb)
        return GuardReply([Reply("I'm here whenever you're ready. " + reply.text, reply.buttons)])
    if kind == ACK:
        buttons = choices or start_buttons(kb)
        return GuardReply([Reply("Glad that helps. Is there anything else you'd like to know?", buttons)])
    if kind == AFFIRM:
        if len(choices) == 1 or (context.offered_yes_no and choices):
            return follow_button(kb, choices[0], config)
        if choices:
            return GuardReply([Reply("Happy to. Which would you like?", choices)])
        return GuardReply([Reply("Great! What would you like to know?", start_buttons(kb))])
    if kind == DENY:
        return GuardReply(
            [
                Reply(
                    "No problem. If anything else comes up, I can explain NMT and FMM, help "
                    "you choose between them, or pass a booking request to our team.",
                    start_buttons(kb),
                )
            ]
        )
    if kind == CHOICE:
        return _choice_reply(kb, config, _clean(text).rstrip("?").strip(), choices)
    if kind == QUESTION_WORD:
        if kb.get(context.last_topic) is None:
            return GuardReply([start_reply(kb)])
        intent_name = INTENT_WHY if _clean(text).startswith("why") else INTENT_MORE
        return GuardReply([follow_up_reply(kb, intent_name, [], context.last_topic, config)])
    if kind == DETAIL:
        what = _detail_words(details_in(text, intent))
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
        text = booking_messages.NOTHING_TO_CANCEL.format(contact=config.contact_sentence())
        return GuardReply([Reply(text, [dict(BOOK_BUTTON)])])
    if kind == CHANGE:
        return GuardReply(
            [
                Reply(
                    "There's no booking request open in this chat right now. To change an "
                    f"appointment you already have, please contact the clinic. "
                    f"{config.contact_sentence()} Or I can start a new request.",
                    [dict(BOOK_BUTTON)],
                )
            ]
        )
    if kind == THERAPY_CHOICE:
        return GuardReply([_therapy_choice_reply(kb, config, text)])
    return GuardReply([start_reply(kb)])


def _choice_reply(
    kb: KnowledgeBase, config: ClinicConfig, clean: str, choices: List[Button]
) -> GuardReply:
    if _NEITHER.match(clean):
        return GuardReply(
            [
                Reply(
                    "Okay. Could you tell me in other words what you're looking for? "
                    f"{config.contact_sentence()}",
                    start_buttons(kb),
                )
            ]
        )
    if not choices:
        reply = start_reply(kb)
        return GuardReply([Reply("Which one do you mean? " + reply.text, reply.buttons)])
    if _BOTH.match(clean):
        topics = [b for b in choices if b.get("payload") != BOOKING_PAYLOAD][:2]
        replies: List[Reply] = []
        for button in topics:
            replies.extend(follow_button(kb, button, config).replies)
        if replies:
            return GuardReply(replies)
        return follow_button(kb, choices[0], config)
    if _SECOND.match(clean) and len(choices) >= 2:
        return follow_button(kb, choices[1], config)
    if _LAST.match(clean):
        return follow_button(kb, choices[-1], config)
    return follow_button(kb, choices[0], config)


def _therapy_choice_reply(kb: KnowledgeBase, config: ClinicConfig, text: Optional[str]) -> Reply:
    lowered = (text or "").lower()
    named = [t for t in ("NMT", "FMM") if t.lower() in lowered]
    if "functional" in lowered and "FMM" not in named:
        named.append("FMM")
    if "neuro" in lowered and "NMT" not in named:
        named.append("NMT")
    if len(named) != 1:
        return Reply(
            "Would you like to hear about one of our therapies, or request a session?",
            start_buttons(kb),
        )
    therapy = named[0]
    if set(re.findall(r"[a-z]+", lowered)) <= THERAPY_WORDS:
        # "nmt?" alone asks what it is: the overview, with its "Book a session" button
        return topic_reply(kb, OVERVIEWS[therapy], config, named=[therapy])
    overview = kb.topics[OVERVIEWS[therapy]]
    # "an NMT", "an FMM": both read as vowel sounds.
    return Reply(
        f"Would you like to request an {therapy} session, or hear more about it first?",
        [
            {"title": f"Book an {therapy} session",
             "payload": f'{BOOKING_PAYLOAD}{{"therapy":"{therapy}"}}'},
            {"title": overview.button, "payload": overview.payload},
        ],
    )
