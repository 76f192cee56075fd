"""An FAQ added end to end, as staff do it: file -> check -> retrain -> the running server answers.

Trains a model (1-3 minutes). Everything is written to a scratch copy of ``faq/`` and
``models/``; the new model is published into the shared test stack through Rasa's model API
and rolled back at the end, so the other tests keep talking to the original model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import List

from bench.faq_cycle import ANSWER, guide_example
from clinic.devstack import Stack
from clinic.settings import PROJECT_ROOT

LIVE = PROJECT_ROOT / "models" / "clinic.tar.gz"


def texts(messages: List[dict]) -> str:
    return " ".join(str(message.get("text", "")) for message in messages)


def run(args: List[str], stack: Stack) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_API_TOKEN": stack.api_token, "RASA_TELEMETRY_ENABLED": "false",
           "ACTION_SERVER_URL": stack.action_url}  # the held-out questions use its actions
    return subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def tracker_events(stack: Stack, sender: str) -> List[dict]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (localhost)
        return json.loads(response.read())["events"]


def test_new_faq_goes_live_without_restart_and_rolls_back(stack: Stack, tmp_path: Path) -> None:
    faq_dir, models_dir = tmp_path / "faq", tmp_path / "models"
    shutil.copytree(PROJECT_ROOT / "faq", faq_dir)
    models_dir.mkdir()
    shutil.copy(LIVE, models_dir / "clinic.tar.gz")
    cached = PROJECT_ROOT / "models" / "live-metrics.json"
    if cached.exists():  # figures of the same model: saves measuring it again
        shutil.copy(cached, models_dir / "live-metrics.json")

    sender = f"faq-e2e-{uuid.uuid4().hex[:8]}"
    before = texts(stack.rest(sender, "where can I park?"))
    assert ANSWER not in before

    (faq_dir / "parking.yml").write_text(guide_example(), encoding="utf-8")
    checked = run(["-m", "staff.faq.check", "--faq-dir", str(faq_dir),
                   "--model", str(models_dir / "clinic.tar.gz")], stack)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All good" in checked.stdout

    try:
        retrained = run(["-m", "staff.retrain", "--faq-dir", str(faq_dir), "--models-dir",
                         str(models_dir), "--rasa-url", stack.rasa_url], stack)
        assert retrained.returncode == 0, retrained.stdout[-4000:] + retrained.stderr[-4000:]
        assert "Done: the new model is live" in retrained.stdout
        assert not (PROJECT_ROOT / "faq" / "parking.yml").exists()  # the real folder untouched

        after = texts(stack.rest(sender, "where can I park?"))
        assert ANSWER in after
        assert "{" not in after and "None" not in after
        # the conversation from before the swap carried on: its first message is still there
        users = [e.get("text") for e in tracker_events(stack, sender) if e["event"] == "user"]
        assert users == ["where can I park?", "where can I park?"]
    finally:
        if (models_dir / "previous.tar.gz").exists():
            rolled = run(["-m", "staff.retrain", "--rollback", "--models-dir",
                          str(models_dir), "--rasa-url", stack.rasa_url], stack)
            assert rolled.returncode == 0, rolled.stdout + rolled.stderr

    assert (models_dir / "clinic.tar.gz").read_bytes() == LIVE.read_bytes()
    again = texts(stack.rest(f"{sender}-after", "where can I park?"))
    assert ANSWER not in again
