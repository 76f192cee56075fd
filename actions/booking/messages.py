"""Everything the booking conversation says that is built in code, in one place.

Texts only sent by custom actions live here (not in the domain) so that
``rasa data validate --fail-on-warnings`` stays clean; staff can still edit them in this
one file. Nothing here states a clinical fact beyond the clinic's own article.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from actions.booking.parsing import UNDECIDED, Contact, PreferredTimes

# Slots of the booking form, in the order they are asked.
NAME = "booking_name"
CONTACT = "booking_contact"
THERAPY = "booking_therapy"
TIMES = "booking_times"
CONCERN = "booking_concern"
CONSENT = "booking_consent"
CONFIRMED = "booking_confirmed"  # asked last: the summary with Confirm / Change buttons
FORM_SLOTS = (NAME, CONTACT, THERAPY, TIMES, CONCERN, CONSENT, CONFIRMED)
# Companion slots.
TIMES_PARSED = "booking_times_parsed"
STATE = "booking_form_state"
KIND = "booking_kind"  # "callback" for a callback request; unset for a booking
CALLBACK = "callback"
OPTIONAL_SLOTS = frozenset({CONCERN})
# A callback request asks only who, how to reach them and when (no therapy, no concern).
BOOKING_ONLY_SLOTS = frozenset({THERAPY, CONCERN})
ALL_BOOKING_SLOTS = FORM_SLOTS + (TIMES_PARSED, STATE, KIND)

# Summary "Change ..." buttons: field name -> slots reset.
FIELDS: Dict[str, tuple] = {
    "name": (NAME,),
    "contact": (CONTACT,),
    "therapy": (THERAPY,),
    "times": (TIMES, TIMES_PARSED),
    "concern": (CONCERN,),
}
FIELD_LABELS = {
    "name": "name",
    "contact": "contact",
    "therapy": "therapy",
    "times": "times",
    "concern": "concern",
}

THERAPY_LABELS = {
    "NMT": "Neuromuscular Therapy (NMT)",
    "FMM": "Functional Muscle Manipulation (FMM)",
    UNDECIDED: "Not decided yet (the therapist will advise)",
}

Button = Dict[str, str]


def change_buttons(with_confirm: bool = True, callback: bool = False) -> List[Button]:
    """The buttons offered with the summary (a callback request has no therapy or concern)."""
    confirm = [{"title": "Confirm", "payload": "/affirm"}] if with_confirm else []
    return confirm + [
        {
            "title": f"Change {label}",
            "payload": '/change_booking_field{"booking_field":"' + field + '"}',
        }
        for field, label in FIELD_LABELS.items()
        if not (callback and set(FIELDS[field]) & BOOKING_ONLY_SLOTS)
    ]


BOOK_BUTTON: Button = {"title": "Book a session", "payload": "/request_booking"}

# --------------------------------------------------------------------------- asking

START = (
    "Happy to help you request a session. I'll ask a few quick questions and then pass "
    "your request to our team, who will get back to you to confirm a time. You can type "
    '"cancel" at any point.'
)
START_WITH_THERAPY = (
    "Happy to help you request an {therapy} session. I'll ask a few quick questions and then "
    "pass your request to our team, who will get back to you to confirm a time. You can "
    'type "cancel" at any point.'
)
ASK = {
    NAME: "What name should the clinic use for your booking?",
    CONTACT: "How can the clinic reach you? Please type a phone number or an e-mail address.",
    THERAPY: "Which therapy would you like to book?",
    TIMES: (
        'Which days and times suit you best? For example "weekday evenings", '
        '"next Tuesday afternoon" or "mornings this week".'
    ),
    CONCERN: (
        "In a sentence, what would you most like help with? This is optional: type "
        '"skip" to leave it out.'
    ),
    CONSENT: (
        "May the clinic contact you at {contact} about this request? Your details are only "
        "used to arrange your appointment."
    ),
}
# A callback request (offered when a visitor asks for a person) asks these instead.
CALLBACK_START = (
    "Sure. I'll take your name, a phone number or e-mail address and a good time, and pass "
    "them to our team, who will get back to you. You can type \"cancel\" at any point."
)
ASK_CALLBACK = {
    NAME: "What name should the team ask for?",
    TIMES: (
        'When is a good time for the team to get back to you? For example "weekday '
        'mornings" or "Tuesday after 5pm".'
    ),
}
THERAPY_BUTTONS: List[Button] = [
    {"title": "NMT", "payload": '/choose_therapy{"therapy":"NMT"}'},
    {"title": "FMM", "payload": '/choose_therapy{"therapy":"FMM"}'},
    {"title": "Not sure, help me choose", "payload": "not sure, help me choose"},
]
THERAPY_BUTTONS_AFTER_HELP: List[Button] = THERAPY_BUTTONS[:2] + [
    {"title": "Let the therapist advise", "payload": "let the therapist advise"},
]
CONCERN_BUTTONS: List[Button] = [{"title": "Skip", "payload": "skip"}]
CONSENT_BUTTONS: List[Button] = [
    {"title": "Yes, you may contact me", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
]

THERAPY_COMPARISON = (
    "Here's the short version. NMT (Neuromuscular Therapy) is hands-on work that the "
    "therapist does while you relax: pressure on trigger points, positional release and "
    "PNF stretching, aimed at specific, local muscle pain. FMM (Functional Muscle "
    "Manipulation) is more of a partnership: you take part with your breathing and learn "
    "to notice and let go of stress-related tension patterns across a whole region, "
    "working towards longer-lasting change. Either way, the therapist talks it through "
    "with you first."
)
THERAPY_STILL_UNSURE = (
    "No problem, I'll note that you'd like the therapist to advise on NMT or FMM."
)

# --------------------------------------------------------------------------- errors

ERRORS = {
    NAME: {
        "empty": "I didn't catch a name.",
        "looks_like_contact": (
            "That looks like contact details; I'll ask for those next. First, your name?"
        ),
        "has_digits": "A name shouldn't contain numbers.",
        "question": "I'll happily answer questions once I have your name.",
        "too_long": "That's a bit long for a name. Just the name is enough.",
        "yes_no": "Sorry, I still need a name for the request.",
        "not_a_name": "That doesn't look like a name. Just your name is enough, e.g. Ana Ruiz.",
    },
    CONTACT: {
        "empty": "I didn't catch a phone number or e-mail address.",
        "bad_email": (
            "That e-mail address doesn't look complete. It should look like name@example.com."
        ),
        "missing_area_code": "That phone number seems to be missing its area code.",
        "bad_phone": (
            "That doesn't look like a valid phone number. A US number has 10 digits, e.g. "
            "(310) 555-0123; other countries need their + code."
        ),
        "missing": "I need a phone number or an e-mail address so the clinic can reach you.",
    },
    THERAPY: {
        "empty": "I didn't catch which therapy you'd like.",
        "unknown_therapy": "Sorry, I didn't catch that. The options are NMT or FMM.",
    },
    TIMES: {
        "empty": "I didn't catch when suits you.",
        "too_long": 'That\'s quite long. A short phrase like "weekday mornings" is enough.',
        "past": "That time has already passed. When would suit you from now on?",
        "unrecognised": (
            'I couldn\'t find a day or time in that. You could say "weekday evenings", '
            '"Saturday morning" or "any time next week".'
        ),
    },
    CONCERN: {
        "too_short": 'Could you say a little more, or type "skip"?',
        "too_long": "That's a lot of detail for now; a sentence or two is plenty.",
    },
    CONFIRMED: {
        "unclear": "Sorry, I didn't catch that. Shall I send the request as it is?",
    },
    CONSENT: {
        "unclear": "Sorry, I need a yes or a no.",
        "declined": (
            "I understand. Without your OK the clinic can't get back to you, so I can't send "
            'the request. You can say "yes" if you change your mind, or "cancel" to stop.'
        ),
    },
}
SKIP_OFFER = 'If you\'d rather not answer, just type "skip".'
CALL_OFFER = (
    'If it\'s easier, you can contact the clinic directly. {contact} Or type "cancel" to stop.'
)
ALREADY_BOOKING = "We're already working on your booking, let's carry on."

# --------------------------------------------------------------------------- outcomes

SUMMARY_INTRO = "Here's your request. Shall I send it to the clinic?"
CALLBACK_SUMMARY_INTRO = "Here's your callback request. Shall I send it to the clinic?"
WHICH_FIELD = "Sure. Which detail would you like to change?"
CANCELLED = (
    "Okay, I've stopped the booking and cleared the details you gave me. If you change "
    'your mind, just say "book a session".'
)
NOTHING_TO_CANCEL = (
    "There's no booking request open in this chat, so there's nothing to cancel here. To "
    "cancel or move an appointment you already have, please contact the clinic directly. "
    "{contact}"
)
NOTHING_TO_SUBMIT = (
    "There's no booking request waiting to be sent. If you'd like to request a session, "
    "just tap the button."
)
RECEIVED = (
    "Thank you, {name}! Your booking request has been received. The clinic team will "
    "contact you to confirm a time."
)
RECEIVED_CALLBACK = (
    "Thank you, {name}! Your callback request has been received. The clinic team will get "
    "back to you."
)
SCHEDULER_OFFER = "If you'd like, you can also pick a time yourself in our online calendar:"
SCHEDULER_BUTTON = "Choose a time online"
STORE_FAILED = (
    "I'm sorry, something went wrong on our side and your request wasn't saved. {contact} "
    "Your details are still here, so you can also try again in a moment."
)
RETRY_BUTTON: Button = {"title": "Try again", "payload": "/affirm"}


def therapy_label(value: Optional[str]) -> str:
    """Readable therapy name for the summary."""
    return THERAPY_LABELS.get(value or "", value or "-")


def times_label(raw: Optional[str], parsed: Optional[Mapping[str, Any]]) -> str:
    """The visitor's words, with what was understood in brackets when it adds something."""
    raw = raw or "-"
    if not parsed:
        return raw
    known: Dict[str, Any] = {
        k: parsed.get(k) for k in PreferredTimes.__dataclass_fields__ if k in parsed
    }
    understood = PreferredTimes(**known).describe() if known.get("raw") else ""
    return f"{raw} ({understood})" if understood and understood.lower() != raw.lower() else raw


def summary_text(slots: Mapping[str, Any]) -> str:
    """The summary shown before submitting."""
    contact = Contact.from_slot(slots.get(CONTACT))
    concern = slots.get(CONCERN)
    if slots.get(KIND) == CALLBACK:
        return "\n".join(
            [
                CALLBACK_SUMMARY_INTRO,
                f"- Name: {slots.get(NAME) or '-'}",
                f"- Contact: {contact.display() if contact else '-'}",
                f"- Good time: {times_label(slots.get(TIMES), slots.get(TIMES_PARSED))}",
            ]
        )
    lines = [
        SUMMARY_INTRO,
        f"- Name: {slots.get(NAME) or '-'}",
        f"- Contact: {contact.display() if contact else '-'}",
        f"- Therapy: {therapy_label(slots.get(THERAPY))}",
        f"- Preferred times: {times_label(slots.get(TIMES), slots.get(TIMES_PARSED))}",
        f"- Main concern: {concern if concern else '(skipped)'}",
    ]
    return "\n".join(lines)
