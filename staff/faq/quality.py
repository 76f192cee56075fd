"""How well FAQs are found: the held-out FAQ questions against the FAQ files (``make eval``).

Each batch of ``tests/heldout/faq_questions*.yml`` (``staff.heldout.FAQ_HELDOUT_FILES``,
measured per batch and together) labels each visitor message with the FAQ that must answer
it, ``none`` (no FAQ may) or ``therapy`` (a therapy question no FAQ may take). The index is the
FAQ files of ``faq/`` plus the staff guide's parking example (the "new FAQ" that a clinic adds
without retraining: the held-out set has parking questions for it). Every message goes
through the decision the running assistant makes (``clinic.faq.retrieval.decide``, with
config.yml's thresholds and the trained model's other-topic vectors), so the figure is the
server's, measured in seconds without a server.

A message counts as right for its FAQ when the answer is that FAQ's, or when the visitor is
offered a choice that includes it ("Did you mean ...?"); a ``none``/``therapy`` message is
right when no FAQ answers or is offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import yaml

from clinic.faq.model import Faq
from clinic.faq.retrieval import FaqIndex, RetrievalSettings, faq_texts
from clinic.language.detect import detect_language
from clinic.language.text import SPANISH
from clinic.settings import PROJECT_ROOT
from staff.faq.gate import Outcome, outcome
from staff.heldout import FAQ_HELDOUT_FILE, FAQ_HELDOUT_FILES

FAQ_HELDOUT = FAQ_HELDOUT_FILE
NO_FAQ = ("none", "therapy")
TARGET = 0.95


@dataclass(frozen=True)
class FaqResult:
    """One held-out message, what it should get and what it got."""

    text: str
    expected: str
    got: Outcome
    batch: str = ""

    @property
    def correct(self) -> bool:
        """Right FAQ (answer or offered), or no FAQ for ``none``/``therapy``."""
        if self.expected in NO_FAQ:
            return self.got == Outcome("")
        return self.got.reaches(self.expected)

    @property
    def shown(self) -> str:
        """What the visitor got, in a word or two."""
        if self.got.faq:
            return self.got.faq
        if self.got.choice:
            return "choice: " + " / ".join(self.got.choice)
        return "no FAQ"


@dataclass(frozen=True)
class FaqScore:
    """The figures of one run."""

    results: Tuple[FaqResult, ...]

    def share(self, labels: Optional[Sequence[str]] = None, exclude: Sequence[str] = (),
              batch: Optional[str] = None) -> Tuple[int, int]:
        """(right, total) over the results whose label is in ``labels`` (all when None), of
        one ``batch`` (all when None)."""
        chosen = [r for r in self.results if (labels is None or r.expected in labels)
                  and r.expected not in exclude and (batch is None or r.batch == batch)]
        return sum(r.correct for r in chosen), len(chosen)

    @property
    def faq_accuracy(self) -> float:
        """Share of FAQ-labelled messages that reach their FAQ."""
        right, total = self.share(exclude=NO_FAQ)
        return right / total if total else 0.0

    @property
    def batches(self) -> List[str]:
        """The batches measured, in order."""
        return list(dict.fromkeys(r.batch for r in self.results))

    @property
    def misses(self) -> List[FaqResult]:
        """The results that went wrong."""
        return [r for r in self.results if not r.correct]


def load_questions(path: Path = FAQ_HELDOUT) -> List[Tuple[str, str]]:
    """(text, label) of the held-out FAQ questions."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(item["text"]), str(item["faq"])) for item in document.get("questions") or []]


def measure(faqs: Sequence[Faq], questions: Sequence[Tuple[str, str]], encode,
            others: np.ndarray, settings: RetrievalSettings,
            batches: Sequence[str] = ()) -> FaqScore:
    """Scores ``questions`` against the index of ``faqs`` (``encode``: texts -> vectors);
    ``batches[i]``, when given, names the batch of question ``i``."""
    texts = [t for faq in faqs for t in faq_texts(faq)]
    table = dict(zip(texts, encode(texts)))
    index = FaqIndex.build(None, faqs, table)
    vectors = encode([text for text, _ in questions])
    names = list(batches) or [""] * len(questions)
    return FaqScore(tuple(
        FaqResult(text, label, outcome(index, vector, others, settings,
                                       spanish=detect_language(text).code == SPANISH), batch)
        for (text, label), vector, batch in zip(questions, vectors, names)))


def measure_project() -> FaqScore:
    """The project's figure: faq/ plus the guide's parking example, config.yml's thresholds."""
    from staff.faq.load import guide_example, load_faq_folder, load_faq_text
    from staff.faq.publish import ENCODER_DIR, model_others, retrieval_settings
    from clinic.nlu.multilingual import RetrievalEncoder

    faqs, _ = load_faq_folder(PROJECT_ROOT / "faq")
    parking, _ = load_faq_text(PROJECT_ROOT / "faq" / "parking.yml", guide_example())
    if parking is not None and all(faq.name != "parking" for faq in faqs):
        faqs.append(parking)
    encoder = RetrievalEncoder.load(ENCODER_DIR, numpy_only=True)
    per_batch = [(path.name, load_questions(path)) for path in FAQ_HELDOUT_FILES]
    return measure(faqs, [q for _, questions in per_batch for q in questions],
                   lambda texts: encoder.encode(list(texts)), model_others(),
                   retrieval_settings(),
                   batches=[name for name, questions in per_batch for _ in questions])


def render(score: FaqScore) -> List[str]:
    """The report section (markdown lines) for docs/nlu-quality.md."""
    mark = "met" if score.faq_accuracy >= TARGET else "**NOT met**"
    lines = [
        "## Staff FAQs (retrieval, no training)",
        "",
        "The held-out FAQ questions (`tests/heldout/faq_questions*.yml`, written apart from "
        "`faq/`; their README says how each batch was written and used) against the FAQ files "
        "plus the staff guide's parking example (a new FAQ, never trained), through the "
        "running assistant's decision (`staff/faq/quality.py`).",
        "",
        "| batch | FAQ questions that reach their FAQ (answer or offered) | practical questions "
        "no FAQ answers, left alone | therapy look-alikes left to the therapy answers |",
        "|---|---|---|---|",
    ]
    for batch in [*score.batches, None]:
        right, total = score.share(exclude=NO_FAQ, batch=batch)
        none_right, none_total = score.share(labels=("none",), batch=batch)
        therapy_right, therapy_total = score.share(labels=("therapy",), batch=batch)
        name = f"`{batch}`" if batch is not None else "**all**"
        lines.append(f"| {name} | {right}/{total} = {right / max(total, 1):.3f} | "
                     f"{none_right}/{none_total} | {therapy_right}/{therapy_total} |")
    lines += ["", f"Target for all batches together: ≥ {TARGET} ({mark}).", ""]
    if score.misses:
        lines += ["Misses:", "", "| batch | message | expected | got |", "|---|---|---|---|"]
        lines += [f"| {r.batch} | {r.text.replace('|', '/')} | {r.expected} | {r.shown} |"
                  for r in score.misses]
        lines.append("")
    return lines
