"""The report of ``make eval``: ``docs/nlu-quality.md`` as markdown lines, from the scores of
``staff.evaluation_scores`` (pure; ``staff.evaluation`` measures and calls it).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Set

from staff import short_messages
from staff import typos as typo_rows
from staff.evaluation_scores import (
    CV_F1_TARGET, FOLDS, HELDOUT_MINIMUM, HELDOUT_TARGET, NONSENSE_TARGET,
    SPANISH_HELDOUT_MINIMUM, HeldOutResult, HeldOutScore, IntentReport, SpanishScore,
    unseen_accuracy,
)
from staff.heldout import HELDOUT_FILES, SPANISH_HELDOUT_FILE

def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _mark(value: float, target: float) -> str:
    return "meets target" if value >= target else "BELOW TARGET"


def _floor_mark(value: float) -> str:
    return "above the floor" if value >= SPANISH_HELDOUT_MINIMUM else "BELOW THE FLOOR"


def spanish_summary_rows(spanish: SpanishScore) -> List[str]:
    """The Spanish set's lines of the report's summary table."""
    topics, intents = spanish.topics, spanish.intents
    return [
        f"| Spanish held-out (`tests/heldout/{SPANISH_HELDOUT_FILE.name}`) answered with the "
        f"right topic | {topics.accuracy:.3f} ({topics.correct}/{topics.total}) | tests fail "
        f"below {SPANISH_HELDOUT_MINIMUM:.2f} ({_floor_mark(topics.accuracy)}) |",
        f"| Spanish held-out parsed with the right intent (NLU) | {intents.accuracy:.3f} "
        f"({intents.correct}/{intents.total}) | |",
    ]


def fraction(right: int, total: int) -> str:
    """``0.950 (19/20)``, or ``– (0/0)`` when there is nothing to count."""
    return f"{right / total:.3f} ({right}/{total})" if total else "– (0/0)"


def render_spanish(spanish: SpanishScore) -> List[str]:
    """The report's "Spanish held-out" section: figures, per topic, per intent, misses."""
    topics, intents = spanish.topics, spanish.intents
    lines = [
        "", "## Spanish held-out", "",
        f"Source: `tests/heldout/{SPANISH_HELDOUT_FILE.name}`, {topics.total} Spanish messages "
        "written apart from the training data (tests/heldout/README.md), measured apart from "
        "the English held-out set: the topic end to end, exactly as for the English set, and "
        "the intent of the NLU parse of the same message.", "",
        "| measure | value | floor |", "|---|---|---|",
        f"| right topic (end to end) | {fraction(topics.correct, topics.total)} | "
        f"{SPANISH_HELDOUT_MINIMUM:.2f} ({_floor_mark(topics.accuracy)}) |",
        f"| right intent (NLU parse) | {fraction(intents.correct, intents.total)} | |",
    ]
    lines += _spanish_unseen_lines(spanish)
    lines += ["", "### Spanish: per expected topic", "",
              "| expected topic | right | messages | accuracy |", "|---|---|---|---|"]
    lines += [f"| {t} | {r} | {n} | {r / n:.2f} |" for t, r, n in topics.per_topic]
    lines += ["", "### Spanish: per expected intent", "",
              "| expected intent | right | messages | accuracy |", "|---|---|---|---|"]
    lines += [f"| {i} | {r} | {n} | {r / n:.2f} |" for i, r, n in intents.per_intent]
    return lines + render_spanish_misses(spanish.misses)


def _spanish_unseen_lines(spanish: SpanishScore) -> List[str]:
    """The figures without the messages that are also training examples, when there are."""
    if not spanish.seen:
        return []
    unseen = [r for r in spanish.topics.results if r.question.text not in spanish.seen]
    examples = ", ".join(f"“{t}”" for t in sorted(spanish.seen, key=len)[:4])
    return [
        f"| … the {len(unseen)} messages never seen in training: topic / intent | "
        f"{fraction(sum(r.correct for r in unseen), len(unseen))} / "
        f"{fraction(sum(r.intent_correct for r in unseen), len(unseen))} | |",
        "",
        f"{len(spanish.seen)} of the {spanish.topics.total} messages are word for word also "
        f"training examples (e.g. {examples}): written apart, they meet on short common "
        "phrasings; the line above leaves them out.",
    ]


def render_spanish_misses(misses: Sequence[HeldOutResult]) -> List[str]:
    """The Spanish misses: wrong topic or wrong intent, the wrong value in bold."""
    lines = ["", "### Spanish misses", ""]
    if not misses:
        return lines + ["None."]
    lines += ["| message | expected topic | answered | expected intent | parsed intent |",
              "|---|---|---|---|---|"]
    for miss in misses:
        answered = miss.predicted if miss.correct else f"**{miss.predicted}**"
        parsed = miss.intent if miss.intent_correct else f"**{miss.intent or '–'}**"
        lines.append(f"| {_cell(miss.question.text)} | {miss.question.topic} | {answered} | "
                     f"{' or '.join(miss.question.intents)} | {parsed} |")
    return lines


def render_markdown(
    intents: Optional[IntentReport],
    heldout: Optional[HeldOutScore],
    generated: str,
    notes: Sequence[str] = (),
    seen: Optional[Set[str]] = None,
    nonsense: Optional[HeldOutScore] = None,
    short: Optional[Sequence[Any]] = None,
    faq_section: Sequence[str] = (),
    cv_by_language: Sequence[str] = (),
    spanish: Optional[SpanishScore] = None,
    typos: Optional[HeldOutScore] = None,
) -> str:
    """The ``docs/nlu-quality.md`` report (``short``: ``staff.short_messages`` results;
    ``faq_section``: ``staff.faq.quality.render``'s lines; ``spanish``: the Spanish set;
    ``typos``: the held-out questions with a typo, ``staff.typos``)."""
    lines = [
        "# NLU and answer quality",
        "",
        f"Generated by `make eval` (`python -m staff.evaluation`): {generated}.",
        "Do not edit by hand: run `make eval` after changing training data, content or config.",
        "",
        "## Summary",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    if intents is not None:
        how = f"{FOLDS}-fold cross-validation"
        if intents.runs:
            how += (f", mean of {len(intents.runs)} seeded splits: "
                    + ", ".join(f"{run:.3f}" for run in intents.runs))
        target = (f"≥ {CV_F1_TARGET:.2f} ({_mark(intents.macro_f1, CV_F1_TARGET)})"
                  if not cv_by_language else "English and Spanish examples together; the "
                  "target is the English examples' (next row)")
        lines.append(f"| intent macro F1 ({how}) | {intents.macro_f1:.3f} | {target} |")
        lines.append(f"| intent accuracy (cross-validation) | {intents.accuracy:.3f} | |")
        lines.extend(cv_by_language)
    else:
        lines.append(f"| intent macro F1 ({FOLDS}-fold cross-validation) | not measured | "
                     f"≥ {CV_F1_TARGET:.2f} |")
    if heldout is not None:
        lines.append(
            f"| held-out questions answered with the right topic | {heldout.accuracy:.3f} "
            f"({heldout.correct}/{heldout.total}) | ≥ {HELDOUT_TARGET:.2f}, tests fail below "
            f"{HELDOUT_MINIMUM:.2f} ({_mark(heldout.accuracy, HELDOUT_TARGET)}) |"
        )
        for source, right, total in heldout.per_source:
            lines.append(f"| … of which `tests/heldout/{source}` | {right / total:.3f} "
                         f"({right}/{total}) | |")
        if seen:
            right, total = unseen_accuracy(heldout, seen)
            share = right / total if total else 0.0
            lines.append(f"| … questions never seen in training: {share:.3f} ({right}/{total}) | "
                         f"| |")
    else:
        lines.append(f"| held-out questions answered with the right topic | not measured | "
                     f"≥ {HELDOUT_TARGET:.2f} |")
    if nonsense is not None:
        lines.append(
            f"| random letter strings without a therapy answer | {nonsense.accuracy:.3f} "
            f"({nonsense.correct}/{nonsense.total}) | {NONSENSE_TARGET:.2f} "
            f"({_mark(nonsense.accuracy, NONSENSE_TARGET)}) |"
        )
    if typos is not None:
        lines.append(typo_rows.summary_row(typos))
    if short:
        lines.append(short_messages.summary_row(short))
    if spanish is not None:
        lines += spanish_summary_rows(spanish)
    if heldout is not None and seen:
        notes = list(notes) + [
            f"{len(seen)} of the {heldout.total} held-out questions are word for word also "
            "training examples: the two sets were written apart and meet on short common "
            "phrasings (e.g. " + ", ".join(f"“{t}”" for t in sorted(seen, key=len)[:4])
            + "). The line “questions never seen in training” leaves them out."
        ]
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    if intents is not None:
        lines += [
            "",
            f"## Intents ({FOLDS}-fold cross-validation, test folds)",
            "",
            "| intent | precision | recall | F1 | support | most confused with |",
            "|---|---|---|---|---|---|",
        ]
        for s in intents.intents:
            confused = ", ".join(f"{name} ({n})" for name, n in s.confused_with[:2]) or "–"
            lines.append(
                f"| {s.intent} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
                f"{s.support} | {confused} |"
            )
        lines.append(f"| **macro average** | | | **{intents.macro_f1:.3f}** | | |")
    if heldout is not None:
        lines += [
            "",
            "## Held-out questions (end to end: NLU, dialogue, answer actions)",
            "",
            "Sources: " + ", ".join(f"`tests/heldout/{p.name}`" for p in HELDOUT_FILES)
            + ", written apart from the training data (tests/heldout/README.md).",
            "",
            "| expected topic | right | questions | accuracy |",
            "|---|---|---|---|",
        ]
        for topic, right, total in heldout.per_topic:
            lines.append(f"| {topic} | {right} | {total} | {right / total:.2f} |")
        lines += ["", "### Misses", ""]
        if heldout.misses:
            lines += ["| question | batch | expected | answered |", "|---|---|---|---|"]
            for miss in heldout.misses:
                lines.append(
                    f"| {_cell(miss.question.text)} | {miss.question.source or '–'} | "
                    f"{miss.question.topic} | {miss.predicted} |"
                )
        else:
            lines.append("None.")
    if nonsense is not None and nonsense.misses:
        lines += ["", "### Random letter strings that got a therapy answer", "",
                  "| text | answered |", "|---|---|"]
        lines += [f"| {_cell(m.question.text)} | {m.predicted} |" for m in nonsense.misses]
    if typos is not None:
        lines += typo_rows.render_section(typos)
    if short:
        lines += short_messages.render_section(short)
    if spanish is not None:
        lines += render_spanish(spanish)
    if faq_section:
        lines += ["", *faq_section]
    return "\n".join(lines) + "\n"
