"""The pure part of ``make eval`` (``staff.evaluation``): targets, the scores' types, parsing
Rasa's reports, loading the held-out sets and scoring what the assistant did with them.
No model, no server: ``staff.evaluation`` runs the measurements, ``staff.evaluation_report``
writes them down.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

from clinic.settings import PROJECT_ROOT
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
