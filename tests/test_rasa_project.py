"""The Rasa project itself: data validation and the test stories, as Rasa's CLI runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).with_name("rasa"))


def _run(args: list, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    return subprocess.run([RASA, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_data_validates_without_warnings() -> None:
    result = _run(["data", "validate", "--domain", "domain", "--data", "data",
                   "--config", "config.yml", "--fail-on-warnings"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_stories_pass_with_fail_on_prediction_errors(tmp_path: Path) -> None:
    result = _run(["test", "core", "--model", "models/clinic.tar.gz", "--stories",
                   "tests/stories", "--fail-on-prediction-errors", "--out", str(tmp_path)])
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details[-4000:] + result.stdout[-2000:] + result.stderr[-2000:]
    assert "None of the test stories failed" in details or not details.strip("# \n")
