"""Pure parsers for what visitors type into the booking form.

Nothing here touches a tracker, a database or the network, so every rule can be unit-tested
directly (``tests/unit/test_booking_parsing.py``). Parsers return a value or raise
``BookingInputError`` whose ``code`` names the problem; the form turns codes into messages.
"""

from __future__ import annotations

import difflib
import re
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


def looks_like_question(text: Optional[str]) -> bool:
    """True for text that reads as a question rather than an answer."""
    clean = normalise_space(text)
    return clean.endswith("?") or bool(_QUESTION_START.match(clean))


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


def parse_name(text: Optional[str]) -> str:
    """Returns the name a visitor gave ("my name is Ana Ruiz" -> "Ana Ruiz").

    Raises:
        BookingInputError: ``empty``, ``looks_like_contact``, ``has_digits``, ``question``,
            ``yes_no``, ``too_long`` or ``not_a_name``.
    """
    clean = normalise_space(text)
    if not clean or is_payload(clean):
        raise BookingInputError("empty")
    if "@" in clean:
        raise BookingInputError("looks_like_contact")
    if len(re.sub(r"\D", "", clean)) >= 5:
        raise BookingInputError("looks_like_contact")
    if re.search(r"\d", clean):
        raise BookingInputError("has_digits")
    if looks_like_question(clean):
        raise BookingInputError("question")
    if parse_yes_no(clean) is not None:
        raise BookingInputError("yes_no")  # "yes, that's correct" answers nothing asked
    name = _NAME_PREFIX.sub("", clean).strip(" .,!;:\"'")
    if not name or not re.search(r"[^\W\d_]", name):
        raise BookingInputError("not_a_name")
    words = _words(name)
    if name.lower() in _NOT_NAMES or set(words) & _NON_NAME_WORDS:
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
    raw = re.sub(r"(?i)\s*(ext\.?|extension|x)\s*\d+$", "", raw)
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
_UNDECIDED_RE = re.compile(
    r"\b(either|whichever|no preference|therapist (advise|decide|choose|recommend)|let the "
    r"therapist|let them (decide|choose)|you (decide|choose)|doesn'?t matter|don'?t mind|"
    r"any of them|both are fine|either one)\b",
    re.IGNORECASE,
)
_THERAPY_WORDS = {
    "NMT": re.compile(r"\b(nmt|neuro[\s-]?muscular|trigger[\s-]?points?|n\.m\.t)\b", re.I),
    "FMM": re.compile(r"\b(fmm|functional|f\.m\.m)\b", re.I),
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
    if not found:
        found = [name for name, pattern in _THERAPY_WORDS.items() if pattern.search(clean)]
    if _UNDECIDED_RE.search(clean):
        return UNDECIDED
    if len(found) == 1 and not _UNSURE_RE.search(clean):
        return found[0]
    if len(found) > 1 or _UNSURE_RE.search(clean):
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
    """``True`` for yes-like answers, ``False`` for no-like ones, else ``None``."""
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


_SKIP = _phrases(
    "skip | skip it | skip this | skip that | pass | no | nope | none | nothing | n/a | "
    "na | - | no thanks | no thank you | not really | rather not say | i'd rather not say "
    "| prefer not to say | i prefer not to say | rather not | i'd rather not | nothing "
    "specific | nothing in particular | no comment | nah | leave it blank | leave blank | "
    "not now | skip please | please skip"
)


def is_skip(text: Optional[str]) -> bool:
    """True when the visitor declines an optional question ("skip", "no", "rather not say")."""
    clean = normalise_space(text).lower().strip(" .!")
    return clean in _SKIP or clean.startswith("skip")


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

    def describe(self) -> str:
        """Short readable form of what was understood, e.g. "Tue 2025-03-11, afternoon"."""
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
    r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?", re.I
)
_DAY_MONTH_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3,9})\b(?:,?\s*(\d{4}))?", re.I
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


def _explicit_date(text: str, today: date) -> Tuple[Optional[date], bool]:
    """Finds a calendar date; returns ``(date, year_was_given)``."""
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
        return _safe_date(full_year, int(match.group(1)), int(match.group(2))), bool(year_text)
    return None, False


def parse_preferred_times(text: Optional[str], today: date) -> PreferredTimes:
    """Understands "next tuesday afternoon", "weekday evenings", "mornings", "this week"...

    Dates are resolved relative to ``today`` (the clinic's local date). A single weekday
    ("tuesday", "this tuesday", "next tuesday") means the first one after today; plural or
    several weekdays ("tuesdays", "mon or wed") are kept as recurring days without a date.

    Raises:
        BookingInputError: ``empty``, ``too_long``, ``past`` or ``unrecognised``.
    """
    raw = normalise_space(text)
    if not raw or is_payload(raw):
        raise BookingInputError("empty")
    if len(raw) > MAX_TIMES_CHARS:
        raise BookingInputError("too_long")
    lower = raw.lower()
    if _PAST_RE.search(lower):
        raise BookingInputError("past")
    result = PreferredTimes(raw=raw)

    # Whole-phrase patterns first.
    if re.search(
        r"\b(week ?days?|during the week|mon(day)?\s*(-|to|through|thru)\s*fri(day)?)\b", lower
    ):
        result.days.extend(WEEKDAYS[:5])
    if re.search(r"\b(week ?ends?)\b", lower):
        result.days.extend(WEEKDAYS[5:])
    if re.search(r"\bafter work\b|\bafter (5|6|7)\b", lower):
        result.part_of_day.append("evening")
    if re.search(r"\b(before work|early)\b", lower):
        result.part_of_day.append("morning")
    if _FLEXIBLE_RE.search(lower):
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

    named_days: List[str] = []
    plural_days = False
    for word in re.findall(r"[a-z]+", _CLOCK_RE.sub(" ", lower)):
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

    # Dates.
    explicit, year_given = _explicit_date(lower, today)
    if explicit is not None:
        if explicit < today:
            if year_given:
                raise BookingInputError("past")
            explicit = _safe_date(explicit.year + 1, explicit.month, explicit.day)
        if explicit is not None:
            result.date = explicit.isoformat()
    elif re.search(r"\btoday\b|\btonight\b", lower):
        result.date = today.isoformat()
    elif re.search(r"\bday after tomorrow\b", lower):
        result.date = (today + timedelta(days=2)).isoformat()
    elif re.search(r"\btomorrow\b|\btmrw\b|\btmr\b", lower):
        result.date = (today + timedelta(days=1)).isoformat()
    elif len(named_days) == 1 and not plural_days and not re.search(r"\b(every|each)\b", lower):
        result.date = _next_weekday(today, WEEKDAYS.index(named_days[0])).isoformat()
    elif re.search(r"\bthis weekend\b", lower):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        result.date_from = saturday.isoformat()
        result.date_to = (saturday + timedelta(days=1)).isoformat()
    elif re.search(r"\bnext week\b", lower):
        monday = today + timedelta(days=7 - today.weekday())
        result.date_from = monday.isoformat()
        result.date_to = (monday + timedelta(days=6)).isoformat()
    elif re.search(r"\bthis week\b|\bthe week\b", lower):
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
