"""No personal data in the logs: real conversations, then every log line is scanned.

A fake visitor types a name, a phone number, an e-mail address and health details into the
running stack (free chat, a contraindication with consent, an emergency, and a complete
booking request that the worker delivers); none of it may appear in ``stack.log_path``,
which holds the combined output of every server.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

NAME = "Zebulon Quartermaine"
PHONE = "(310) 555-0199"
EMAIL = "zq.test@example.org"
HEALTH = "Scheuermann"  # a health detail nobody else's test types
FORBIDDEN = (
    "Zebulon", "Quartermaine", "555-0199", "5550199", "555 0199", "555.0199",
    "zq.test", "example.org", HEALTH, "20 weeks pregnant",
)

# The booking form's questions (actions/booking/messages.py) and what the visitor answers.
ANSWERS = (
    ("what name", NAME),
    ("how can the clinic reach you", f"{PHONE} or {EMAIL}"),
    ("which therapy", "FMM"),
    ("which days and times", "next Tuesday afternoon"),
    ("what would you most like help with", f"my {HEALTH}'s disease makes my upper back ache"),
    ("may the clinic contact you", "yes"),
    ("shall i send it", "/affirm"),
)


def _texts(messages: List[Dict[str, Any]]) -> str:
    return " ".join((m.get("text") or "") for m in messages).lower()


def _answer_for(bot_text: str) -> str:
    for question, answer in ANSWERS:
        if question in bot_text:
            return answer
    return ""


def _book(stack: Any, sender: str) -> List[str]:
    """Drives the booking form to the end; returns the bot texts seen."""
    seen = [_texts(stack.rest(sender, "/request_booking"))]
    for _ in range(12):
        answer = _answer_for(seen[-1])
        if not answer:
            break
        seen.append(_texts(stack.rest(sender, answer)))
    return seen


def _wait_for_delivery(outbox: Path, timeout: float = 60.0) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            lines = [json.loads(line) for line in outbox.read_text().splitlines() if line.strip()]
            mine = [line for line in lines if HEALTH in json.dumps(line)]
            if mine:
                return mine
        time.sleep(1)
    return []


def test_no_personal_data_reaches_the_logs(stack: Any) -> None:
    chat = f"privacy-chat-{uuid.uuid4().hex}"
    stack.rest(chat, "hello")
    stack.rest(chat, f"Hi, I'm {NAME}. Call me on {PHONE} or write to {EMAIL}.")
    stack.rest(chat, f"I have {HEALTH}'s disease, do I have sciatica too?")
    offer = stack.rest(chat, f"I'm 20 weeks pregnant and have {HEALTH}'s disease, is FMM ok?")
    assert "check with your doctor" in _texts(offer)
    stack.rest(chat, "/consent_health_note")
    emergency = stack.rest(chat, f"this is {NAME}, I can't breathe")
    assert "911" in _texts(emergency)

    booking = f"privacy-booking-{uuid.uuid4().hex}"
    seen = _book(stack, booking)
    assert any("request has been received" in text for text in seen), seen
    delivered = _wait_for_delivery(Path(stack.env["BOOKING_LOCAL_OUTBOX"]))
    assert delivered, "the booking request was not delivered, so its logging was not exercised"

    time.sleep(2)  # let every server flush its log
    lines = stack.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    assert len(lines) > 10, "the stack log is unexpectedly empty"
    leaks = [
        (number, datum, line)
        for number, line in enumerate(lines, start=1)
        for datum in FORBIDDEN
        if datum.lower() in line.lower()
    ]
    assert leaks == [], "personal data in the logs:\n" + "\n".join(
        f"line {number}: {datum!r}" for number, datum, _ in leaks
    )
