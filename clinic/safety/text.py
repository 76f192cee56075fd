"""Text helpers shared by the deterministic safety checks (pure: no Rasa imports).

The emergency and contraindication checks both need the same small pieces: one way of
normalising what visitors type ("cant", "im", curly quotes), a notion of clause (so
"no fever, but my neck is stiff" negates only the fever), and three kinds of context that
change what a symptom word means: negation ("no chest pain"), the remote past ("a stroke
two years ago") and the present ("right now", "suddenly").
"""

from __future__ import annotations

import re
from typing import List, Pattern, Tuple

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
        (r"\s+", " "),
    )
)


def normalise(text: str) -> str:
    """Lower-cases ``text`` and spells out the contractions the patterns expect."""
    out = text.lower()
    for pattern, replacement in _REPLACEMENTS:
        out = pattern.sub(replacement, out)
    return out.strip()


_CLAUSE_BREAK = re.compile(r"[.!?;,:()\n]|\bbut\b|\bhowever\b|\bthough\b|\bexcept\b")


def clause_bounds(text: str, position: int) -> Tuple[int, int]:
    """Start and end offsets of the clause of ``text`` that contains ``position``."""
    start = 0
    end = len(text)
    for brk in _CLAUSE_BREAK.finditer(text):
        if brk.end() <= position:
            start = brk.end()
        elif brk.start() >= position:
            end = brk.start()
            break
    return start, end


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


def is_negated(text: str, start: int) -> bool:
    """True when a negation governs the words starting at ``start`` (same clause, 5 words)."""
    clause_start, _ = clause_bounds(text, start)
    before = _NOT_NEGATING.sub(" ", text[clause_start:start])
    words = before.split()[-_NEGATION_WINDOW_WORDS:]
    return bool(_NEGATION.search(" ".join(words)))


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


def clause_is_remote_past(text: str, start: int, remote: Pattern[str] = REMOTE_PAST) -> bool:
    """True when the clause around ``start`` places it in the past (``remote`` says how far).

    The default, ``REMOTE_PAST``, starts at weeks ago (an emergency is about now);
    contraindications use ``LONG_AGO`` (surgery three weeks ago is still recent).
    """
    lo, hi = clause_bounds(text, start)
    return bool(remote.search(text[lo:hi]))


def mentions_present(text: str) -> bool:
    """True when the message says something is happening now (or started recently)."""
    return bool(PRESENT.search(text))


_HYPOTHETICAL = re.compile(
    r"\b(if|in case|what if|whether|signs? of|symptoms? of|warning signs|"
    r"(people|someone|somebody|anyone|clients?|patients?|those|person) (who|with|that|after)|"
    r"what (are|is) (the )?(signs?|symptoms?)|"
    r"how (do|would|can) (you|i|one) (know|tell|recogni[sz]e))\b"
)


def is_hypothetical(text: str, start: int) -> bool:
    """True when the words at ``start`` sit in a conditional or general-knowledge clause."""
    lo, _ = clause_bounds(text, start)
    return bool(_HYPOTHETICAL.search(text[lo:start]))


def sentences(text: str) -> List[str]:
    """Splits normalised text into sentences (used by tests and the measurement script)."""
    return [part.strip() for part in re.split(r"[.!?]+", text) if part.strip()]
