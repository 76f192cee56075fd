"""What in a message can tell its language (pure: no model, no Rasa).

A chat message is short and full of tokens that belong to no language: "ok", "NMT",
"FMM", a phone number, an e-mail address, an emoji. Those are dropped before detection,
so "NMT?" or "ok" has no language at all and can never switch a conversation. One- and
two-word greetings and thanks are read from a small lexicon, because the detector's
model knows too little about them ("hola" gets 80 % English: the model's prior).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Optional, Tuple

ENGLISH = "en"
SPANISH = "es"
SUPPORTED: Tuple[str, ...] = (ENGLISH, SPANISH)

# Tokens of no language of their own (lower case, accents dropped).
NEUTRAL = frozenset(
    """ok okay okey oki k kk nmt fmm pnf lol haha hahaha hmm mmm mm hm xd ah oh eh uh um
    huh wow omg ty thx pls plz asap tbh btw idk rn""".split()
)
# Whole messages of one or two words that say which language the visitor writes in.
LEXICON = {
    ENGLISH: frozenset(
        """hi hello hey hiya thanks thank you thankyou yes yeah yep bye goodbye please
        sure morning evening afternoon good""".split()
    ),
    SPANISH: frozenset(
        """hola buenas buenos buen dia dias tardes noches gracias muchas mil adios si
        claro perfecto vale bueno porfa favor por nada de saludos oiga disculpe""".split()
    ),
}
LEXICON_MAX_WORDS = 2
# Function words and the commonest chat verbs of each language (lower case, no accents);
# words of both ("a", "no", "me") are in neither. A detection needs one of its own
# language's: the model alone reads "how do I reach an actual human" as 98 % Spanish.
MARKERS = {
    ENGLISH: frozenset(
        """the an and or of to in on at for with is are was were be do does did i i'm
        you your he she it it's we they my this that what how why when where which who
        can could would will should have has had not there about from by if so just any
        get want need more""".split()
    ),
    SPANISH: frozenset(
        """que de del el la los las un una unos unas en por para con sin es son esta
        estan estoy hay mi mis tu su sus lo le les se te nos yo como donde cuando cuanto
        cuanta cuantos cuantas cual cuales quien porque pero muy mas tengo tiene tienen
        quiero quisiera puedo puede pueden necesito hablo habla hablan soy eres bien
        ahora hoy manana al y o""".split()
    ),
}

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NOT_WORDS = re.compile(r"\S*[@/\\]\S*|\S*\d\S*")  # e-mail, links, numbers, "3pm"
_LANGUAGE_NAMES = (
    (SPANISH, re.compile(r"\b(espanol|castellano|spanish|espaniol|spanglish)\b")),
    (ENGLISH, re.compile(r"\b(ingles|english|inglish)\b")),
)
_NEGATION = re.compile(
    r"\b(don't|dont|do not|can't|cant|cannot|not|no (hablo|entiendo|se|leo)|"
    r"no (lo |le )?(entiendo|hablo))\b[^.?!,]{0,25}$"
)


def fold(text: str) -> str:
    """Lower case without accents ("Español" -> "espanol", "SÍ" -> "si")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_payload(text: Optional[str]) -> bool:
    """A button payload or typed command ("/greet", '/choose_language{"language":"es"}')."""
    return bool(text) and str(text).lstrip().startswith("/")


def content_words(text: Optional[str]) -> List[str]:
    """The words that can show a language, in order (original spelling).

    Dropped: payloads, e-mail addresses, links, anything with a digit, one-letter words
    ("y", "o", "a", "I") and the neutral tokens ("ok", "NMT", "lol").
    """
    if not text or is_payload(text):
        return []
    cleaned = _NOT_WORDS.sub(" ", text)
    return [
        word
        for word in _WORD.findall(cleaned)
        if len(word) > 1 and fold(word) not in NEUTRAL
    ]


def marker_counts(text: Optional[str]) -> Dict[str, int]:
    """How many ``MARKERS`` words of each language ``text`` has (every word counts)."""
    if not text or is_payload(text):
        return {lang: 0 for lang in MARKERS}
    words = [fold(w).replace("’", "'") for w in _WORD.findall(_NOT_WORDS.sub(" ", text))]
    return {lang: sum(w in known for w in words) for lang, known in MARKERS.items()}


def lexicon_language(words: List[str]) -> Optional[str]:
    """The language of a one- or two-word message made only of lexicon words, if any."""
    if not words or len(words) > LEXICON_MAX_WORDS:
        return None
    folded = [fold(w) for w in words]
    found = [lang for lang, known in LEXICON.items() if all(w in known for w in folded)]
    return found[0] if len(found) == 1 else None


def requested_language(text: Optional[str]) -> Optional[str]:
    """The language a message asks for by name ("en español, por favor" -> "es").

    A negated name asks for the other one ("I don't speak Spanish" -> "en", "no hablo
    inglés" -> "es"). ``None`` when it names none, or both ("Spanish or English?").
    """
    if not text:
        return None
    folded = fold(text).replace("’", "'")
    named = [(lang, pattern.search(folded)) for lang, pattern in _LANGUAGE_NAMES]
    found = [(lang, match) for lang, match in named if match]
    if len(found) != 1:
        return None
    lang, match = found[0]
    if _NEGATION.search(folded[: match.start()]):
        return ENGLISH if lang == SPANISH else SPANISH
    return lang
