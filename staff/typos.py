"""Held-out questions with a typo: how the assistant copes with visitors' misspellings.

Each English held-out question that expects a topic gets two variants, each with one typo
in one word of five or more letters: two neighbouring letters swapped ("nerve" ->
"nevre") and one letter dropped ("headaches" -> "hedaches"), never the first or last
letter. Word and position are drawn from a fixed seed, so the set is the same on every run
(``make eval``: docs/nlu-quality.md, "Held-out questions with a typo").
"""

from __future__ import annotations

import random
import re
from typing import List, Optional, Sequence

from staff.evaluation_scores import HeldOutQuestion, HeldOutScore

SEED = 7
KINDS = ("swap", "drop")
_LONG_WORD = re.compile(r"[A-Za-z]{5,}")


def with_typo(text: str, kind: str, rng: random.Random) -> Optional[str]:
    """``text`` with one typo of ``kind`` in one of its long words (None: no long word)."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if _LONG_WORD.fullmatch(word)]
    if not long_words:
        return None
    index = rng.choice(long_words)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)  # neither the first nor the last letter moves
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    elif kind == "drop":
        word = word[:at] + word[at + 1:]
    else:
        raise ValueError(f"unknown typo kind {kind!r}")
    words[index] = word
    return " ".join(words)


def typo_questions(questions: Sequence[HeldOutQuestion], seed: int = SEED) -> List[HeldOutQuestion]:
    """Two misspelled variants of every question that expects a topic."""
    rng = random.Random(seed)
    variants = []
    for question in questions:
        if question.topic == "none":
            continue
        for kind in KINDS:
            text = with_typo(question.text, kind, rng)
            if text is not None and text != question.text:
                variants.append(HeldOutQuestion(text, question.topic, source=f"{kind} typo"))
    return variants


#: make test fails below this share (tests/server/test_heldout.py); measured 0.926 when the
#: typo corrector came in (0.874 before it).
TYPO_MINIMUM = 0.90


def summary_row(score: HeldOutScore) -> str:
    """The report's summary row for the misspelled questions."""
    return (f"| held-out questions with one typo each (`staff/typos.py`) answered with the "
            f"right topic | {score.accuracy:.3f} ({score.correct}/{score.total}) | tests fail "
            f"below {TYPO_MINIMUM:.2f} |")


def render_section(score: HeldOutScore) -> List[str]:
    """The report's section: how the set is made, and the misses."""
    lines = ["", "## Held-out questions with a typo", "",
             "Every English held-out question that expects a topic, twice: two neighbouring "
             "letters of one long word swapped, and one letter dropped (`staff/typos.py`, "
             f"fixed seed). Right topic: {score.accuracy:.3f} ({score.correct}/{score.total}).",
             "", "### Misses", ""]
    if not score.misses:
        return lines + ["None."]
    lines += ["| question | typo | expected | answered |", "|---|---|---|---|"]
    for miss in score.misses:
        text = miss.question.text.replace("|", "\\|")
        lines.append(f"| {text} | {miss.question.source} | {miss.question.topic} | "
                     f"{miss.predicted} |")
    return lines
