"""Text helpers shared by the deterministic safety checks (pure: no Rasa imports).

The emergency and contraindication checks both need the same small pieces: one way of
normalising what visitors type ("cant", "im", curly quotes, accents), a notion of clause
(so "no fever, but my neck is stiff" negates only the fever), and three kinds of context
that change what a symptom word means: negation ("no chest pain"), the remote past ("a
stroke two years ago") and the present ("right now", "suddenly").

Each context helper takes a ``language``. English (the default) uses the English cues
only, exactly as before Spanish was added; Spanish (``"es"``) uses the Spanish cues *and*
the English ones, because visitors mix the two ("no tengo chest pain, but ...").
Spanish text is matched without accents ("pecho", "rigido", "ano" for "año"), so that
"rígido" and "rigido" are the same word to the rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Tuple

ENGLISH = "en"
SPANISH = "es"

# Contractions typed without an apostrophe, and a few chat abbreviations.
_REPLACEMENTS: Tuple[Tuple[Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[\u2018\u2019\u02bc`´]", "'"),
        (r"[\u201c\u201d]", '"'),
        (r"\bcan ?not\b", "can't"),
        (r"\bcant\b", "can't"),
        (r"\bcouldnt\b", "couldn't"),
        (r"\bdont\b", "don't"),
        (r"\bdoesnt\b", "doesn't"),
        (r"\bdidnt\b", "didn't"),
        (r"\bisnt\b", "isn't"),
        (r"\bwont\b", "won't"),
        (r"\bhavent\b", "haven't"),
        (r"\bhasnt\b", "hasn't"),
        (r"\bim\b", "i'm"),
        (r"\bive\b", "i've"),
        (r"\bhes\b", "he's"),
        (r"\bshes\b", "she's"),
        (r"\bits\b", "it's"),
        (r"\brn\b", "right now"),
        (r"\b(my|him|her|your|them|it) (self|selves)\b", r"\1\2"),
        (r"\bw/", "with "),
        (r"\bu\b", "you"),
        (r"&", " and "),
        # Spanish chat spellings (after the accents are gone)
        (r"\b(q|ke)\b", "que"),
        (r"\b(xq|xk|pq|porq)\b", "porque"),
        (r"\bde ?r?re?pente\b", "de repente"),
        (r"\s+", " "),
    )
)
# "sí" (yes) closes its clause: "sí me duele el pecho" must not read as "si" (if) once the
# accent is gone.
_AFFIRMATIVE_SI = re.compile(r"\bsí\b")


def fold_accents(text: str) -> str:
    """Drops accents and tildes ("rígido" -> "rigido", "año" -> "ano", "ü" -> "u")."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """Lower-cases ``text``, drops accents and spells out what the patterns expect."""
    out = _AFFIRMATIVE_SI.sub("si,", text.lower())
    out = fold_accents(out)
    for pattern, replacement in _REPLACEMENTS:
        out = pattern.sub(replacement, out)
    return out.strip()


_CLAUSE_BREAK = re.compile(r"[.!?;,:()\n]|\bbut\b|\bhowever\b|\bthough\b|\bexcept\b")


# Phrases with a negative word that do not negate the symptom after them.
_NOT_NEGATING = re.compile(
    r"\b(don't|do not|doesn't|didn't) (know|understand|remember)\b( (why|if|what|how|whether))?"
    r"|\bnot sure\b|\bno idea\b|\bnot certain\b|\bnot only\b|\bnot just\b"
)
_NEGATION = re.compile(
    r"\b(no|not|never|without|none|nor|neither|don't|doesn't|didn't|isn't|aren't|wasn't|"
    r"weren't|haven't|hasn't|hadn't|denies|deny|free of|no longer|nothing like)\b"
)
_NEGATION_WINDOW_WORDS = 5


REMOTE_PAST = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|several|few|couple of|couple|many) "
    r"(years?|months?|weeks?|decades?) (ago|back|earlier)\b"
    r"|\blast (week|month|year|summer|winter|spring|fall|autumn|christmas)\b"
    r"|\b(years|months|ages|a long time|long time) ago\b"
    r"|\bused to\b|\bin (19|20)\d\d\b|\bback in\b|\bhistory of\b"
    r"|\bas a (kid|child|teen|teenager)\b|\bwhen i was (young|little|a kid|a child|a teen\w*)\b"
    r"|\bin the past\b|\bprevious(ly)?\b|\bhad (a|an) (old|previous)\b"
)

PRESENT = re.compile(
    r"\b(now|right now|currently|today|tonight|this (morning|afternoon|evening)|"
    r"at the moment|just now|suddenly|started|starting|getting worse|worse and worse|"
    r"again|(\d+|an|a few|few|some|couple of) (minutes?|hours?|mins?) ago|since (this|an|a)\b)\b"
)


LONG_AGO = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|couple of|"
    r"couple|many) (years?|decades?) (ago|back|earlier)\b"
    r"|\blast year\b|\b(years|decades|ages|a long time|long time) ago\b"
    r"|\bused to\b|\bin (19|20)\d\d\b|\bback in\b"
    r"|\bas a (kid|child|teen|teenager|baby)\b"
    r"|\bwhen i was (young|little|a kid|a child|a teen\w*)\b"
)

_HYPOTHETICAL = re.compile(
    r"\b(if|in case|what if|whether|signs? of|symptoms? of|warning signs|"
    r"(people|someone|somebody|anyone|clients?|patients?|those|person) (who|with|that|after)|"
    r"what (are|is) (the )?(signs?|symptoms?)|"
    r"how (do|would|can) (you|i|one) (know|tell|recogni[sz]e))\b"
)

# ---------------------------------------------------------------------------- Spanish cues
# Written for text that went through ``normalise`` (lower case, no accents: "ano" is "año").

_CLAUSE_BREAK_ES = r"[¿¡]|\bpero\b|\baunque\b|\bsino\b|\bexcepto\b|\bsalvo\b"

# "no" also starts the symptom itself ("no puedo respirar", "no siento las piernas"): those
# words are part of the patterns, and these phrases before a symptom do not negate it
# ("no puedo dormir porque me duele el pecho", "el dolor no se me quita").
_NOT_NEGATING_ES = (
    r"\bno (puedo|puede|pueden|podia|podemos|pude|pudo|logro|logra|consigo|consigue|"
    r"aguanto|aguanta)\b"
    r"|\bno (para|paro|deja|dejo) de\b"
    r"|\bno se (me |le )?(quita|quito|va|fue|pasa|paso)\b"
    r"|\b(no|ni) (se|sabe|sabemos|entiendo|recuerdo|me acuerdo)( bien)? "
    r"(si|que|por ?que|como|cual|cuando|lo que)\b"
    r"|\bno (estoy|esta) segur[oa]\b|\b(ni|no tengo) idea\b|\bno (solo|solamente|nomas)\b"
    # "no siento la entrepierna y ..." is a symptom (numbness), not a denial
    r"|\bno (siento|siente|sentia) (la|las|los|el|mi|mis|su|sus)\b"
)
_NEGATION_ES = r"\b(no|nunca|jamas|sin|ni|tampoco|ningun|ninguna|ninguno|nada de)\b"

_REMOTE_PAST_ES = (
    r"\bhace (\d+ |un |una |unos |unas |dos |tres |cuatro |cinco |seis |siete |ocho |"
    r"nueve |diez |varios |varias |muchos |muchas |algunos |algunas |un par de |"
    r"mas de (un |una |\d+ |dos |tres ))?(anos?|meses|mes|semanas?|decadas?)\b"
    r"|\b(el|la|los|las) (ano|mes|semana|verano|invierno|otono|primavera|navidad)e?s? "
    r"pasad[oa]s?\b|\b(el|la) pasad[oa] (ano|mes|semana)\b"
    r"|\bhace (mucho|mucho tiempo|tiempo)\b|\bsol(ia|iamos|ian)\b|\ben (el )?(19|20)\d\d\b"
    r"|\b(de|cuando (era|estaba)) (nino|nina|chico|chica|chiquit[oa]|pequen[oa]|joven|"
    r"adolescente|mas joven)\b"
    r"|\ben el pasado\b|\banteriormente\b|\b(antecedentes?|historial) de\b"
    # months-long: "me duele desde hace meses", "llevo semanas así"
    r"|\b(desde hace|por|durante|llevo|lleva|llevamos) (\w+ )?(anos|meses|semanas)\b"
)
_PRESENT_ES = (
    r"\b(ahora|ahorita|ahora mismo|en este momento|en estos momentos|hoy|"
    r"esta (manana|tarde|noche)|anoche|de repente|de pronto|de la nada|de golpe|"
    r"otra vez|de nuevo|cada vez (peor|mas)|(empez|empiez|comenz|comienz)\w*|acab(a|o) de|"
    r"hace (un )?(rato|ratito|momento|poco)|"
    r"hace (\d+|un|una|unos|unas|pocos|pocas|media|un par de) (minutos?|mins?|horas?)|"
    r"desde (hoy|anoche|esta|este))\b"
)
# "si" (if) but not "como si" (as if) or "no sé si" (I don't know if: still a report).
_HYPOTHETICAL_ES = (
    r"\b((?<!como )(?<!no se )(?<!ni se )(?<!a ver )si|en caso de|por si|que pasa si|"
    r"senales de|signos de|sintomas? de|sintomas del|senales del|"
    r"(cuales|que) son (los|las) (sintomas|senales|signos)|"
    r"como (se|sabe|saber|puedo saber|reconocer|identificar)|"
    r"(personas|gente|clientes?|pacientes?|quienes|los que|las que) "
    r"(que|con|quienes|despues de|tras))\b"
)


def _either(english: Pattern[str], spanish: str) -> Pattern[str]:
    return re.compile(f"{english.pattern}|{spanish}")


# Years back, for contraindications (the Spanish counterpart of ``LONG_AGO``: surgery "hace
# tres semanas" is still recent, "hace diez años" is not). "desde hace años" and "hace años
# que tengo ..." say something has lasted years up to now, so they are not the remote past.
_LONG_AGO_ES = (
    r"(?<!desde )\bhace (\d+ |un |una |unos |unas |dos |tres |cuatro |cinco |seis |siete |"
    r"ocho |nueve |diez |quince |veinte |varios |muchos |algunos |un par de |"
    r"mas de (un |\d+ |dos |tres |cinco |diez ))?(anos?|decadas?)\b(?! que\b)"
    r"|(?<!desde )\bhace (mucho|muchisimo)( tiempo)?\b(?! que\b)"
    r"|\b(el|del) ano (pasado|antepasado)\b|\b(el|del) pasado ano\b"
    r"|\bsol(ia|iamos|ian)\b|\ben (el (ano )?)?(19|20)\d\d\b"
    r"|\b(de|cuando (era|estaba|tenia)) (nino|nina|chico|chica|chiquit[oa]|pequen[oa]|"
    r"joven|adolescente|bebe|muy joven|mas joven|\d+ anos)\b"
)
#: ``LONG_AGO`` with the Spanish cues added (for text that went through ``normalise``).
LONG_AGO_ES = _either(LONG_AGO, _LONG_AGO_ES)


@dataclass(frozen=True)
class _Cues:
    """The context words of one language (Spanish includes the English ones)."""

    clause_break: Pattern[str]
    not_negating: Pattern[str]
    negation: Pattern[str]
    remote_past: Pattern[str]
    present: Pattern[str]
    hypothetical: Pattern[str]


_CUES: Dict[str, _Cues] = {
    ENGLISH: _Cues(
        _CLAUSE_BREAK, _NOT_NEGATING, _NEGATION, REMOTE_PAST, PRESENT, _HYPOTHETICAL
    ),
    SPANISH: _Cues(
        _either(_CLAUSE_BREAK, _CLAUSE_BREAK_ES),
        _either(_NOT_NEGATING, _NOT_NEGATING_ES),
        _either(_NEGATION, _NEGATION_ES),
        _either(REMOTE_PAST, _REMOTE_PAST_ES),
        _either(PRESENT, _PRESENT_ES),
        _either(_HYPOTHETICAL, _HYPOTHETICAL_ES),
    ),
}


def _cues(language: str) -> _Cues:
    try:
        return _CUES[language]
    except KeyError:
        raise ValueError(f"no safety cues for language {language!r}") from None


def clause_bounds(text: str, position: int, language: str = ENGLISH) -> Tuple[int, int]:
    """Start and end offsets of the clause of ``text`` that contains ``position``."""
    start = 0
    end = len(text)
    for brk in _cues(language).clause_break.finditer(text):
        if brk.end() <= position:
            start = brk.end()
        elif brk.start() >= position:
            end = brk.start()
            break
    return start, end


def is_negated(text: str, start: int, language: str = ENGLISH) -> bool:
    """True when a negation governs the words starting at ``start`` (same clause, 5 words)."""
    cues = _cues(language)
    clause_start, _ = clause_bounds(text, start, language)
    before = cues.not_negating.sub(" ", text[clause_start:start])
    words = before.split()[-_NEGATION_WINDOW_WORDS:]
    return bool(cues.negation.search(" ".join(words)))


def clause_is_remote_past(
    text: str,
    start: int,
    remote: Optional[Pattern[str]] = None,
    language: str = ENGLISH,
) -> bool:
    """True when the clause around ``start`` places it in the past (``remote`` says how far).

    The default, the language's remote past (``REMOTE_PAST`` in English), starts at weeks
    ago (an emergency is about now); contraindications use ``LONG_AGO`` (surgery three
    weeks ago is still recent).
    """
    lo, hi = clause_bounds(text, start, language)
    pattern = remote if remote is not None else _cues(language).remote_past
    return bool(pattern.search(text[lo:hi]))


def mentions_present(text: str, language: str = ENGLISH) -> bool:
    """True when the message says something is happening now (or started recently)."""
    return bool(_cues(language).present.search(text))


def is_hypothetical(text: str, start: int, language: str = ENGLISH) -> bool:
    """True when the words at ``start`` sit in a conditional or general-knowledge clause."""
    lo, _ = clause_bounds(text, start, language)
    return bool(_cues(language).hypothetical.search(text[lo:start]))


# Words that only Spanish uses (after ``normalise``), and the English words that outnumber
# them in an English message. Shared words ("no", "me", "a") count for neither.
_SPANISH_WORDS = frozenset(
    "el la los las que y mi mis tu su sus de del en con por para una unos unas pero porque "
    "tengo tiene tienes estoy esta estan muy mucho siento siente sentir puedo puede quiero "
    "quiere duele duelen dolor cuando desde hace como se yo ella ayuda ayudame creo hoy "
    "ahora ahorita nada todo bien mal algo pecho cabeza brazo espalda cuello pierna piernas "
    "cara respirar vida morir favor gracias hola".split()
)
_ENGLISH_WORDS = frozenset(
    "i i'm i've my the and is it it's to of have can't can you he's she's she what with "
    "in on this that was are for feel pain hurts help please".split()
)


def looks_spanish(normalised: str) -> bool:
    """True when a normalised message is mostly Spanish (a Spanglish one included)."""
    words = re.findall(r"[a-z']+", normalised)
    spanish = sum(word in _SPANISH_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    return spanish >= 2 and spanish > english


def guess_language(text: str) -> str:
    """``"es"`` for a mostly Spanish message, else ``"en"`` (used when no rule says)."""
    return SPANISH if looks_spanish(normalise(text)) else ENGLISH


def sentences(text: str) -> List[str]:
    """Splits normalised text into sentences (used by tests and the measurement script)."""
    return [part.strip() for part in re.split(r"[.!?]+", text) if part.strip()]
