"""Finds health conditions a massage therapist must know about first (pure: no Rasa imports).

When a visitor mentions one of these, the assistant asks them to check with their doctor
first and, if they agree, adds a note for the clinic to the booking request. The note holds
only the category names below (``"pregnancy; blood thinners"``), never the visitor's own
words. docs/safety.md lists the categories and the measured counts
(tests/safety/contraindications.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Pattern, Tuple

from clinic.safety.text import (
    LONG_AGO,
    clause_is_remote_past,
    is_negated,
    mentions_present,
    normalise,
)

PREGNANCY = "pregnancy"
BLOOD_THINNERS = "blood thinners"
SURGERY_OR_FRACTURE = "recent surgery or fracture"
BLOOD_CLOT = "blood clot"
CANCER_TREATMENT = "cancer treatment"
FEVER_OR_INFECTION = "fever or infection"
SKIN_CONDITION = "skin condition"

#: Every category, in the order notes list them.
CATEGORIES: Tuple[str, ...] = (
    PREGNANCY,
    BLOOD_THINNERS,
    SURGERY_OR_FRACTURE,
    BLOOD_CLOT,
    CANCER_TREATMENT,
    FEVER_OR_INFECTION,
    SKIN_CONDITION,
)
NOTE_SEPARATOR = "; "


@dataclass(frozen=True)
class _Category:
    name: str
    pattern: Pattern[str]
    past_matters: bool  # True: a mention long ago still counts (a history of clots)


def _rx(*alternatives: str) -> Pattern[str]:
    """Compiles alternatives, one per argument, into one pattern."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_BODY = (
    r"(bone|arm|leg|wrist|ankle|ribs?|collarbone|clavicle|hip|foot|feet|hand|finger|toe|"
    r"vertebra\w*|back|neck|shoulder|elbow|knee|pelvis|jaw|nose|shin|tibia|fibula|femur)"
)

_CATEGORIES: Tuple[_Category, ...] = (
    _Category(PREGNANCY, _rx(
        r"\bpregnan\w*",
        r"\b(first|second|third|1st|2nd|3rd) trimester\b|\bdue date\b|\bbaby is due\b",
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine) (weeks?|months?) along\b",
        # "we're expecting (a baby)", not "I'm expecting a call"
        r"\b(i'm|i am|we're|we are|she's|she is|wife is|partner is|girlfriend is|"
        r"daughter is) expecting"
        r"(?=\s*($|[,.!?]|and\b|so\b|but\b|(a |an |our |my |the |her |their )?"
        r"(first |second |third |new )?(baby|babies|child|kid|twins|little one)))",
    ), past_matters=False),
    _Category(BLOOD_THINNERS, _rx(
        r"\bblood[- ]?thinn\w*|\banti-?coagula\w*",
        r"\bwarfarin\b|\bcoumadin\b|\beliquis\b|\bapixaban\b|\bxarelto\b|\brivaroxaban\b",
        r"\bheparin\b|\blovenox\b|\benoxaparin\b|\bpradaxa\b|\bdabigatran\b",
        r"\bplavix\b|\bclopidogrel\b|\bsavaysa\b|\bedoxaban\b|\bbrilinta\b",
        r"\b(daily|baby|low-? ?dose) aspirin\b|\baspirin (therapy|every day|daily)\b",
    ), past_matters=True),
    _Category(SURGERY_OR_FRACTURE, _rx(
        r"\b(had|have|having|got|getting|after|since|recover\w*|recent|my|his|her|from|"
        r"scheduled for|booked for|post) (\w+ ){0,3}?surger(y|ies)\b",
        r"\bsurger(y|ies) (on|for|last|this|\d)",
        r"\boperations?\b(?= (on|to|for|last|this|a|\d))|\boperated on\b",
        r"\bpost-? ?op\w*|\bc-? ?section\b|\bcaesarean\b|\bcesarean\b|\barthroscop\w*",
        r"\b(knee|hip|shoulder|joint|valve|disc|disk) replacement\b",
        r"\b(spinal|spine|back) fusion\b",
        r"\b(had|got|having|have) (my |a |an )?(\w+ ){0,2}"
        r"(removed|replaced|repaired|reconstructed)\b",
        r"\breconstruction\b",
        r"\b(broke|broken|fractured?|fractures|cracked|shattered) "
        r"(my |a |his |her |the |two |some )?(\w+ )?" + _BODY + r"s?\b",
        r"\bfractures?\b|\bbroken bones?\b",
        r"\bin a (cast|boot|sling)\b|\bcast (just )?came off\b",
    ), past_matters=False),
    _Category(BLOOD_CLOT, _rx(
        r"\b(blood )?clots?\b(?! of)|\bclotting (disorder|problem)s?\b",
        r"\bdvt\b|\bthrombo\w*|\bembolism\b|\bfactor v leiden\b",
    ), past_matters=True),
    _Category(CANCER_TREATMENT, _rx(
        r"\bcancer\w*|\bchemo\w*|\bradiation (therapy|treatment)s?\b|\bradiotherapy\b",
        r"\boncolog\w*|\btumou?rs?\b|\blymphoma\b|\bleuk(a)?emia\b|\bmelanoma\b",
        r"\bmetasta\w*|\bmastectomy\b|\bimmunotherapy\b",
    ), past_matters=False),
    _Category(FEVER_OR_INFECTION, _rx(
        r"\bfever\w*|\bhigh temperature\b|\brunning a temp\w*|\binfect(ion|ions|ed)\b",
        r"\b(the|a|have|got|with) flu\b|\binfluenza\b|\bcovid\w*|\bcoronavirus\b",
        r"\b(have|got|caught|with|fighting) (a|the) (bad |nasty |head |chest |stomach )?"
        r"(cold|virus|bug)\b",
        r"\bcaught (a )?cold\b",
    ), past_matters=False),
    _Category(SKIN_CONDITION, _rx(
        r"\brash\w*|\beczema\b|\bpsoriasis\b|\bdermatitis\b|\bhives\b|\bshingles\b",
        r"\bsunburn\w*|\bopen (wound|sore|cut)s?\b|\bwounds?\b|\bblister\w*",
        r"\bcellulitis\b|\bringworm\b|\bcold sores?\b|\bscabies\b|\bimpetigo\b",
        r"\bskin (condition|infection|problem|issue|irritation|lesion|disease)s?\b",
        r"\blesions?\b|\bboils?\b(?= on)|\bburns? on\b|\bstitches\b",
    ), past_matters=False),
)


def _mentioned(category: _Category, text: str) -> bool:
    present = mentions_present(text)
    for hit in category.pattern.finditer(text):
        if is_negated(text, hit.start()):
            continue
        if (not category.past_matters and not present
                and clause_is_remote_past(text, hit.start(), LONG_AGO)):
            continue
        return True
    return False


def detect_contraindications(text: Optional[str]) -> Tuple[str, ...]:
    """Returns the categories ``text`` mentions, in ``CATEGORIES`` order (empty if none)."""
    if not text or not text.strip():
        return ()
    normalised = normalise(text)
    return tuple(c.name for c in _CATEGORIES if _mentioned(c, normalised))


def format_note(categories: Iterable[str]) -> Optional[str]:
    """Joins known category names into the clinic's note (``None`` when there are none)."""
    wanted = set(categories)
    ordered = [name for name in CATEGORIES if name in wanted]
    return NOTE_SEPARATOR.join(ordered) if ordered else None


def parse_note(note: Optional[str]) -> Tuple[str, ...]:
    """Reads a note back into its categories, ignoring anything that is not a category."""
    if not note:
        return ()
    parts = {part.strip() for part in note.split(";")}
    return tuple(name for name in CATEGORIES if name in parts)


def merge_notes(existing: Optional[str], categories: Iterable[str]) -> Optional[str]:
    """Adds ``categories`` to an existing note, keeping one entry per category."""
    return format_note((*parse_note(existing), *categories))


def describe(categories: Iterable[str]) -> str:
    """Human wording of a list of categories: "pregnancy and blood thinners"."""
    names = [name for name in CATEGORIES if name in set(categories)]
    if not names:
        return "your health condition"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
