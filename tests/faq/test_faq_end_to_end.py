"""An FAQ added end to end, as staff do it, on a running server under traffic.

File -> ``make retrain`` (``python -m staff.retrain``: no training for an FAQ-only change,
the gate, a new version in the FAQ store) -> the running server answers it, while 20 other
conversations go on (one of them in the middle of the booking form); then ``make rollback``
(``python -m staff.faq.publish rollback``) takes it away again. Works on a scratch copy of
``faq/`` and ``models/`` and on the test stack's own database; the rollback at the end leaves
the stack's FAQs as they were for the other tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

from bench.faq_cycle import ANSWER, guide_example
from clinic.devstack import Stack
from clinic.settings import PROJECT_ROOT

LIVE = PROJECT_ROOT / "models" / "clinic.tar.gz"
UNLISTED = "I'm driving there, where should I leave the car"  # not a wording of the FAQ
TARGET_S = 15.0  # issue 16: saved FAQ -> answering on the running bot
BACKGROUND = 20
CHAT = ("hi", "what is nmt", "tell me more", "how is fmm different", "thanks")


def texts(messages: List[dict]) -> str:
    return " ".join(str(message.get("text", "")) for message in messages)


def run(args: List[str], stack: Stack) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


class Traffic:
    """``BACKGROUND`` visitors chatting in a loop until stopped; every reply is recorded."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.turns: Dict[str, int] = {}
        self.silent: List[str] = []
        self.errors: List[str] = []
        self.threads = [
            threading.Thread(target=self._visitor, args=(f"bg-{n}-{uuid.uuid4().hex[:6]}",))
            for n in range(BACKGROUND)
        ]

    def _visitor(self, sender: str) -> None:
        turn = 0
        while not self.stop.is_set() and turn < 200:
            text = CHAT[turn % len(CHAT)]
            try:
                replies = self.stack.rest(sender, text, timeout=60)
            except Exception as error:  # noqa: BLE001 - recorded and asserted on
                self.errors.append(f"{sender}: {type(error).__name__}")
                return
            if not texts(replies).strip():
                self.silent.append(f"{sender}: {text}")
            turn += 1
            self.turns[sender] = turn
            time.sleep(0.2)

    def __enter__(self) -> "Traffic":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def answered_within(stack: Stack, sender: str, text: str, limit_s: float,
                    expected: bool) -> float:
    """Seconds until ``text`` gets (``expected``) or stops getting the new FAQ's answer."""
    started = time.monotonic()
    while True:
        got = ANSWER in texts(stack.rest(sender, text))
        if got == expected:
            return time.monotonic() - started
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"after {limit_s} s, the answer is still "
                                 f"{'missing' if expected else 'there'}")
        time.sleep(0.5)


def test_new_faq_goes_live_in_seconds_under_traffic_and_rolls_back(
        stack: Stack, tmp_path: Path) -> None:
    faq_dir, models_dir = tmp_path / "faq", tmp_path / "models"
    shutil.copytree(PROJECT_ROOT / "faq", faq_dir)
    models_dir.mkdir()
    shutil.copy(LIVE, models_dir / "clinic.tar.gz")
    sender = f"faq-e2e-{uuid.uuid4().hex[:8]}"
    assert ANSWER not in texts(stack.rest(sender, UNLISTED))

    booking = f"faq-e2e-booking-{uuid.uuid4().hex[:8]}"
    first = texts(stack.rest(booking, "I'd like to book an NMT session"))
    assert "name" in first.lower(), first

    with Traffic(stack) as traffic:
        time.sleep(2)  # the visitors are talking
        (faq_dir / "parking.yml").write_text(guide_example(), encoding="utf-8")
        saved = time.monotonic()
        published = run(["-m", "staff.retrain", "--faq-dir", str(faq_dir), "--models-dir",
                         str(models_dir)], stack)
        assert published.returncode == 0, published.stdout[-4000:] + published.stderr[-4000:]
        assert "no training needed" in published.stdout
        assert "Published FAQ version" in published.stdout
        answered_within(stack, sender, UNLISTED, 60, expected=True)
        live_after = time.monotonic() - saved
        # the visitor in the middle of the booking form carries on where they were
        next_question = texts(stack.rest(booking, "Maria Lopez"))
        assert "name" not in next_question.lower() and next_question.strip(), next_question

        rolled = run(["-m", "staff.faq.publish", "rollback"], stack)
        assert rolled.returncode == 0, rolled.stdout + rolled.stderr
        answered_within(stack, f"{sender}-after", UNLISTED, 30, expected=False)
        time.sleep(1)

    assert not traffic.errors, traffic.errors[:5]
    assert not traffic.silent, traffic.silent[:5]
    assert len(traffic.turns) == BACKGROUND and min(traffic.turns.values()) >= 2
    assert not (PROJECT_ROOT / "faq" / "parking.yml").exists()  # the real folder untouched
    assert live_after <= TARGET_S, f"the new FAQ answered {live_after:.1f} s after saving"
