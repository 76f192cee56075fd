"""Trains the assistant (``make train``) and records how long it took.

Training time is written to ``var/last-train.json`` so ``make bench`` can report it for this
machine without training again.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from clinic.settings import PROJECT_ROOT

TRAIN_RECORD = PROJECT_ROOT / "var" / "last-train.json"


def train_command(
    out: Path, name: str = "clinic", data: Optional[List[str]] = None, validate: bool = True
) -> List[str]:
    """The ``rasa train`` command line for this project.

    ``validate=False`` skips Rasa's own check of domain and data (~15 s here); ``make
    retrain`` uses it because it has just checked the only files staff change (``faq/``),
    while ``make train``, ``make validate`` and the test suite check everything.

    It runs Rasa's CLI through ``clinic.rasa_main``, as the servers do: skops is imported
    before Rasa and TensorFlow there, which takes ~6 s off saving the intent classifier
    (``clinic.rasa_speedups``), and the log redaction is the servers'.
    """
    cmd = [sys.executable, "-m", "clinic.rasa_main", "train", "--config", "config.yml",
           "--domain", "domain",
           "--out", str(out), "--fixed-model-name", name]
    cmd += ["--data", *(data or ["data"])]
    if not validate:
        cmd.append("--skip-validation")
    return cmd


def main() -> int:
    """Runs ``rasa train`` and stores the timing."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    cmd = train_command(PROJECT_ROOT / "models")
    cache = PROJECT_ROOT / ".rasa" / "cache"
    # Rasa reuses cached components whose inputs did not change: record which kind of run
    # this was, so benchmarks never present an incremental retrain as a full training.
    warm = cache.is_dir() and any(cache.iterdir())
    print("==> training the assistant (about 45-50 s on 2 cores from scratch, less when "
          "Rasa can reuse what did not change)")
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=PROJECT_ROOT)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        return result.returncode
    TRAIN_RECORD.parent.mkdir(parents=True, exist_ok=True)
    TRAIN_RECORD.write_text(json.dumps({
        "seconds": round(seconds, 1),
        "kind": "incremental" if warm else "cold",
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }))
    # make compares timestamps: touch so an unchanged model still counts as fresh.
    (PROJECT_ROOT / "models" / "clinic.tar.gz").touch()
    print(f"==> trained in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
