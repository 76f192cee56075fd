"""Cross-validation figures per language (``make eval``, docs/nlu-quality.md).

Rasa's cross-validation reports one macro F1 over all of ``data/``. Since Spanish examples
joined the English ones (``data/nlu/spanish_*.yml``), that figure mixes two populations:
the English one, whose target and history the report keeps, and the Spanish one, which is
harder and newer. Rasa writes every misclassified example of a run to
``intent_errors.json``; with the number of examples per intent and language, that is
enough for each language's own confusion counts, so each gets its own macro F1 and
accuracy (pure functions, no second cross-validation).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Set, Tuple

import yaml

SPANISH_FILE_PREFIX = "spanish_"
_ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class LanguageExamples:
    """One language's training examples: how many per intent, and their texts."""

    per_intent: Mapping[str, int]
    texts: Set[str]


@dataclass(frozen=True)
class LanguageScore:
    """One language's cross-validation figures, averaged over the seeded runs."""

    language: str
    examples: int
    macro_f1: float
    accuracy: float
    runs: Tuple[float, ...]


def plain_text(example: str) -> str:
    """A training example's text without its entity annotations."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example).strip()


def load_examples(nlu_dir: Path) -> Dict[str, LanguageExamples]:
    """``{"English": …, "Spanish": …}`` from the NLU files (Spanish: ``spanish_*.yml``)."""
    counts: Dict[str, Counter] = {"English": Counter(), "Spanish": Counter()}
    texts: Dict[str, Set[str]] = {"English": set(), "Spanish": set()}
    for path in sorted(nlu_dir.glob("*.yml")):
        language = "Spanish" if path.name.startswith(SPANISH_FILE_PREFIX) else "English"
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    counts[language][block["intent"]] += 1
                    texts[language].add(plain_text(line[2:]))
    return {language: LanguageExamples(dict(counts[language]), texts[language])
            for language in counts if counts[language]}


def score_run(errors: Iterable[Mapping], examples: LanguageExamples) -> Tuple[float, float]:
    """(macro F1, accuracy) of one language in one run, from Rasa's ``intent_errors.json``
    entries (``text``, ``intent``, ``intent_prediction.name``)."""
    missed: Counter = Counter()
    taken: Counter = Counter()
    wrong = 0
    for error in errors:
        if str(error.get("text", "")).strip() not in examples.texts:
            continue
        wrong += 1
        missed[error["intent"]] += 1
        taken[(error.get("intent_prediction") or {}).get("name")] += 1
    scores: List[float] = []
    for intent, total in examples.per_intent.items():
        right = total - missed[intent]
        precision = right / (right + taken[intent]) if right + taken[intent] else 0.0
        recall = right / total if total else 0.0
        scores.append(2 * precision * recall / (precision + recall)
                      if precision + recall else 0.0)
    total_examples = sum(examples.per_intent.values())
    return (sum(scores) / len(scores) if scores else 0.0,
            1 - wrong / total_examples if total_examples else 0.0)


def score_languages(run_dirs: Sequence[Path], nlu_dir: Path) -> List[LanguageScore]:
    """Each language's figures over the runs whose ``intent_errors.json`` exists."""
    files = [d / "intent_errors.json" for d in run_dirs if (d / "intent_errors.json").exists()]
    if not files:
        return []
    runs = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    found = []
    for language, examples in load_examples(nlu_dir).items():
        per_run = [score_run(errors, examples) for errors in runs]
        found.append(LanguageScore(
            language, sum(examples.per_intent.values()),
            sum(f1 for f1, _ in per_run) / len(per_run),
            sum(acc for _, acc in per_run) / len(per_run),
            tuple(f1 for f1, _ in per_run)))
    return found


def render(scores: Sequence[LanguageScore], target: float) -> List[str]:
    """Summary-table rows: each language's macro F1 and accuracy (the target is English's)."""
    lines = []
    for score in scores:
        runs = ", ".join(f"{run:.3f}" for run in score.runs)
        met = "meets target" if score.macro_f1 >= target else "BELOW TARGET"
        goal = f"≥ {target:.2f} ({met})" if score.language == "English" else ""
        lines.append(f"| … {score.language} examples only ({score.examples}; runs {runs}) | "
                     f"macro F1 {score.macro_f1:.3f}, accuracy {score.accuracy:.3f} | {goal} |")
    return lines
