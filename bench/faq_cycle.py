"""Time from saving a new FAQ to the running server answering it (target: under 3 minutes).

``measure_faq_cycle()`` starts a scratch stack (``clinic.devstack``), copies ``faq/`` and the
live model into a scratch folder, then times exactly what a staff member does after saving
the file: ``make retrain`` (``python -m staff.retrain``: check, train, test, compare, publish
through the model API) until the running server answers the new question.

Before the clock starts, the live model's figures are measured and cached, as they are on a
clinic's machine after its first ``make retrain`` (each publish stores the new model's
figures). That one-time measurement is timed too and reported on its own. The FAQ is the
parking example of docs/staff-guide.md. The project's own ``faq/``, ``models/`` and
``data/generated/`` are never touched. Called by ``make bench`` (``bench.run --faq-cycle``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

from clinic.devstack import Stack, start_stack, stop_stack
from clinic.settings import PROJECT_ROOT

QUESTION = "where can I park?"
ANSWER = "Our front desk can tell you where to park"
ANSWER_TIMEOUT_S = 60.0


class FaqCycleError(RuntimeError):
    """The cycle could not be completed; the message says which step failed."""


@dataclass(frozen=True)
class FaqCycle:
    """One measured cycle."""

    seconds: float  # saving the file -> the live server answers it
    live_measure_seconds: float  # the one-time measurement of a freshly trained live model
    steps: List[str] = field(default_factory=list)  # make retrain's progress lines


def guide_example() -> str:
    """The "Is there parking?" FAQ exactly as docs/staff-guide.md tells staff to write it."""
    guide = (PROJECT_ROOT / "docs" / "staff-guide.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.S)
    return next(block for block in blocks if "question: Is there parking?" in block)


def _answered(stack: Stack, sender: str) -> bool:
    replies = stack.rest(sender, QUESTION)
    return any(ANSWER in str(reply.get("text", "")) for reply in replies)


def measure_faq_cycle() -> FaqCycle:
    """Seconds from saving a new FAQ file to the live server answering it."""
    with tempfile.TemporaryDirectory(prefix="clinic-faq-cycle-") as tmp:
        work = Path(tmp)
        faq_dir, models_dir = work / "faq", work / "models"
        shutil.copytree(PROJECT_ROOT / "faq", faq_dir)
        models_dir.mkdir()
        shutil.copy(PROJECT_ROOT / "models" / "clinic.tar.gz", models_dir / "clinic.tar.gz")
        stack = start_stack(work / "stack")
        # A file name of its own: Rasa caches trained components by their inputs, so the
        # same FAQ benchmarked twice would be restored from the cache instead of trained. A
        # new name is a new response (utter_faq/<name>), so every component that a staff
        # member's genuinely new FAQ retrains is retrained here too.
        new_faq = faq_dir / f"parking_{uuid.uuid4().hex[:8]}.yml"
        try:
            if _answered(stack, "bench-faq-before"):
                raise FaqCycleError("the live model already answers the benchmark question")
            # as on the clinic's machine, where `make run` is up: reuse its action server
            env = {**os.environ, "RASA_API_TOKEN": stack.api_token,
                   "ACTION_SERVER_URL": stack.action_url}
            live_measure = _measure_live_model(models_dir, faq_dir, stack)
            started = time.monotonic()
            new_faq.write_text(guide_example(), encoding="utf-8")
            result = subprocess.run(
                [sys.executable, "-m", "staff.retrain", "--faq-dir", str(faq_dir),
                 "--models-dir", str(models_dir), "--rasa-url", stack.rasa_url],
                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise FaqCycleError(f"make retrain failed ({result.returncode}):\n"
                                    f"{result.stdout[-3000:]}{result.stderr[-2000:]}")
            deadline = time.monotonic() + ANSWER_TIMEOUT_S
            while not _answered(stack, f"bench-faq-{time.monotonic():.0f}"):
                if time.monotonic() > deadline:
                    raise FaqCycleError("the server did not answer the new FAQ after retrain")
                time.sleep(1)
            steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
            return FaqCycle(time.monotonic() - started, live_measure, steps)
        finally:
            new_faq.unlink(missing_ok=True)
            stop_stack(stack)


def _measure_live_model(models_dir: Path, faq_dir: Path, stack: Stack) -> float:
    """Measures and caches the live model's figures (as ``make retrain`` does once)."""
    from staff.faq.load import load_faq_folder
    from staff.retrain import cached_live_metrics

    faqs, _ = load_faq_folder(faq_dir)
    started = time.monotonic()
    cached_live_metrics(models_dir / "clinic.tar.gz", faqs, action_url=stack.action_url)
    return time.monotonic() - started


if __name__ == "__main__":
    cycle = measure_faq_cycle()
    print("\n".join(cycle.steps))
    print(f"new FAQ -> live answer: {cycle.seconds:.0f} s "
          f"(one-time measurement of a new live model: {cycle.live_measure_seconds:.0f} s)")
