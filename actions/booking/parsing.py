"""Pure parsers for what visitors type into the booking form.

Nothing here touches a tracker, a database or the network, so every rule can be unit-tested
directly (``tests/unit/test_booking_parsing.py``). Parsers return a value or raise
``BookingInputError`` whose ``code`` names the problem; the form turns codes into messages.

The parsers understand English and Spanish answers alike ("tuesday afternoon" and "el martes
por la tarde", "yes" and "sí", "not sure" and "no estoy seguro"), whatever the conversation's
language: the Spanish words are matched without accents ("sabado", "manana"), none of them
is an English word, so English answers are read exactly as before
(``tests/language/test_booking_spanish.py``). Only the order of a slashed date depends on the
language: "3/14" is month/day in English, "14/3" day/month in Spanish.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

WEEKDAYS: Tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
PARTS_OF_DAY: Tuple[str, ...] = ("morning", "midday", "afternoon", "evening")
SPANISH = "es"  # the conversation's language code for Spanish (slot ``language``)
# Spanish names for what the summary shows (describe(language="es")).
WEEKDAYS_ES: Dict[str, str] = {
    "monday": "lunes",
    "tuesday": "martes",
    "wednesday": "miércoles",
    "thursday": "jueves",
    "friday": "viernes",
    "saturday": "sábado",
    "sunday": "domingo",
}
WEEKDAYS_ES_SHORT: Tuple[str, ...] = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
PARTS_OF_DAY_ES: Dict[str, str] = {
    "morning": "por la mañana",
    "midday": "a mediodía",
    "afternoon": "por la tarde",
    "evening": "por la noche",
}
THERAPIES: Tuple[str, ...] = ("NMT", "FMM")
UNSURE = "unsure"  # "not sure, help me choose": show the comparison, ask again
UNDECIDED = "undecided"  # "let the therapist advise": a valid, stored answer

MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 6
MAX_CONCERN_CHARS = 500
MAX_TIMES_CHARS = 200


def _phrases(text: str) -> frozenset:
    """A set of lower-case phrases written as ``"a | b c | d"``."""
    return frozenset(part.strip() for part in text.split("|") if part.strip())


def fold(text: Optional[str]) -> str:
    """Lower-case text without accents ("Sábado por la MAÑANA" -> "sabado por la manana").

    Spanish answers are matched in this form, so "mañana" and "manana" read the same.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class BookingInputError(ValueError):
    """A value typed into the booking form is not usable; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- general


_QUESTION_START = re.compile(
    r"^\s*(what|whats|what's|why|how|who|where|which|when|is|are|do|does|did|can|could|"
    r"should|would|will|tell me|explain)\b",
    re.IGNORECASE,
)


def normalise_space(text: Optional[str]) -> str:
    """Collapses runs of whitespace and trims the text."""
    return " ".join((text or "").split())


# Spanish questions: "¿...", an accented question word, or a few openings that are
# questions without accents too ("que es", "como funciona"). Statements such as "cuando
# sea" (whenever), "como a las 5" (around 5), "pueden llamarme" or "hay días que me duele"
# are answers, so those openings do not count without a question mark.
_QUESTION_START_ES = re.compile(
    r"^\s*(¿|(qué|cómo|cuál|cuáles|cuándo|cuánto|cuánta|cuántos|cuántas|dónde|adónde|"
    r"quién|quiénes|por qué)\b|(que es|que son|que significa|como funciona|cual es|"
    r"cuales son|cuanto (cuesta|vale|dura|cobran)|donde|quien|por que)\b)",
    re.IGNORECASE,
)


def looks_like_question(text: Optional[str]) -> bool:
    """True for text that reads as a question rather than an answer (English or Spanish)."""
    clean = normalise_space(text)
    if clean.endswith("?") or _QUESTION_START.match(clean):
        return True
    return bool(_QUESTION_START_ES.match(clean) or _QUESTION_START_ES.match(fold(clean)))


def is_payload(text: Optional[str]) -> bool:
    """True for a button payload such as ``/affirm`` (not something the visitor typed)."""
    return normalise_space(text).startswith("/")


def _words(text: str) -> List[str]:
    return re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.lower())


# --------------------------------------------------------------------------- name

_NAME_PREFIX = re.compile(
    r"^\s*(hi|hello|hey)?[\s,!.]*(my name is|my name's|name is|the name is|name:|i am|i'm|"
    r"im|it is|it's|its|this is|call me|you can call me|put it under|under)\s+",
    re.IGNORECASE,
)
_NOT_NAMES = _phrases(
    "yes | no | yeah | yep | nope | ok | okay | sure | hi | hello | hey | skip | cancel | "
    "stop | quit | exit | help | thanks | thank you | nmt | fmm | book | booking | none | "
    "nothing | idk | n/a | na | test | anonymous | no thanks | never mind | nevermind | "
    "why | what"
)
# Words that do not occur in names but do in sentences ("I want to book").
_NON_NAME_WORDS = _phrases(
    "i | me | my | you | your | we | want | wanna | book | booking | appointment | "
    "session | massage | therapy | need | would | like | please | help | pain | hurt | "
    "hurts | what | how | why | when | can | could | is | are | do | does | the | a | an "
    "| to | for | with | have | has | not | sure | know | just | about | this | that | it "
    "| in | on | at | of | am | be | bye | goodbye | thanks | thank | cancel | stop | "
    "thats | its | correct | right | wrong | told | said | already | gave | was | were | "
    "think | guess | maybe | okay | ok | yes | no | yeah | nope | sorry"
)
# "that's", "don't", "i'm": contractions occur in sentences, not in names ("O'Brien" passes).
_CONTRACTION = re.compile(r"^[a-z]+'(s|t|re|ve|ll|d|m)$")
# Spanish: "me llamo Ana", "soy Ana Ruiz", "a nombre de Ana" (matched without accents).
_NAME_PREFIX_ES = re.compile(
    r"^\s*((hola|buenas|buenos dias|buenas tardes|buenas noches)[\s,!.]*)?"
    r"(me llamo|mi nombre es|mi nombre:|nombre:|yo soy|soy|a nombre de|"
    r"(puede |lo puede |la puede )?(ponerla|ponerlo|ponga|pongala|pongalo|anotela|anotelo|"
    r"apuntela|apuntelo) a nombre de|me puede llamar|me pueden llamar|llameme)\s+",
    re.IGNORECASE,
)
_NOT_NAMES_ES = _phrases(
    "si | sip | no | nop | hola | buenas | gracias | muchas gracias | cancelar | ayuda | "
    "nada | ninguno | ninguna | anonimo | anonima | prueba | omitir | saltar | no se | "
    "claro | vale | bueno | adios | cita | sin nombre | de acuerdo | por supuesto"
)
# Words of Spanish sentences that do not occur in names. Particles of names ("de", "del",
# "la", "los", "y": María de los Ángeles, José del Río) and words that are names ("Luz",
# "Paz", "Dolores", "Socorro") are deliberately not here.
_NON_NAME_WORDS_ES = _phrases(
    "quiero | quisiera | necesito | cita | sesion | masaje | terapia | hola | gracias | "
    "favor | porque | que | usted | ustedes | llamo | nombre | dolor | duele | tengo | "
    "tiene | nada | prefiero | decir | reservar | agendar | hacer | espalda | cuello | "
    "ayuda | ayudar | claro | bien | bueno | adios | cancelar | estoy | pero | tambien | "
    "dije | eso | esto | puedo | puede | quiere | saber | ahora | manana | correcto | "
    "para | por | seguro | segura"
)
# Short words that are also names or parts of names ("Le", "Lo", "Mi", "Sin", "Ya", "Yo")
# are left out on purpose.


def parse_name(text: Optional[str]) -> str:
    """Returns the name a visitor gave ("my name is Ana Ruiz" -> "Ana Ruiz").

    Raises:
        BookingInputError: ``empty``, ``looks_like_contact``, ``has_digits``, ``question``,
            ``yes_no``, ``too_long`` or ``not_a_name``.
    """
    clean = unicodedata.normalize("NFC", normalise_space(text))
    if not clean or is_payload(clean):
        raise BookingInputError("empty")
    if "@" in clean:
        raise BookingInputError("looks_like_contact")
    if len(re.sub(r"\D", "", clean)) >= 5:
        raise BookingInputError("looks_like_contact")
    if re.search(r"\d", clean):
        raise BookingInputError("has_digits")
    spanish_prefix = _NAME_PREFIX_ES.match(fold(clean))
    if looks_like_question(clean) and not spanish_prefix:
        raise BookingInputError("question")
    if parse_yes_no(clean) is not None:
        raise BookingInputError("yes_no")  # "yes, that's correct" answers nothing asked
    name = _NAME_PREFIX.sub("", clean)
    if name == clean and spanish_prefix:
        # NFC text folds character for character ("á" -> "a"), so the prefix's length
        # finds the name in the visitor's own spelling
        name = clean[len(spanish_prefix.group(0)) :] if len(fold(clean)) == len(clean) else name
    name = name.strip(" .,!;:\"'¡¿")
    if not name or not re.search(r"[^\W\d_]", name):
        raise BookingInputError("not_a_name")
    words = _words(name)
    folded_words = set(_words(fold(name)))
    if name.lower() in _NOT_NAMES or set(words) & _NON_NAME_WORDS:
        raise BookingInputError("not_a_name")
    if fold(name) in _NOT_NAMES_ES or folded_words & _NON_NAME_WORDS_ES:
        raise BookingInputError("not_a_name")
    if any(_CONTRACTION.match(word) for word in words):
        raise BookingInputError("not_a_name")
    if len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        raise BookingInputError("too_long")
    if re.search(r"[<>{}\[\]|\\/=_*#$%^~`]", name):
        raise BookingInputError("not_a_name")
    return name


# --------------------------------------------------------------------------- contact

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$"
)
_EMAIL_CANDIDATE = re.compile(r"[^\s<>(),;:\"']*@[^\s<>(),;:\"']*")
_PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d\s().\-]*\d")


def parse_email(text: Optional[str]) -> str:
    """Checks an e-mail address's shape and normalises it (domain lower-cased).

    Raises:
        BookingInputError: ``bad_email``.
    """
    candidate = normalise_space(text).lstrip("<([\"'").rstrip(".,;:!?>)]\"'")
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if not candidate or len(candidate) > 254 or not EMAIL_RE.match(candidate):
        raise BookingInputError("bad_email")
    local, _, domain = candidate.rpartition("@")
    if len(local) > 64:
        raise BookingInputError("bad_email")
    return f"{local}@{domain.lower()}"


def parse_phone(text: Optional[str]) -> str:
    """Normalises a phone number to E.164 ("(310) 555-0134" -> "+13105550134").

    US/Canadian (NANP) numbers may be written with or without the leading 1; other
    countries need their ``+`` code.

    Raises:
        BookingInputError: ``missing_area_code``, ``bad_phone``.
    """
    raw = normalise_space(text)
    raw = re.sub(r"(?i)\s*(ext\.?|extension|extensión|x)\s*\d+$", "", raw)
    digits = re.sub(r"\D", "", raw)
    international = raw.lstrip().startswith("+") or raw.lstrip().startswith("00")
    if raw.lstrip().startswith("00"):
        digits = digits[2:]
    if international and not digits.startswith("1"):
        if 8 <= len(digits) <= 15:
            return "+" + digits
        raise BookingInputError("bad_phone")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 7:
        raise BookingInputError("missing_area_code")
    if len(digits) != 10:
        raise BookingInputError("bad_phone")
    if digits[0] in "01" or digits[3] in "01":
        raise BookingInputError("bad_phone")
    return "+1" + digits


@dataclass(frozen=True)
class Contact:
    """How the clinic can reach a visitor (at least one of the two is set)."""

    phone: Optional[str] = None
    email: Optional[str] = None

    def as_slot(self) -> Dict[str, Optional[str]]:
        """The slot value stored during the conversation."""
        return {"phone": self.phone, "email": self.email}

    @classmethod
    def from_slot(cls, value: Any) -> Optional["Contact"]:
        """Reads the slot value back (``None`` when it is not a parsed contact)."""
        if not isinstance(value, Mapping):
            return None
        phone, email = value.get("phone"), value.get("email")
        if not phone and not email:
            return None
        return cls(phone=phone or None, email=email or None)

    def display(self) -> str:
        """Human-readable form for the summary."""
        return " and ".join(part for part in (self.phone, self.email) if part)


def parse_contact(text: Optional[str]) -> Contact:
    """Finds a phone number and/or an e-mail address in what the visitor typed.

    Raises:
        BookingInputError: ``empty``, ``bad_email``, ``missing_area_code``, ``bad_phone`` or
            ``missing`` (neither a number nor an address was given).
    """
    clean = normalise_space(text)
    if not clean or is_payload(clean):
        raise BookingInputError("empty")
    email: Optional[str] = None
    email_candidates = _EMAIL_CANDIDATE.findall(clean)
    if email_candidates:
        email = parse_email(email_candidates[0])
    rest = _EMAIL_CANDIDATE.sub(" ", clean)
    phone: Optional[str] = None
    phone_candidates = [
        c for c in _PHONE_CANDIDATE.findall(rest) if len(re.sub(r"\D", "", c)) >= 5
    ]
    if phone_candidates:
        phone = parse_phone(max(phone_candidates, key=len))
    elif len(re.sub(r"\D", "", rest)) >= 5:
        raise BookingInputError("bad_phone")
    if not email and not phone:
        raise BookingInputError("missing")
    return Contact(phone=phone, email=email)


# --------------------------------------------------------------------------- therapy

_UNSURE_RE = re.compile(
    r"\b(not sure|unsure|no idea|don'?t know|dont know|idk|help me (choose|decide|pick)|"
    r"which (one|should|would|is better)|can'?t decide|cannot decide|undecided|what do you "
    r"(recommend|suggest)|recommend|difference|compare|not certain|no clue)\b",
    re.IGNORECASE,
)
# Spanish, matched on the text without accents: "no sé", "no estoy segura", "ayúdeme a
# elegir", "¿cuál me recomienda?".
_UNSURE_ES_RE = re.compile(
    r"\b(no se|no lo se|no estoy segur[oa]|no sabria|no tengo (idea|claro)|ni idea|"
    r"ayudeme a (elegir|escoger|decidir)|ayudame a (elegir|escoger|decidir)|"
    r"cual (me )?(recomienda|recomiendan|conviene|sugiere)|cual es mejor|recomienda|"
    r"recomiendan|diferencia|no me decido|indecis[oa]|no estoy decidid[oa]|"
    r"no s[eé] cual)\b",
    re.IGNORECASE,
)
_UNDECIDED_RE = re.compile(
    r"\b(either|whichever|no preference|therapist (advise|decide|choose|recommend)|let the "
    r"therapist|let them (decide|choose)|you (decide|choose)|doesn'?t matter|don'?t mind|"
    r"any of them|both are fine|either one)\b",
    re.IGNORECASE,
)
# Spanish: "cualquiera", "me da igual", "que decida el terapeuta", "lo que recomiende la
# terapeuta", "las dos están bien".
_UNDECIDED_ES_RE = re.compile(
    r"\b(cualquiera|la que sea|el que sea|me da igual|da igual|da lo mismo|sin preferencia|"
    r"que (me )?(decida|elija|escoja|recomiende|aconseje|diga) (el|la) terapeuta|"
    r"(el|la) terapeuta (decida|elija|escoja|recomiende|aconseje|me aconseje|decide)|"
    r"lo que (recomiende|diga|sugiera|decida) (el|la) terapeuta|que decidan ustedes|"
    r"ustedes deciden|decida usted|usted decide|elija usted|las dos (estan bien|me sirven)|"
    r"ambas (estan bien|me sirven)|cualquiera de las dos)\b",
    re.IGNORECASE,
)
_THERAPY_WORDS = {
    "NMT": re.compile(r"\b(nmt|neuro[\s-]?muscular|trigger[\s-]?points?|n\.m\.t)\b", re.I),
    "FMM": re.compile(r"\b(fmm|functional|f\.m\.m)\b", re.I),
}
# Spanish names of the therapies ("terapia neuromuscular" is already NMT above).
_THERAPY_WORDS_ES = {
    "NMT": re.compile(r"\b(puntos? (gatillo|de gatillo)|terapia neuro ?muscular)\b", re.I),
    "FMM": re.compile(
        r"\b(funcional|manipulacion (muscular )?funcional|manipulacion muscular)\b", re.I
    ),
}


def parse_therapy(text: Optional[str], entity_values: Iterable[str] = ()) -> str:
    """Reads the therapy choice: ``"NMT"``, ``"FMM"``, ``UNSURE`` or ``UNDECIDED``.

    ``entity_values`` are the canonical ``therapy`` entities NLU found in the message
    (they win over words in the text).

    Raises:
        BookingInputError: ``empty`` or ``unknown_therapy``.
    """
    found = [v for v in dict.fromkeys(str(e).upper() for e in entity_values) if v in THERAPIES]
    clean = normalise_space(text)
    folded = fold(clean)
    if not found:
        found = [
            name
            for name in THERAPIES
            if _THERAPY_WORDS[name].search(clean) or _THERAPY_WORDS_ES[name].search(folded)
        ]
    if _UNDECIDED_RE.search(clean) or _UNDECIDED_ES_RE.search(folded):
        return UNDECIDED
    unsure = bool(_UNSURE_RE.search(clean) or _UNSURE_ES_RE.search(folded))
    if len(found) == 1 and not unsure:
        return found[0]
    if len(found) > 1 or unsure:
        return UNSURE
    if not clean or is_payload(clean):
        raise BookingInputError("empty")
    raise BookingInputError("unknown_therapy")


# --------------------------------------------------------------------------- yes / no / skip

_YES = _phrases(
    "yes | y | yeah | yea | yep | yup | sure | ok | okay | k | of course | absolutely | "
    "definitely | please do | go ahead | fine | that's fine | thats fine | i agree | "
    "agree | i consent | consent | yes please | yes you may | yes you can | sounds good | "
    "correct | confirm | certainly | by all means | ya | yess | yse"
)
_NO = _phrases(
    "no | n | nope | nah | no thanks | no thank you | don't | do not | i don't | i do not "
    "| rather not | i'd rather not | no way | not really | i disagree | disagree | never "
    "| noo | please don't | please do not | no you may not"
)


def parse_yes_no(text: Optional[str]) -> Optional[bool]:
    """``True`` for yes-like answers, ``False`` for no-like ones, else ``None``.

    English first ("yes", "no thanks"), then Spanish (``parse_yes_no_spanish``).
    """
    english = parse_yes_no_english(text)
    return english if english is not None else parse_yes_no_spanish(text)


def parse_yes_no_english(text: Optional[str]) -> Optional[bool]:
    """English yes / no only ("yes", "sure", "no thanks", "don't call me"); else ``None``."""
    clean = normalise_space(text).lower().strip(" .!,")
    if not clean:
        return None
    if clean in _YES:
        return True
    if clean in _NO:
        return False
    first = clean.split(" ")[0].strip(",.!")
    if first in {"yes", "yeah", "yep", "sure", "ok", "okay", "absolutely", "definitely"}:
        return True
    if first in {"no", "nope", "nah"} or re.search(
        r"\b(don'?t|do not) (contact|call|email)", clean
    ):
        return False
    return None


# Spanish, without accents. "Dale" and "Sale" (yes in Mexico) are names in English, so they
# are not here; "vale" counts only on its own.
_YES_ES = _phrases(
    "si | sip | sii | siii | claro | claro que si | por supuesto | desde luego | de acuerdo "
    "| vale | esta bien | bueno | perfecto | correcto | exacto | asi es | adelante | acepto "
    "| confirmo | afirmativo | con gusto | andale | orale | okey | como no | listo | "
    "me parece bien | todo bien | todo correcto | todo esta bien | esta correcto | envielo | "
    "enviela | envielos | mandelo | mandela | pueden contactarme | pueden llamarme | "
    "pueden escribirme | me pueden contactar | me pueden llamar | me pueden escribir | "
    "puede contactarme | puede llamarme | puede escribirme | doy mi consentimiento | "
    "tiene mi permiso | tienen mi permiso | con mucho gusto | va | se ve bien | "
    "eso es correcto | esta todo bien"
)
_NO_ES = _phrases(
    "no | nop | nel | no gracias | para nada | de ninguna manera | de ningun modo | "
    "prefiero que no | mejor no | no quiero | nunca | no acepto | ni hablar | todavia no | "
    "aun no | no por ahora | por ahora no | ahorita no | no estoy de acuerdo | no, no | "
    "negativo | la verdad no | esta mal | eso no esta bien | prefiero no | no es correcto | "
    "no creo"
)
# Words that make an answer a yes after "sí" / "claro" ("sí, pueden llamarme por la tarde").
_YES_FIRST_ES = re.compile(r"^(si|claro|por supuesto|de acuerdo|desde luego|perfecto)\b[,.!]")
_YES_START_ES = re.compile(
    r"^(si|claro) (claro|por favor|gracias|acepto|pueden|puede|me pueden|esta bien|de "
    r"acuerdo|correcto|perfecto|adelante|envie|envielo|enviela|envialo|mandela|mandelo|"
    r"mandalo|confirmo|"
    r"todo|que si|con gusto|por supuesto)\b"
)
_NO_ES_RE = re.compile(
    r"\bno (me|nos) (contacten|contacte|llamen|llame|escriban|escriba)\b|"
    r"\bprefiero que no\b|\bmejor no\b"
)


def parse_yes_no_spanish(text: Optional[str]) -> Optional[bool]:
    """Spanish yes / no: "sí", "si, por favor", "claro que sí", "no, gracias"; else ``None``.

    "Sí" with its accent is always a yes; without it "si" is also "if", so it counts alone,
    before a comma, or before a word of agreement ("si claro", "si pueden llamarme").
    """
    raw = normalise_space(text).lower().strip(" .!,¡¿?")
    clean = fold(raw)
    if not clean:
        return None
    if clean in _YES_ES:
        return True
    if clean in _NO_ES:
        return False
    if raw.startswith("sí") and not re.match(r"sí[^\W\d_]", raw):
        return True
    if _YES_FIRST_ES.match(clean) or _YES_START_ES.match(clean):
        return True
    if _NO_ES_RE.search(clean):
        return False
    return None


_SKIP = _phrases(
    "skip | skip it | skip this | skip that | pass | no | nope | none | nothing | n/a | "
    "na | - | no thanks | no thank you | not really | rather not say | i'd rather not say "
    "| prefer not to say | i prefer not to say | rather not | i'd rather not | nothing "
    "specific | nothing in particular | no comment | nah | leave it blank | leave blank | "
    "not now | skip please | please skip"
)


# A consent answered with how to be contacted: "por correo, por favor", "mejor por teléfono",
# "solo por mensaje" (Spanish; the form reads it as a yes to being contacted).
_CONTACT_PREFERENCE_ES = re.compile(
    r"^((si|claro|ok)[\s,]+)?(solo |mejor |de preferencia |preferiblemente |prefiero que sea |"
    r"prefiero )?(por|al|a mi) (telefono|tel|celular|cel|correo|correo electronico|email|"
    r"e-mail|mail|mensaje|mensaje de texto|texto|whatsapp|llamada)\b"
)


def prefers_contact_channel(text: Optional[str]) -> bool:
    """True for a Spanish answer naming how to be contacted ("por correo, por favor")."""
    return bool(_CONTACT_PREFERENCE_ES.match(fold(normalise_space(text)).strip(" .!¡")))


_SKIP_ES = _phrases(
    "omitir | omitalo | omitala | omitir por favor | saltar | saltela | saltelo | paso | "
    "pasar | siguiente | nada | ninguno | ninguna | no | no gracias | prefiero no decirlo | "
    "prefiero no decir | prefiero no | mejor no | no quiero decirlo | no quiero decir | "
    "sin comentarios | nada en particular | nada en especial | nada especifico | "
    "no por ahora | ahorita no | no aplica | dejelo en blanco | dejarlo en blanco | "
    "en blanco | prefiero no contestar | prefiero no responder"
)


def is_skip(text: Optional[str]) -> bool:
    """True when the visitor declines an optional question ("skip", "no", "rather not say",
    "omitir", "prefiero no decirlo")."""
    clean = normalise_space(text).lower().strip(" .!")
    if clean in _SKIP or clean.startswith("skip"):
        return True
    folded = " ".join(fold(clean).replace(",", " ").split()).strip(" .!¡")
    return folded in _SKIP_ES or folded.startswith(("omitir", "saltar"))


def parse_concern(text: Optional[str]) -> str:
    """Returns the (optional) main concern, or ``""`` when the visitor skipped it.

    Raises:
        BookingInputError: ``too_short`` or ``too_long``.
    """
    clean = normalise_space(text)
    if is_skip(clean):
        return ""
    if len(re.findall(r"[^\W\d_]", clean)) < 3:
        raise BookingInputError("too_short")
    if len(clean) > MAX_CONCERN_CHARS:
        raise BookingInputError("too_long")
    return clean


# --------------------------------------------------------------------------- preferred times


@dataclass
class PreferredTimes:
    """Structured view of "when suits you", with the visitor's own words kept."""

    raw: str
    days: List[str] = field(default_factory=list)
    part_of_day: List[str] = field(default_factory=list)
    times: List[str] = field(default_factory=list)
    date: Optional[str] = None
    date_from: Optional[str] = None
    date_to: Optional[str] = None
    flexible: bool = False

    def is_structured(self) -> bool:
        """True when anything beyond the raw text was understood."""
        return bool(
            self.days
            or self.part_of_day
            or self.times
            or self.date
            or self.date_from
            or self.flexible
        )

    def as_dict(self) -> Dict[str, Any]:
        """JSON-friendly form (stored with the request)."""
        return {
            "raw": self.raw,
            "days": list(self.days),
            "part_of_day": list(self.part_of_day),
            "times": list(self.times),
            "date": self.date,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "flexible": self.flexible,
        }

    def describe(self, language: Optional[str] = None) -> str:
        """Short readable form of what was understood, e.g. "Tue 2025-03-11, afternoon".

        In Spanish (``language="es"``): "mar 2025-03-11; tarde", "entre semana; noche".
        """
        if language == SPANISH:
            return self._describe_spanish()
        parts: List[str] = []
        if self.date:
            parts.append(date.fromisoformat(self.date).strftime("%a %Y-%m-%d"))
        elif self.date_from and self.date_to:
            parts.append(f"between {self.date_from} and {self.date_to}")
        if self.days and not self.date:
            if self.days == list(WEEKDAYS[:5]):
                parts.append("weekdays")
            elif self.days == list(WEEKDAYS[5:]):
                parts.append("weekends")
            else:
                parts.append(", ".join(d.capitalize() for d in self.days))
        if self.part_of_day:
            parts.append(", ".join(self.part_of_day))
        if self.times:
            parts.append(", ".join(self.times))
        if self.flexible and not parts:
            parts.append("flexible")
        return "; ".join(parts)

    def _describe_spanish(self) -> str:
        parts: List[str] = []
        if self.date:
            day = date.fromisoformat(self.date)
            parts.append(f"{WEEKDAYS_ES_SHORT[day.weekday()]} {day.isoformat()}")
        elif self.date_from and self.date_to:
            parts.append(f"entre el {self.date_from} y el {self.date_to}")
        if self.days and not self.date:
            if self.days == list(WEEKDAYS[:5]):
                parts.append("entre semana")
            elif self.days == list(WEEKDAYS[5:]):
                parts.append("fines de semana")
            else:
                parts.append(", ".join(WEEKDAYS_ES.get(d, d) for d in self.days))
        if self.part_of_day:
            parts.append(", ".join(PARTS_OF_DAY_ES.get(p, p) for p in self.part_of_day))
        if self.times:
            parts.append(", ".join(self.times))
        if self.flexible and not parts:
            parts.append("flexible")
        return "; ".join(parts)


_DAY_ALIASES: Dict[str, str] = {
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "weds": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
_PART_ALIASES: Dict[str, str] = {
    "morning": "morning",
    "mornings": "morning",
    "midday": "midday",
    "noon": "midday",
    "lunch": "midday",
    "lunchtime": "midday",
    "afternoon": "afternoon",
    "afternoons": "afternoon",
    "evening": "evening",
    "evenings": "evening",
    "night": "evening",
    "nights": "evening",
    "tonight": "evening",
}
_MONTHS: Dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTHS.update(
    {
        name: number
        for number, names in enumerate(
            [
                ("enero",),
                ("febrero",),
                ("marzo",),
                ("abril",),
                ("mayo",),
                ("junio",),
                ("julio",),
                ("agosto",),
                ("septiembre", "setiembre"),
                ("octubre",),
                ("noviembre",),
                ("diciembre",),
            ],
            start=1,
        )
        for name in names
    }
)
_FLEXIBLE_RE = re.compile(
    r"\b(any ?time|any day|whenever|flexible|no preference|anything works|any works|"
    r"open schedule|asap|as soon as possible|earliest)\b",
    re.IGNORECASE,
)
_PAST_RE = re.compile(
    r"\b(yesterday|last (week|month|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday))\b",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])", re.I)
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_SLASH_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_MONTH_DAY_RE = re.compile(
    r"\b([a-z]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?", re.I
)
_DAY_MONTH_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?([a-z]{3,10})\b"
    r"(?:,?\s*(?:de\s+)?(\d{4}))?",
    re.I,
)


def _fuzzy(word: str, choices: Sequence[str]) -> Optional[str]:
    if len(word) < 5:
        return None
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.8)
    return match[0] if match else None


def _next_weekday(today: date, weekday: int) -> date:
    """The first such weekday strictly after ``today``."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _explicit_date(
    text: str, today: date, day_first: bool = False
) -> Tuple[Optional[date], bool]:
    """Finds a calendar date; returns ``(date, year_was_given)``.

    ``day_first``: "14/3" is day/month (Spanish); when that is no date, month/day is tried.
    """
    match = _ISO_DATE_RE.search(text)
    if match:
        return _safe_date(*(int(g) for g in match.groups())), True
    for regex, month_group, day_group in ((_MONTH_DAY_RE, 1, 2), (_DAY_MONTH_RE, 2, 1)):
        for match in regex.finditer(text):
            month = _MONTHS.get(match.group(month_group).lower().rstrip("."))
            if not month:
                continue
            year = match.group(3)
            found = _safe_date(
                int(year) if year else today.year, month, int(match.group(day_group))
            )
            return found, bool(year)
    match = _SLASH_DATE_RE.search(text)
    if match:
        year_text: Optional[str] = match.group(3)
        full_year = today.year
        if year_text:
            full_year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        first, second = int(match.group(1)), int(match.group(2))
        if day_first:
            found = _safe_date(full_year, second, first) or _safe_date(full_year, first, second)
            return found, bool(year_text)
        return _safe_date(full_year, first, second), bool(year_text)
    return None, False


# Spanish (matched on the text without accents, ``fold``).
_DAYS_ES: Dict[str, str] = {
    "lunes": "monday",
    "martes": "tuesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sabado": "saturday",
    "domingo": "sunday",
}
_PLURAL_DAYS_ES: Dict[str, str] = {"sabados": "saturday", "domingos": "sunday"}
# Spanish words the English fuzzy matching must not try to read as a day or part of day.
_TIME_WORDS_ES = _phrases(
    "manana | mananas | tarde | tardes | noche | noches | mediodia | medio | dia | dias | "
    "semana | semanas | temprano | madrugada | hoy | pasado | proxima | proximo | "
    "siguiente | viene | cualquier | cualquiera | cuando | sea | despues | antes | "
    "trabajo | trabajar | almuerzo | comida | entre | laborables | habiles | fin | fines | "
    "esta | este | todos | todas | cada | las | los | la | el | de | del | por | en | a | "
    "partir | hora | horas | horario | flexible | posible | pronto | igual | mismo"
)
_PAST_ES_RE = re.compile(
    r"\b(ayer|anteayer|antier|anoche|la semana pasada|el mes pasado|"
    r"(el )?(lunes|martes|miercoles|jueves|viernes|sabado|domingo) pasado)\b"
)
_WEEKDAYS_ES_RE = re.compile(
    r"\b(entre semana|dias? (de|entre) semana|(de )?lunes a viernes|dias? laborables|"
    r"dias? habiles)\b"
)
_WEEKEND_ES_RE = re.compile(r"\bfin(es)? de semana\b")
_FLEXIBLE_ES_RE = re.compile(
    r"\b(cualquier (dia|momento|hora|horario|fecha)|a cualquier hora|cuando sea|"
    r"cuando (ustedes )?(quieran|puedan|gusten)|lo antes posible|cuanto antes|"
    r"lo mas pronto( posible)?|me da igual|da igual|da lo mismo|sin preferencia|"
    r"cualquiera|todo el dia|el dia que sea|a la hora que sea|me acomodo)\b"
)
_EVENING_ES_RE = re.compile(
    r"\b(despues del trabajo|despues de trabajar|saliendo del trabajo|al salir del trabajo)\b"
)
_MORNING_ES_RE = re.compile(
    r"\b(temprano|madrugada|antes del trabajo|antes de (ir a )?trabajar|"
    r"antes de ir al trabajo)\b"
)
_MIDDAY_ES_RE = re.compile(
    r"\b(mediodia|medio dia|hora de (la )?comida|hora del almuerzo|almuerzo)\b"
)
# "a las 4", "a las 10 y media de la mañana", "a la 1", "a las 17:30", "después de las 6".
_CLOCK_ES_RE = re.compile(
    r"\b(despues de|antes de|a partir de)?\s*(?:a\s+)?las?\s+(\d{1,2})"
    r"(?:(?::|\.)([0-5]\d)|\s+y\s+(media|cuarto))?(?![:.]?\d)(?!\s*[ap]\.?\s?m\b)"
    r"(?:\s*(?:hrs?|horas)\b)?"
    r"(?:\s+(?:de|en|por)\s+la\s+(manana|tarde|noche))?"
)
_RECURRING_ES_RE = re.compile(
    r"\b(todos los|todas las|cada)\b|\blos (lunes|martes|miercoles|jueves|viernes|sabados|"
    r"domingos)\b"
)


@dataclass
class _SpanishTimes:
    """What the Spanish words of an answer say (merged into ``PreferredTimes``)."""

    days: List[str] = field(default_factory=list)
    part_of_day: List[str] = field(default_factory=list)
    times: List[str] = field(default_factory=list)
    flexible: bool = False
    today: bool = False
    tomorrow: bool = False
    day_after: bool = False
    this_weekend: bool = False
    this_week: bool = False
    next_week: bool = False
    recurring: bool = False
    rest: str = ""  # the text without the clock phrases, for the word loop


def _spanish_hour(hour: int, qualifier: Optional[str]) -> Optional[int]:
    """24-hour clock for "las 4 de la tarde" (16), "las 10" (10), "las 5" (17), "las 17"."""
    if hour > 23:
        return None
    if hour > 12:
        return hour
    if qualifier == "manana":
        return hour % 12 if hour != 12 else 12
    if qualifier in ("tarde", "noche"):
        return hour if hour == 12 else hour + 12
    if hour == 0:
        return None
    # no "de la tarde": a clinic's day runs 8 to 7, so 1-7 are afternoon hours
    return hour + 12 if 1 <= hour <= 7 else hour


def _spanish_times(folded: str) -> _SpanishTimes:
    """Reads the Spanish time words of an answer (``folded``: lower case, no accents)."""
    found = _SpanishTimes()

    def add_part(part: str) -> None:
        if part not in found.part_of_day:
            found.part_of_day.append(part)

    if _WEEKDAYS_ES_RE.search(folded):
        found.days.extend(WEEKDAYS[:5])
    if _WEEKEND_ES_RE.search(folded):
        found.days.extend(WEEKDAYS[5:])
    if _FLEXIBLE_ES_RE.search(folded):
        found.flexible = True
    if _EVENING_ES_RE.search(folded):
        add_part("evening")

    def clock(match: "re.Match[str]") -> str:
        limit, minute_text, fraction, qualifier = (
            match.group(1),
            match.group(3),
            match.group(4),
            match.group(5),
        )
        hour24 = _spanish_hour(int(match.group(2)), qualifier)
        if hour24 is None:
            return match.group(0)
        if limit == "antes de":
            if hour24 <= 12:
                add_part("morning")
        elif limit:  # "después de las 6", "a partir de las 5"
            add_part("evening" if hour24 >= 17 else "afternoon" if hour24 >= 12 else "morning")
        else:
            minute = int(minute_text) if minute_text else {"media": 30, "cuarto": 15}.get(
                fraction or "", 0
            )
            found.times.append(f"{hour24:02d}:{minute:02d}")
            add_part("morning" if hour24 < 12 else "afternoon" if hour24 < 17 else "evening")
        return " "

    rest = _CLOCK_ES_RE.sub(clock, folded)
    if _MORNING_ES_RE.search(rest):
        add_part("morning")
    if _MIDDAY_ES_RE.search(rest):
        add_part("midday")
        if re.search(r"\b(mediodia|medio dia)\b", rest) and "12:00" not in found.times:
            found.times.append("12:00")
    # "mañana" is tomorrow, but "la mañana" / "las mañanas" are mornings
    for match in re.finditer(r"\b(?:([a-z]+)\s+)?(mananas?)\b", rest):
        before, word = match.group(1), match.group(2)
        if word == "mananas" or before in ("la", "las", "de", "por", "en"):
            add_part("morning")
        elif before == "esta":
            add_part("morning")
            found.today = True
        elif before == "pasado":
            found.day_after = True
        else:
            found.tomorrow = True
    for match in re.finditer(r"\b(?:([a-z]+)\s+)?(tardes?)\b", rest):
        if match.group(1) == "mas":
            continue  # "más tarde": later
        add_part("afternoon")
        found.today = found.today or match.group(1) == "esta"
    for match in re.finditer(r"\b(?:([a-z]+)\s+)?(noches?)\b", rest):
        add_part("evening")
        found.today = found.today or match.group(1) == "esta"
    found.today = found.today or bool(re.search(r"\bhoy\b", rest))
    without_weekend = _WEEKEND_ES_RE.sub(" ", rest)
    found.this_weekend = bool(re.search(r"\beste fin de semana\b", rest))
    found.next_week = bool(
        re.search(
            r"\b(proxima|siguiente) semana\b|\bsemana (que viene|proxima|siguiente)\b",
            without_weekend,
        )
    )
    found.this_week = bool(re.search(r"\besta semana\b", without_weekend))
    found.recurring = bool(_RECURRING_ES_RE.search(rest))
    found.rest = rest
    return found


def parse_preferred_times(
    text: Optional[str], today: date, language: Optional[str] = None
) -> PreferredTimes:
    """Understands "next tuesday afternoon", "weekday evenings", "mornings", "this week"...

    and in Spanish "el sábado en la mañana", "martes por la tarde", "mañana a las 4",
    "entre semana después del trabajo", "cualquier día", "la próxima semana".

    Dates are resolved relative to ``today`` (the clinic's local date). A single weekday
    ("tuesday", "this tuesday", "next tuesday", "el martes") means the first one after
    today; plural or several weekdays ("tuesdays", "mon or wed", "los martes") are kept as
    recurring days without a date. ``language`` only decides "3/4": March 4 in English,
    April 3 in Spanish.

    Raises:
        BookingInputError: ``empty``, ``too_long``, ``past`` or ``unrecognised``.
    """
    raw = normalise_space(text)
    if not raw or is_payload(raw):
        raise BookingInputError("empty")
    if len(raw) > MAX_TIMES_CHARS:
        raise BookingInputError("too_long")
    lower = raw.lower()
    folded = fold(raw)
    if _PAST_RE.search(lower) or _PAST_ES_RE.search(folded):
        raise BookingInputError("past")
    result = PreferredTimes(raw=raw)
    spanish = _spanish_times(folded)

    # Whole-phrase patterns first.
    if re.search(
        r"\b(week ?days?|during the week|mon(day)?\s*(-|to|through|thru)\s*fri(day)?)\b", lower
    ):
        result.days.extend(WEEKDAYS[:5])
    if re.search(r"\b(week ?ends?)\b", lower):
        result.days.extend(WEEKDAYS[5:])
    for day in spanish.days:
        if day not in result.days:
            result.days.append(day)
    if re.search(r"\bafter work\b|\bafter (5|6|7)\b", lower):
        result.part_of_day.append("evening")
    if re.search(r"\b(before work|early)\b", lower):
        result.part_of_day.append("morning")
    if _FLEXIBLE_RE.search(lower) or spanish.flexible:
        result.flexible = True

    for match in _CLOCK_RE.finditer(lower):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            continue
        is_pm = match.group(3).lower().startswith("p")
        hour24 = hour % 12 + (12 if is_pm else 0)
        result.times.append(f"{hour24:02d}:{minute:02d}")
        clock_part = "morning" if hour24 < 12 else "afternoon" if hour24 < 17 else "evening"
        if clock_part not in result.part_of_day:
            result.part_of_day.append(clock_part)
    if re.search(r"\bnoon\b", lower) and "12:00" not in result.times:
        result.times.append("12:00")
    for time_text in spanish.times:
        if time_text not in result.times:
            result.times.append(time_text)
    for part in spanish.part_of_day:
        if part not in result.part_of_day:
            result.part_of_day.append(part)

    named_days: List[str] = []
    plural_days = False
    for word in re.findall(r"[a-z]+", _CLOCK_RE.sub(" ", spanish.rest)):
        if word in _DAYS_ES or word in _PLURAL_DAYS_ES:
            plural_days = plural_days or word in _PLURAL_DAYS_ES
            day_es = _DAYS_ES.get(word) or _PLURAL_DAYS_ES[word]
            if day_es not in named_days:
                named_days.append(day_es)
            continue
        if word in _TIME_WORDS_ES:
            continue
        stem = word[:-1] if word.endswith("s") and word[:-1] in WEEKDAYS else word
        day: Optional[str] = (
            stem if stem in WEEKDAYS else _DAY_ALIASES.get(stem) or _fuzzy(stem, WEEKDAYS)
        )
        if day:
            plural_days = plural_days or stem != word
            if day not in named_days:
                named_days.append(day)
            continue
        part = _PART_ALIASES.get(word) or _PART_ALIASES.get(
            _fuzzy(word, list(_PART_ALIASES)) or ""
        )
        if part and part not in result.part_of_day:
            result.part_of_day.append(part)
    for named in named_days:
        if named not in result.days:
            result.days.append(named)
    recurring = bool(re.search(r"\b(every|each)\b", lower)) or spanish.recurring

    # Dates.
    explicit, year_given = _explicit_date(folded, today, day_first=language == SPANISH)
    if explicit is not None:
        if explicit < today:
            if year_given:
                raise BookingInputError("past")
            explicit = _safe_date(explicit.year + 1, explicit.month, explicit.day)
        if explicit is not None:
            result.date = explicit.isoformat()
    elif re.search(r"\btoday\b|\btonight\b", lower) or spanish.today:
        result.date = today.isoformat()
    elif re.search(r"\bday after tomorrow\b", lower) or spanish.day_after:
        result.date = (today + timedelta(days=2)).isoformat()
    elif re.search(r"\btomorrow\b|\btmrw\b|\btmr\b", lower) or spanish.tomorrow:
        result.date = (today + timedelta(days=1)).isoformat()
    elif len(named_days) == 1 and not plural_days and not recurring:
        result.date = _next_weekday(today, WEEKDAYS.index(named_days[0])).isoformat()
    elif re.search(r"\bthis weekend\b", lower) or spanish.this_weekend:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        result.date_from = saturday.isoformat()
        result.date_to = (saturday + timedelta(days=1)).isoformat()
    elif re.search(r"\bnext week\b", lower) or spanish.next_week:
        monday = today + timedelta(days=7 - today.weekday())
        result.date_from = monday.isoformat()
        result.date_to = (monday + timedelta(days=6)).isoformat()
    elif re.search(r"\bthis week\b|\bthe week\b", lower) or spanish.this_week:
        result.date_from = today.isoformat()
        result.date_to = (today + timedelta(days=6 - today.weekday())).isoformat()
    if result.date:
        weekday = WEEKDAYS[date.fromisoformat(result.date).weekday()]
        if weekday not in result.days:
            result.days.append(weekday)

    if not result.is_structured():
        raise BookingInputError("unrecognised")
    return result


# --------------------------------------------------------------------------- scheduler link

_ALLOWED_LINK_FIELDS = frozenset({"name", "email"})


class _OnlyNameAndEmail(dict):
    """``format_map`` mapping that refuses every placeholder except name and email."""

    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def build_scheduler_url(
    template: Optional[str], name: Optional[str], email: Optional[str]
) -> Optional[str]:
    """Fills the clinic's scheduler link with the visitor's name and e-mail only.

    Health details (therapy, concern, symptoms) never go into a URL: any other placeholder
    in the template makes this return ``None``. The template must be an https:// URL.
    """
    template = (template or "").strip()
    if not template.startswith("https://"):
        return None
    values = _OnlyNameAndEmail(name=quote(name or "", safe=""), email=quote(email or "", safe=""))
    try:
        url = template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None
    return url
