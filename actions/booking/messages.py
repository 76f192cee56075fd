"""Everything the booking conversation says that is built in code, in one place.

Texts only sent by custom actions live here (not in the domain) so that
``rasa data validate --fail-on-warnings`` stays clean; staff can still edit them in this
one file. Nothing here states a clinical fact beyond the clinic's own article.

Every text exists in English (the module constants below) and in Spanish (``SPANISH_TEXTS``,
polite "usted"); the actions pick the set of the conversation's language with
``texts_for(language)``. Button payloads are the same in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from actions.booking.parsing import SPANISH, UNDECIDED, Contact, PreferredTimes
# The clinic's contact sentence in the conversation's language: one implementation for
# every action (actions/clinic_info.py imports nothing from this package).
from actions.clinic_info import contact_sentence  # noqa: F401  (m.contact_sentence)

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


def change_buttons(
    with_confirm: bool = True, callback: bool = False, language: Optional[str] = None
) -> List[Button]:
    """The buttons offered with the summary (a callback request has no therapy or concern)."""
    texts = texts_for(language)
    confirm = [{"title": texts.confirm_title, "payload": "/affirm"}] if with_confirm else []
    return confirm + [
        {
            "title": texts.change_titles[field],
            "payload": '/change_booking_field{"booking_field":"' + field + '"}',
        }
        for field in FIELD_LABELS
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


# --------------------------------------------------------------------------- languages


@dataclass(frozen=True)
class BookingTexts:
    """Everything the booking conversation says, in one language."""

    language: str
    start: str
    start_with_therapy: str
    ask: Dict[str, str]
    callback_start: str
    ask_callback: Dict[str, str]
    therapy_buttons: List[Button]
    therapy_buttons_after_help: List[Button]
    concern_buttons: List[Button]
    consent_buttons: List[Button]
    therapy_comparison: str
    therapy_still_unsure: str
    errors: Dict[str, Dict[str, str]]
    error_fallback: str
    skip_offer: str
    call_offer: str
    already_booking: str
    summary_intro: str
    callback_summary_intro: str
    which_field: str
    cancelled: str
    nothing_to_cancel: str
    nothing_to_submit: str
    received: str
    received_callback: str
    scheduler_offer: str
    scheduler_button: str
    store_failed: str
    retry_button: Button
    book_button: Button
    confirm_title: str
    change_titles: Dict[str, str]
    therapy_labels: Dict[str, str]
    labels: Dict[str, str]  # the summary's line labels
    details_you_gave: str  # the consent question when no contact is known
    contact_joiner: str  # "+1310... and ana@..."


ENGLISH_TEXTS = BookingTexts(
    language="en",
    start=START,
    start_with_therapy=START_WITH_THERAPY,
    ask=ASK,
    callback_start=CALLBACK_START,
    ask_callback=ASK_CALLBACK,
    therapy_buttons=THERAPY_BUTTONS,
    therapy_buttons_after_help=THERAPY_BUTTONS_AFTER_HELP,
    concern_buttons=CONCERN_BUTTONS,
    consent_buttons=CONSENT_BUTTONS,
    therapy_comparison=THERAPY_COMPARISON,
    therapy_still_unsure=THERAPY_STILL_UNSURE,
    errors=ERRORS,
    error_fallback="Sorry, I didn't catch that.",
    skip_offer=SKIP_OFFER,
    call_offer=CALL_OFFER,
    already_booking=ALREADY_BOOKING,
    summary_intro=SUMMARY_INTRO,
    callback_summary_intro=CALLBACK_SUMMARY_INTRO,
    which_field=WHICH_FIELD,
    cancelled=CANCELLED,
    nothing_to_cancel=NOTHING_TO_CANCEL,
    nothing_to_submit=NOTHING_TO_SUBMIT,
    received=RECEIVED,
    received_callback=RECEIVED_CALLBACK,
    scheduler_offer=SCHEDULER_OFFER,
    scheduler_button=SCHEDULER_BUTTON,
    store_failed=STORE_FAILED,
    retry_button=RETRY_BUTTON,
    book_button=BOOK_BUTTON,
    confirm_title="Confirm",
    change_titles={field: f"Change {label}" for field, label in FIELD_LABELS.items()},
    therapy_labels=THERAPY_LABELS,
    labels={
        "name": "Name",
        "contact": "Contact",
        "therapy": "Therapy",
        "times": "Preferred times",
        "concern": "Main concern",
        "skipped": "(skipped)",
        "good_time": "Good time",
    },
    details_you_gave="the details you gave",
    contact_joiner=" and ",
)

SPANISH_TEXTS = BookingTexts(
    language=SPANISH,
    start=(
        "Con gusto le ayudo a solicitar una sesión. Le haré unas preguntas breves y después "
        "pasaré su solicitud a nuestro equipo, que se pondrá en contacto con usted para "
        'confirmar la hora. Puede escribir "cancelar" en cualquier momento.'
    ),
    start_with_therapy=(
        "Con gusto le ayudo a solicitar una sesión de {therapy}. Le haré unas preguntas "
        "breves y después pasaré su solicitud a nuestro equipo, que se pondrá en contacto "
        'con usted para confirmar la hora. Puede escribir "cancelar" en cualquier momento.'
    ),
    ask={
        NAME: "¿A nombre de quién hago la solicitud?",
        CONTACT: (
            "¿Cómo puede contactarle la clínica? Escriba, por favor, un número de teléfono o "
            "un correo electrónico."
        ),
        THERAPY: "¿Qué terapia le gustaría reservar?",
        TIMES: (
            '¿Qué días y horarios le quedan mejor? Por ejemplo: "entre semana por la tarde", '
            '"el próximo martes por la tarde" o "las mañanas de esta semana".'
        ),
        CONCERN: (
            "En una frase, ¿con qué le gustaría que le ayudáramos principalmente? Es opcional: "
            'escriba "omitir" si prefiere no contestar.'
        ),
        CONSENT: (
            "¿Nos permite contactarle en {contact} sobre esta solicitud? "
            "Sus datos solo se usan para organizar su cita."
        ),
    },
    callback_start=(
        "Claro. Le pediré su nombre, un teléfono o correo electrónico y un buen momento para "
        "contactarle, y se lo pasaré a nuestro equipo, que se pondrá en contacto con usted. "
        'Puede escribir "cancelar" en cualquier momento.'
    ),
    ask_callback={
        NAME: "¿Por quién debe preguntar el equipo?",
        TIMES: (
            "¿Cuándo le queda bien que el equipo se comunique con usted? Por ejemplo: "
            '"entre semana por la mañana" o "el martes después de las 5".'
        ),
    },
    therapy_buttons=[
        {"title": "NMT", "payload": '/choose_therapy{"therapy":"NMT"}'},
        {"title": "FMM", "payload": '/choose_therapy{"therapy":"FMM"}'},
        {"title": "No sé, ayúdeme a elegir", "payload": "not sure, help me choose"},
    ],
    therapy_buttons_after_help=[
        {"title": "NMT", "payload": '/choose_therapy{"therapy":"NMT"}'},
        {"title": "FMM", "payload": '/choose_therapy{"therapy":"FMM"}'},
        {"title": "Que me aconseje el terapeuta", "payload": "let the therapist advise"},
    ],
    concern_buttons=[{"title": "Omitir", "payload": "skip"}],
    consent_buttons=[
        {"title": "Sí, pueden contactarme", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ],
    therapy_comparison=(
        "En pocas palabras: la NMT (terapia neuromuscular) es un trabajo manual que el "
        "terapeuta realiza mientras usted se relaja: presión sobre los puntos gatillo, "
        "liberación posicional y estiramientos FNP (PNF), dirigida a dolores musculares "
        "concretos y localizados. La FMM (manipulación muscular funcional) es más bien un "
        "trabajo en equipo: usted participa con su respiración y aprende a notar y soltar los "
        "patrones de tensión relacionados con el estrés en toda una región, buscando un "
        "cambio más duradero. En ambos casos, el terapeuta lo habla primero con usted."
    ),
    therapy_still_unsure=(
        "No hay problema: anotaré que prefiere que el terapeuta le aconseje entre NMT y FMM."
    ),
    errors={
        NAME: {
            "empty": "No entendí ningún nombre.",
            "looks_like_contact": (
                "Eso parecen datos de contacto; se los pediré enseguida. Primero, ¿su nombre?"
            ),
            "has_digits": "Un nombre no debería llevar números.",
            "question": "Con gusto respondo sus preguntas en cuanto tenga su nombre.",
            "too_long": "Es un poco largo para un nombre. Basta con el nombre.",
            "yes_no": "Perdone, todavía necesito un nombre para la solicitud.",
            "not_a_name": "Eso no parece un nombre. Basta con su nombre, por ejemplo: Ana Ruiz.",
        },
        CONTACT: {
            "empty": "No encontré ningún número de teléfono ni correo electrónico.",
            "bad_email": (
                "Ese correo electrónico parece incompleto. Debería tener la forma "
                "nombre@ejemplo.com."
            ),
            "missing_area_code": "A ese número de teléfono parece faltarle el código de área.",
            "bad_phone": (
                "Ese número de teléfono no parece válido. Un número de EE. UU. tiene 10 "
                "dígitos, por ejemplo (310) 555-0123; los de otros países necesitan su código "
                "con +."
            ),
            "missing": (
                "Necesito un número de teléfono o un correo electrónico para que la clínica "
                "pueda contactarle."
            ),
        },
        THERAPY: {
            "empty": "No entendí qué terapia prefiere.",
            "unknown_therapy": "Perdone, no le entendí. Las opciones son NMT o FMM.",
        },
        TIMES: {
            "empty": "No entendí qué días u horarios le quedan bien.",
            "too_long": (
                'Es un poco largo. Basta con una frase corta como "entre semana por la mañana".'
            ),
            "past": "Esa fecha ya pasó. ¿Qué le quedaría bien de ahora en adelante?",
            "unrecognised": (
                "No encontré ningún día ni horario en su respuesta. Puede decir, por ejemplo, "
                '"entre semana por la tarde", "el sábado por la mañana" o "cualquier día de '
                'la próxima semana".'
            ),
        },
        CONCERN: {
            "too_short": '¿Podría contarme un poco más, o escribir "omitir"?',
            "too_long": "Es mucho detalle por ahora; con una o dos frases basta.",
        },
        CONFIRMED: {
            "unclear": "Perdone, no le entendí. ¿Envío la solicitud tal como está?",
        },
        CONSENT: {
            "unclear": "Perdone, necesito un sí o un no.",
            "declined": (
                "Lo entiendo. Sin su autorización la clínica no puede contactarle, así que no "
                'puedo enviar la solicitud. Puede decir "sí" si cambia de opinión, o '
                '"cancelar" para terminar.'
            ),
        },
    },
    error_fallback="Perdone, no le entendí.",
    skip_offer='Si prefiere no contestar, escriba "omitir".',
    call_offer=(
        "Si le resulta más fácil, puede comunicarse directamente con la clínica. {contact} "
        'O escriba "cancelar" para terminar.'
    ),
    already_booking="Ya estamos preparando su solicitud; sigamos.",
    summary_intro="Esta es su solicitud. ¿Se la envío a la clínica?",
    callback_summary_intro="Esta es su solicitud de contacto. ¿Se la envío a la clínica?",
    which_field="Claro. ¿Qué dato le gustaría cambiar?",
    cancelled=(
        "De acuerdo, he detenido la solicitud y he borrado los datos que me dio. Si cambia "
        'de opinión, solo diga "quiero pedir una cita".'
    ),
    nothing_to_cancel=(
        "No hay ninguna solicitud de cita abierta en este chat, así que aquí no hay nada que "
        "cancelar. Para cancelar o cambiar una cita que ya tiene, comuníquese directamente "
        "con la clínica. {contact}"
    ),
    nothing_to_submit=(
        "No hay ninguna solicitud pendiente de enviar. Si desea solicitar una sesión, toque "
        "el botón."
    ),
    received=(
        "¡Gracias, {name}! Hemos recibido su solicitud de cita. El equipo de la clínica se "
        "pondrá en contacto con usted para confirmar la hora."
    ),
    received_callback=(
        "¡Gracias, {name}! Hemos recibido su solicitud de contacto. El equipo de la clínica "
        "se pondrá en contacto con usted."
    ),
    scheduler_offer=(
        "Si lo prefiere, también puede elegir la hora directamente en nuestro calendario en "
        "línea:"
    ),
    scheduler_button="Elegir una hora en línea",
    store_failed=(
        "Lo siento, algo falló de nuestro lado y su solicitud no se guardó. {contact} Sus "
        "datos siguen aquí, así que también puede intentarlo de nuevo en un momento."
    ),
    retry_button={"title": "Intentar de nuevo", "payload": "/affirm"},
    book_button={"title": "Pedir una cita", "payload": "/request_booking"},
    confirm_title="Confirmar",
    change_titles={
        "name": "Cambiar nombre",
        "contact": "Cambiar contacto",
        "therapy": "Cambiar terapia",
        "times": "Cambiar horario",
        "concern": "Cambiar motivo",
    },
    therapy_labels={
        "NMT": "Terapia neuromuscular (NMT)",
        "FMM": "Manipulación muscular funcional (FMM)",
        UNDECIDED: "Aún sin decidir (el terapeuta le aconsejará)",
    },
    labels={
        "name": "Nombre",
        "contact": "Contacto",
        "therapy": "Terapia",
        "times": "Días y horarios",
        "concern": "Motivo principal",
        "skipped": "(omitido)",
        "good_time": "Buen momento",
    },
    details_you_gave="los datos que nos dio",
    contact_joiner=" y ",
)


def texts_for(language: Optional[str]) -> BookingTexts:
    """The texts of a conversation in ``language`` (slot ``language``; English by default)."""
    return SPANISH_TEXTS if language == SPANISH else ENGLISH_TEXTS


# --------------------------------------------------------------------------- summary


def therapy_label(value: Optional[str], language: Optional[str] = None) -> str:
    """Readable therapy name for the summary."""
    return texts_for(language).therapy_labels.get(value or "", value or "-")


def times_label(
    raw: Optional[str], parsed: Optional[Mapping[str, Any]], language: Optional[str] = None
) -> str:
    """The visitor's words, with what was understood in brackets when it adds something."""
    raw = raw or "-"
    if not parsed:
        return raw
    known: Dict[str, Any] = {
        k: parsed.get(k) for k in PreferredTimes.__dataclass_fields__ if k in parsed
    }
    understood = PreferredTimes(**known).describe(language) if known.get("raw") else ""
    return f"{raw} ({understood})" if understood and understood.lower() != raw.lower() else raw


def contact_label(value: Any, language: Optional[str] = None) -> str:
    """The phone number and / or e-mail address as shown to the visitor ('-' when none)."""
    contact = Contact.from_slot(value)
    if contact is None:
        return "-"
    return texts_for(language).contact_joiner.join(
        part for part in (contact.phone, contact.email) if part
    )


def summary_text(slots: Mapping[str, Any], language: Optional[str] = None) -> str:
    """The summary shown before submitting."""
    texts = texts_for(language)
    labels = texts.labels
    concern = slots.get(CONCERN)
    times = times_label(slots.get(TIMES), slots.get(TIMES_PARSED), language)
    name_line = f"- {labels['name']}: {slots.get(NAME) or '-'}"
    contact_line = f"- {labels['contact']}: {contact_label(slots.get(CONTACT), language)}"
    if slots.get(KIND) == CALLBACK:
        return "\n".join(
            [
                texts.callback_summary_intro,
                name_line,
                contact_line,
                f"- {labels['good_time']}: {times}",
            ]
        )
    lines = [
        texts.summary_intro,
        name_line,
        contact_line,
        f"- {labels['therapy']}: {therapy_label(slots.get(THERAPY), language)}",
        f"- {labels['times']}: {times}",
        f"- {labels['concern']}: {concern if concern else labels['skipped']}",
    ]
    return "\n".join(lines)
