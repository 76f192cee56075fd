"""Measures NLU and answer quality and writes ``docs/nlu-quality.md`` (``make eval``).

Four measurements:

1. **Intent cross-validation**: ``rasa test nlu --cross-validation --folds 5`` with the
   project's config on ``data/``, once per seed of ``CV_SEEDS`` (``staff.seeded_rasa``
   seeds the fold split, which Rasa leaves unseeded; results in
   ``results/cross-validation/seed-N/``): F1 per intent and the macro average, averaged
   over the seeded runs, with each run's macro F1 reported too.
2. **Held-out questions**: every file of ``HELDOUT_FILES`` in ``tests/heldout/`` (written
   apart from the training data, never trained on; batch 2 was written blind, after the
   first batch's misses had been seen, see tests/heldout/README.md) run end to end through the trained model
   (``models/clinic.tar.gz``, loaded in-process) and the custom actions; after each
   question (a fresh conversation each time) the ``last_topic`` slot must name the expected
   topic, or stay empty for questions marked ``none``.
3. **Random letter strings**: ``NONSENSE_COUNT`` strings of made-up "words" (seeded, so the
   same every run) through the same path; none may get a therapy answer.
4. **Spanish held-out**: ``SPANISH_HELDOUT_FILE`` (Spanish messages written apart from the
   training data, tests/heldout/README.md), kept apart from ``HELDOUT_FILES`` and its gate:
   the topic exactly as in 2., plus the intent of the NLU parse of the same message, each
   against the message's labels; its own "Spanish held-out" section in the report.

The action server is the one at ``ACTION_SERVER_URL``; when that variable is not set, one
is started for the run (``python -m clinic.action_server`` on a free local port).

Run: ``python -m staff.evaluation [--skip-cv | --reuse-cv] [--skip-heldout]``;
``python -m staff.evaluation --spanish-only [--report FILE]`` measures the Spanish set alone
(its report section goes to FILE when given, to the console otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple,
)

import yaml

from clinic.settings import PROJECT_ROOT
from staff import cv_languages, short_messages
from staff.heldout import HELDOUT_FILES, SPANISH_HELDOUT_FILE
RESULTS_DIR = PROJECT_ROOT / "results"
CV_DIR = RESULTS_DIR / "cross-validation"
REPORT_FILE = PROJECT_ROOT / "docs" / "nlu-quality.md"
MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
FOLDS = 5
NO_TOPIC = "none"
TOPIC_SLOT = "last_topic"
# Targets (issue #3). The test suite fails below HELDOUT_MINIMUM (tests/server/test_heldout.py).
CV_F1_TARGET = 0.95
HELDOUT_TARGET = 0.95
HELDOUT_MINIMUM = 0.90
# The Spanish set's topic accuracy floor (tests/server/test_heldout.py); to be raised once
# Spanish training examples are in the model. Not part of make eval's exit code.
SPANISH_HELDOUT_MINIMUM = 0.90
CV_SEEDS = (1, 2, 3)  # Rasa's folds move the macro F1 by ~±0.005 run to run: average three
NONSENSE_COUNT = 200
NONSENSE_SEED = 20261201
NONSENSE_TARGET = 1.0  # share of random letter strings that get no therapy answer
_SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")


class EvaluationError(RuntimeError):
    """A measurement could not run (missing file, failed command)."""


@dataclass(frozen=True)
class IntentScore:
    """Cross-validated scores of one intent."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int
    confused_with: Tuple[Tuple[str, int], ...] = ()


@dataclass(frozen=True)
class IntentReport:
    """Cross-validation summary."""

    intents: Tuple[IntentScore, ...]
    macro_f1: float
    accuracy: float
    runs: Tuple[float, ...] = ()  # macro F1 of each seeded run, when several were averaged


@dataclass(frozen=True)
class HeldOutQuestion:
    """A visitor question and the topic it must be answered with ("none": no answer)."""

    text: str
    topic: str
    source: str = field(default="", compare=False)  # the file it comes from
    intents: Tuple[str, ...] = ()  # NLU intents accepted for it (Spanish set; () elsewhere)


@dataclass(frozen=True)
class HeldOutResult:
    """What the assistant did with one held-out question."""

    question: HeldOutQuestion
    predicted: str
    intent: str = ""  # the intent of the NLU parse of the question ("" when not read)

    @property
    def correct(self) -> bool:
        """The answered topic (or no answer) is the expected one."""
        return self.predicted == self.question.topic

    @property
    def intent_correct(self) -> bool:
        """The parsed intent is one the question accepts."""
        return self.intent in self.question.intents


@dataclass(frozen=True)
class HeldOutScore:
    """Held-out accuracy, overall and per expected topic."""

    total: int
    correct: int
    per_topic: Tuple[Tuple[str, int, int], ...]  # (topic, correct, total)
    misses: Tuple[HeldOutResult, ...]
    per_source: Tuple[Tuple[str, int, int], ...] = ()  # (file name, correct, total)
    results: Tuple[HeldOutResult, ...] = ()

    @property
    def accuracy(self) -> float:
        """Share of questions answered with the expected topic."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class IntentAccuracy:
    """How often the NLU parse gave a question one of its accepted intents."""

    total: int
    correct: int
    per_intent: Tuple[Tuple[str, int, int], ...]  # (accepted intents, correct, total)
    misses: Tuple[HeldOutResult, ...]

    @property
    def accuracy(self) -> float:
        """Share of questions parsed with an accepted intent."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class SpanishScore:
    """The Spanish held-out set: topic (end to end) and intent (NLU parse) accuracy."""

    topics: HeldOutScore
    intents: IntentAccuracy
    seen: FrozenSet[str] = frozenset()  # messages that are word for word training examples

    @property
    def misses(self) -> Tuple[HeldOutResult, ...]:
        """Messages with the wrong topic, the wrong intent or both, in file order."""
        return tuple(r for r in self.topics.results if not (r.correct and r.intent_correct))


# ---------------------------------------------------------------------------------------
# Pure parts: parsing, scoring, rendering
# ---------------------------------------------------------------------------------------


def parse_intent_report(report: Dict[str, Any]) -> IntentReport:
    """Reads Rasa's ``intent_report.json`` (scikit-learn's report plus confusions)."""
    intents = []
    for name, row in report.items():
        if name in _SUMMARY_ROWS or not isinstance(row, dict):
            continue
        confused = sorted(
            ((str(k), int(v)) for k, v in (row.get("confused_with") or {}).items()),
            key=lambda kv: (-kv[1], kv[0]),
        )
        intents.append(
            IntentScore(
                intent=name,
                precision=float(row.get("precision", 0.0)),
                recall=float(row.get("recall", 0.0)),
                f1=float(row.get("f1-score", 0.0)),
                support=int(row.get("support", 0)),
                confused_with=tuple(confused),
            )
        )
    intents.sort(key=lambda s: s.intent)
    macro = report.get("macro avg") or {}
    if "f1-score" in macro:
        macro_f1 = float(macro["f1-score"])
    else:
        macro_f1 = sum(s.f1 for s in intents) / len(intents) if intents else 0.0
    accuracy = report.get("accuracy")
    if isinstance(accuracy, dict):
        accuracy = accuracy.get("f1-score", 0.0)
    return IntentReport(tuple(intents), macro_f1, float(accuracy or 0.0))


def combine_reports(reports: Sequence[IntentReport]) -> IntentReport:
    """The mean of several cross-validation runs on the same data (different fold splits).

    Precision, recall, F1, the macro F1 and the accuracy are averaged; the confusions are
    summed over the runs; ``runs`` keeps each run's macro F1 so the spread can be shown.
    """
    if not reports:
        raise EvaluationError("no cross-validation run to combine")
    by_intent: Dict[str, List[IntentScore]] = {}
    for report in reports:
        for score in report.intents:
            by_intent.setdefault(score.intent, []).append(score)
    n = len(reports)
    intents = []
    for name in sorted(by_intent):
        scores = by_intent[name]
        confused: Counter = Counter()
        for score in scores:
            confused.update(dict(score.confused_with))
        intents.append(
            IntentScore(
                intent=name,
                precision=sum(s.precision for s in scores) / n,
                recall=sum(s.recall for s in scores) / n,
                f1=sum(s.f1 for s in scores) / n,
                support=max(s.support for s in scores),
                confused_with=tuple(sorted(confused.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    return IntentReport(
        intents=tuple(intents),
        macro_f1=sum(r.macro_f1 for r in reports) / n,
        accuracy=sum(r.accuracy for r in reports) / n,
        runs=tuple(r.macro_f1 for r in reports) if n > 1 else (),
    )


def nonsense_questions(count: int = NONSENSE_COUNT, seed: int = NONSENSE_SEED
                       ) -> List[HeldOutQuestion]:
    """``count`` strings of one to four made-up lower-case "words" (2-9 letters), the same
    for the same seed; each must get no therapy answer (topic ``none``)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    questions = []
    for _ in range(count):
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
            for _ in range(rng.randint(1, 4))
        ]
        questions.append(HeldOutQuestion(" ".join(words), NO_TOPIC, "random letters"))
    return questions


def intent_labels(value: Any) -> Tuple[str, ...]:
    """An entry's ``intent``: one name or a list of accepted names (``()`` when absent).

    >>> intent_labels(["ask_armoring", " greet "])
    ('ask_armoring', 'greet')
    """
    if value is None:
        return ()
    names = value if isinstance(value, list) else [value]
    labels = tuple(str(name).strip() for name in names if str(name).strip())
    if not labels:
        raise ValueError("an empty intent")
    return labels


def load_heldout(path: Optional[Path] = None) -> List[HeldOutQuestion]:
    """Reads held-out questions: a list (or ``questions:`` list) of ``{text, topic}``, each
    with an optional ``intent`` (a name or a list of accepted names).

    Without ``path``: every file of ``HELDOUT_FILES``, in that order.
    """
    if path is None:
        return [question for batch in HELDOUT_FILES for question in load_heldout(batch)]
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvaluationError(f"{path}: the held-out question file is missing") from exc
    except yaml.YAMLError as exc:
        raise EvaluationError(f"{path}: not valid YAML: {exc}") from exc
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise EvaluationError(f"{path}: expected a list of {{text, topic}} entries")
    questions = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "text" not in item or "topic" not in item:
            raise EvaluationError(f"{path}: entry #{index} needs 'text' and 'topic'")
        try:
            intents = intent_labels(item.get("intent"))
        except ValueError as exc:
            raise EvaluationError(f"{path}: entry #{index}: {exc}") from exc
        questions.append(HeldOutQuestion(str(item["text"]), str(item["topic"]).strip(),
                                         Path(path).name, intents))
    return questions


def load_spanish_heldout(path: Path = SPANISH_HELDOUT_FILE) -> List[HeldOutQuestion]:
    """The Spanish held-out set: like ``load_heldout``, but every entry needs an ``intent``."""
    questions = load_heldout(path)
    unlabelled = [q.text for q in questions if not q.intents]
    if unlabelled:
        raise EvaluationError(f"{path}: entries without 'intent': {unlabelled[:3]}")
    return questions


def predicted_topic(slot_value: Any) -> str:
    """The ``last_topic`` slot as a label (``none`` when nothing was answered)."""
    return str(slot_value) if slot_value else NO_TOPIC


def score_heldout(results: Sequence[HeldOutResult]) -> HeldOutScore:
    """Accuracy overall and per expected topic, and the misses."""
    totals: Counter = Counter()
    hits: Counter = Counter()
    source_totals: Counter = Counter()
    source_hits: Counter = Counter()
    for result in results:
        totals[result.question.topic] += 1
        hits[result.question.topic] += int(result.correct)
        source_totals[result.question.source] += 1
        source_hits[result.question.source] += int(result.correct)
    per_topic = tuple((topic, hits[topic], totals[topic]) for topic in sorted(totals))
    per_source = tuple(
        (source, source_hits[source], source_totals[source]) for source in source_totals
    )
    return HeldOutScore(
        total=len(results),
        correct=sum(hits.values()),
        per_topic=per_topic,
        misses=tuple(r for r in results if not r.correct),
        per_source=per_source if len(per_source) > 1 else (),
        results=tuple(results),
    )


def score_intents(results: Sequence[HeldOutResult]) -> IntentAccuracy:
    """Intent accuracy over the results whose question has intents, per accepted intent(s)
    (a row label joins a question's alternatives with " or ")."""
    labelled = [r for r in results if r.question.intents]
    totals: Counter = Counter()
    hits: Counter = Counter()
    for result in labelled:
        label = " or ".join(result.question.intents)
        totals[label] += 1
        hits[label] += int(result.intent_correct)
    return IntentAccuracy(
        total=len(labelled),
        correct=sum(hits.values()),
        per_intent=tuple((label, hits[label], totals[label]) for label in sorted(totals)),
        misses=tuple(r for r in labelled if not r.intent_correct),
    )


def score_spanish(results: Sequence[HeldOutResult], seen: Iterable[str] = ()) -> SpanishScore:
    """The Spanish set's topic and intent scores; ``seen``: its messages that are also
    training examples (``seen_in_training``)."""
    return SpanishScore(score_heldout(results), score_intents(results), frozenset(seen))


def parsed_intent(tracker: Any) -> str:
    """The intent of the NLU parse of the conversation's first visitor message ("" when
    there is none): each held-out question opens its own conversation."""
    for event in getattr(tracker, "events", None) or ():
        if getattr(event, "type_name", "") == "user":
            return str((getattr(event, "intent", None) or {}).get("name") or "")
    return ""


def seen_in_training(questions: Sequence[HeldOutQuestion], examples: Iterable[str]) -> Set[str]:
    """Held-out questions that are, word for word, also a training example.

    Both sets were written apart, so short common phrasings ("hi", "what is nmt") meet by
    chance; the report counts them and gives the accuracy without them as well.
    """
    from staff.faq.text import normalise

    trained = {normalise(text) for text in examples}
    return {q.text for q in questions if normalise(q.text) in trained}


def unseen_accuracy(score: HeldOutScore, seen: Set[str]) -> Tuple[int, int]:
    """(right, total) over the questions that are not also training examples."""
    right = total = 0
    for result in score.results:
        if result.question.text not in seen:
            total += 1
            right += int(result.correct)
    return right, total


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


def _share(right: int, total: int) -> str:
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
        f"| right topic (end to end) | {_share(topics.correct, topics.total)} | "
        f"{SPANISH_HELDOUT_MINIMUM:.2f} ({_floor_mark(topics.accuracy)}) |",
        f"| right intent (NLU parse) | {_share(intents.correct, intents.total)} | |",
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
        f"{_share(sum(r.correct for r in unseen), len(unseen))} / "
        f"{_share(sum(r.intent_correct for r in unseen), len(unseen))} | |",
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
) -> str:
    """The ``docs/nlu-quality.md`` report (``short``: ``staff.short_messages`` results;
    ``faq_section``: ``staff.faq.quality.render``'s lines; ``spanish``: the Spanish set)."""
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
    if short:
        lines += short_messages.render_section(short)
    if spanish is not None:
        lines += render_spanish(spanish)
    if faq_section:
        lines += ["", *faq_section]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Measurements (need a trained model / training)
# ---------------------------------------------------------------------------------------


def cross_validation_command(out_dir: Path, folds: int = FOLDS, seed: int = CV_SEEDS[0],
                             nlu: str = "data") -> List[str]:
    """The seeded ``rasa test nlu`` cross-validation command line (``staff.seeded_rasa``)."""
    return [
        sys.executable, "-m", "staff.seeded_rasa", str(seed), "test", "nlu",
        "--cross-validation", "--folds", str(folds),
        "--config", "config.yml", "--nlu", nlu, "--domain", "domain",
        "--out", str(out_dir), "--no-plot",
    ]


def rasa_env() -> Dict[str, str]:
    """Environment for Rasa subprocesses: project importable, no telemetry."""
    path = str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": path}


def cross_validation_env() -> Dict[str, str]:
    """``rasa_env`` with an empty FAQ store: cross-validation measures the intent model, so
    the FaqRetriever must not answer from whatever FAQs this machine's store holds (the
    figures would change with the clinic's FAQs); FAQs have their own held-out measurement
    (``staff.faq.quality``)."""
    empty = RESULTS_DIR / "cv-no-faqs.db"
    empty.parent.mkdir(parents=True, exist_ok=True)
    return {**rasa_env(), "DATABASE_URL": f"sqlite:///{empty}"}


def run_cross_validation(out_dir: Path = CV_DIR, seeds: Sequence[int] = CV_SEEDS
                         ) -> IntentReport:
    """Runs one seeded cross-validation per seed and averages their intent reports."""
    reports = []
    for seed in seeds:
        run_dir = out_dir / f"seed-{seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        print(f"    split {len(reports) + 1} of {len(seeds)} (seed {seed})", flush=True)
        result = subprocess.run(cross_validation_command(run_dir, seed=seed), cwd=PROJECT_ROOT,
                                env=cross_validation_env())
        if result.returncode != 0:
            raise EvaluationError(f"cross-validation failed (exit code {result.returncode})")
        reports.append(_read_intent_report(run_dir))
    return combine_reports(reports)


def _read_intent_report(run_dir: Path) -> IntentReport:
    report_path = run_dir / "intent_report.json"
    try:
        return parse_intent_report(json.loads(report_path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{report_path}: cannot read the intent report: {exc}") from exc


def read_cross_validation(out_dir: Path = CV_DIR, seeds: Sequence[int] = CV_SEEDS
                          ) -> IntentReport:
    """The reports of the last cross-validation run (``--reuse-cv``), averaged."""
    return combine_reports([_read_intent_report(out_dir / f"seed-{seed}") for seed in seeds])


async def run_heldout(
    agent: Any, questions: Sequence[HeldOutQuestion], prefix: str = "heldout"
) -> List[HeldOutResult]:
    """Asks every question in a fresh conversation and reads ``last_topic`` afterwards, and
    the intent the NLU parse gave the question."""
    results = []
    stamp = int(time.time() * 1000)
    for index, question in enumerate(questions):
        sender = f"{prefix}-{stamp}-{index}"
        await agent.handle_text(question.text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        value = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
        results.append(HeldOutResult(question, predicted_topic(value), parsed_intent(tracker)))
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def action_server() -> Iterator[str]:
    """The action server URL: ``ACTION_SERVER_URL``, or one started for this run."""
    configured = os.environ.get("ACTION_SERVER_URL", "").strip()
    if configured:
        yield configured
        return
    port = _free_port()
    env = dict(os.environ, ACTION_PORT=str(port), ACTION_HOST="127.0.0.1")
    process = subprocess.Popen(
        [sys.executable, "-m", "clinic.action_server"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EvaluationError(f"the action server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        else:
            raise EvaluationError("the action server did not start within 120 s")
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def measure_heldout(
    action_url: str,
    question_sets: Sequence[Sequence[HeldOutQuestion]],
    model: Path = MODEL,
    shorts: Sequence[Any] = (),
) -> Tuple[List[HeldOutScore], List[Any]]:
    """Loads the trained model in-process once and scores each set of questions.

    Also sends the short messages ``shorts`` (``staff.short_messages``), when given.
    """
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from clinic import rasa_speedups

    rasa_speedups.install()
    if not model.exists():
        raise EvaluationError(f"{model} is missing: run `make train` first")
    endpoints = AvailableEndpoints(action=EndpointConfig(url=action_url))
    if not os.environ.get("DATABASE_URL"):  # FAQs as `make run` serves them: faq/ seeded
        from staff.faq.publish import seeded_scratch_store

        os.environ["DATABASE_URL"] = seeded_scratch_store()
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    if agent is None or not agent.is_ready():
        raise EvaluationError(f"{model} could not be loaded")
    scores = [score_heldout(await run_heldout(agent, questions)) for questions in question_sets]
    return scores, await short_messages.run_short_messages(agent, shorts) if shorts else []


def training_matches(questions: Sequence[HeldOutQuestion]) -> Set[str]:
    """The questions that are, word for word, also an example of the training data."""
    from staff.faq.check import load_project_data

    return seen_in_training(questions, load_project_data().examples)


def spanish_figures(spanish: SpanishScore) -> str:
    """One console line with the Spanish set's figures."""
    topics, intents = spanish.topics, spanish.intents
    return (f"    Spanish held-out: right topic {_share(topics.correct, topics.total)}, "
            f"right intent {_share(intents.correct, intents.total)} (tests fail below "
            f"{SPANISH_HELDOUT_MINIMUM} topic accuracy; not part of this exit code)")


def measure_spanish_only(report: Optional[Path]) -> int:
    """``--spanish-only``: the Spanish set alone, end to end. Writes its report section to
    ``report`` when given, prints it otherwise; exit code 0 (the floor is the server
    test's, tests/server/test_heldout.py)."""
    questions = load_spanish_heldout()
    print(f"==> {len(questions)} Spanish held-out messages, end to end")
    with action_server() as url:
        (topics,), _ = asyncio.run(measure_heldout(url, [questions]))
    spanish = score_spanish(topics.results, training_matches(questions))
    section = "\n".join(render_spanish(spanish)[1:]) + "\n"
    if report is None:
        print(section)
    else:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(section, encoding="utf-8")
        print(f"==> Spanish section written to {report}")
    print(spanish_figures(spanish))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the measurements and writes the report; exit code 1 when a target is missed
    (the Spanish set is reported, not part of the exit code)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--skip-heldout", action="store_true", help="skip held-out questions")
    parser.add_argument("--reuse-cv", action="store_true",
                        help="report the last cross-validation (results/cross-validation) "
                             "instead of running it: only valid while data/ is unchanged")
    parser.add_argument("--spanish-only", action="store_true",
                        help="measure only the Spanish held-out set (tests/heldout/spanish.yml)"
                             "; its section goes to --report when given, else to the console")
    parser.add_argument("--report", type=Path, default=None,
                        help=f"the report file (default {REPORT_FILE.relative_to(PROJECT_ROOT)})")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    if args.spanish_only:
        return measure_spanish_only(args.report)
    report: Path = args.report or REPORT_FILE

    intents: Optional[IntentReport] = None
    heldout: Optional[HeldOutScore] = None
    nonsense: Optional[HeldOutScore] = None
    short: List[Any] = []
    spanish: Optional[SpanishScore] = None
    if args.reuse_cv:
        print(f"==> the last cross-validation, from {CV_DIR.relative_to(PROJECT_ROOT)}")
        intents = read_cross_validation()
    elif not args.skip_cv:
        print(f"==> {FOLDS}-fold intent cross-validation, {len(CV_SEEDS)} seeded splits "
              "(about 4 minutes each on 2 cores)")
        intents = run_cross_validation()
    if not args.skip_heldout:
        questions = load_heldout()
        print(f"==> {len(questions)} held-out questions and {NONSENSE_COUNT} random letter "
              "strings, end to end")
        shorts = short_messages.load_short_messages()
        print(f"==> {len(shorts)} short context-free messages, end to end")
        spanish_questions = load_spanish_heldout()
        print(f"==> {len(spanish_questions)} Spanish held-out messages, end to end (apart)")
        with action_server() as url:
            (heldout, nonsense, spanish_topics), short = asyncio.run(measure_heldout(
                url, [questions, nonsense_questions(), spanish_questions], shorts=shorts))
        spanish = score_spanish(spanish_topics.results, training_matches(spanish_questions))
    from staff.faq import quality

    print("==> held-out FAQ questions against the FAQ files (seconds)")
    faq_score = quality.measure_project()
    seen: Optional[Set[str]] = None
    if heldout is not None:
        seen = training_matches([r.question for r in heldout.results])
    by_language: List[cv_languages.LanguageScore] = []
    if intents is not None:
        by_language = cv_languages.score_languages(
            [CV_DIR / f"seed-{seed}" for seed in CV_SEEDS], PROJECT_ROOT / "data" / "nlu")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        render_markdown(intents, heldout, time.strftime("%Y-%m-%d %H:%M"), seen=seen,
                        nonsense=nonsense, short=short,
                        faq_section=quality.render(faq_score), spanish=spanish,
                        cv_by_language=cv_languages.render(by_language, CV_F1_TARGET)),
        encoding="utf-8",
    )
    print(f"==> report written to {report}")
    ok = True
    if intents is not None:
        print(f"    intent macro F1: {intents.macro_f1:.3f}")
        # the target is the English examples' (the Spanish ones are reported beside them)
        english = [s for s in by_language if s.language == "English"]
        for score in by_language:
            print(f"    … {score.language} examples: macro F1 {score.macro_f1:.3f}"
                  + (f" (target {CV_F1_TARGET})" if score.language == "English" else ""))
        ok &= (english[0].macro_f1 if english else intents.macro_f1) >= CV_F1_TARGET
    if heldout is not None:
        print(f"    held-out accuracy: {heldout.accuracy:.3f} (target {HELDOUT_TARGET})")
        ok &= heldout.accuracy >= HELDOUT_TARGET
    if nonsense is not None:
        print(f"    random letter strings without a therapy answer: {nonsense.accuracy:.3f} "
              f"(target {NONSENSE_TARGET})")
        ok &= nonsense.accuracy >= NONSENSE_TARGET
    if short:
        share = short_messages.sensible_share(short)
        print(f"    short messages answered sensibly: {share:.3f} "
              f"(target {short_messages.SENSIBLE_TARGET})")
        ok &= share >= short_messages.SENSIBLE_TARGET and all(r.answered for r in short)
    print(f"    FAQ questions that reach their FAQ: {faq_score.faq_accuracy:.3f} "
          f"(target {quality.TARGET})")
    ok &= faq_score.faq_accuracy >= quality.TARGET
    if spanish is not None:
        print(spanish_figures(spanish))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
