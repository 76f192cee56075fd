"""Simulated visitors: scripted conversations through the balancer, over REST here and over
socket.io in ``socket_visitor``.

A visitor behaves like the widget: it sends one message, waits for the reply, and when a
request fails (connection error, 5xx, timeout, or the "one moment, please try again" reply)
it sends the same message once more. Every failure is counted, with the HTTP status, so a
test can demand "at most one failed request per conversation" and "zero 5xx".
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp

from actions.booking import messages as m
from clinic.channels.text import LAST_RESORT_REPLY

TURN_TIMEOUT_S = 60.0
RETRY_AFTER_S = 2.0  # a visitor sends a failed message again after this long
# Replies that mean "this did not work, try again": counted as failed requests.
TRY_AGAIN = (LAST_RESORT_REPLY, m.STORE_FAILED.split(" {contact}")[0])
FIRST_NAMES = ("Dana", "Ana", "Marcus", "Priya", "Tomasz", "Leila", "Hiro", "Grace", "Omar",
               "Sofia", "Jonas", "Amara", "Diego", "Ingrid", "Kwame", "Mei", "Rafael",
               "Yara", "Elena", "Felix", "Nadia", "Oscar", "Paula", "Quentin", "Rosa")
LAST_NAMES = ("Whitfield", "Okafor", "Lindqvist")

# (message, text the reply must contain); booking steps are added per visitor.
QUESTIONS: Tuple[Tuple[str, str], ...] = (
    ("hello", "virtual assistant"),
    ("what is nmt?", "Neuromuscular Therapy"),
    ("what is fmm?", "Functional Muscle Manipulation"),
    ("what's the difference between nmt and fmm?", "NMT"),
    ("tell me more", "NMT"),
    ("how much does a session cost?", "current prices"),
    ("are you a bot?", "virtual assistant"),
    ("do you take insurance?", "insurance"),
    ("how long is a session?", "how long"),
    ("what should I wear?", "wear"),
    ("thanks!", ""),
    ("can massage help with back pain?", ""),
)


def visitor_name(index: int) -> str:
    """A distinct, plausible name for visitor ``index`` (no digits: names never have any)."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"


def visitor_phone(index: int) -> Tuple[str, str]:
    """(as typed, as the assistant repeats it) for visitor ``index``."""
    number = f"{100 + index:04d}"
    return f"(310) 555-{number}", f"+1310555{number}"


def booking_steps(index: int) -> List[Tuple[str, str]]:
    """The booking conversation of visitor ``index``: the summary names only them."""
    name = visitor_name(index)
    typed, e164 = visitor_phone(index)
    return [
        ("I'd like to book a session for FMM", m.ASK[m.NAME]),
        (name, m.ASK[m.CONTACT]),
        (typed, m.ASK[m.TIMES].split(" For")[0]),
        ("weekday evenings", "optional"),
        ("skip", e164),
        ("/affirm", f"- Name: {name}\n"),
        ("/affirm", m.RECEIVED.format(name=name)),
    ]


def conversation(index: int, questions: int) -> List[Tuple[str, str]]:
    """``questions`` questions (cycling through ``QUESTIONS``), then a whole booking."""
    asked = [QUESTIONS[(index + i) % len(QUESTIONS)] for i in range(questions)]
    return asked + booking_steps(index)


@dataclass
class Outcome:
    """What one visitor saw."""

    sender: str
    failures: List[str] = field(default_factory=list)  # one entry per failed request
    statuses: List[int] = field(default_factory=list)  # HTTP status of every response
    latencies: List[float] = field(default_factory=list)  # seconds per successful turn
    replies: List[str] = field(default_factory=list)  # the text of every answered turn
    unexpected: List[Tuple[str, str]] = field(default_factory=list)  # (sent, got)

    @property
    def server_errors(self) -> int:
        return sum(1 for status in self.statuses if status >= 500)


def joined(messages: Sequence[Dict[str, Any]]) -> str:
    """All texts of one reply."""
    return "\n".join(message.get("text") or "" for message in messages)


async def rest_turn(session: aiohttp.ClientSession, url: str, sender: str, text: str,
                    outcome: Outcome) -> Optional[str]:
    """One REST request; the reply's text, or ``None`` (counted as a failure)."""
    started = time.monotonic()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)) as reply:
            outcome.statuses.append(reply.status)
            if reply.status != 200:
                outcome.failures.append(f"HTTP {reply.status}")
                return None
            said = joined(await reply.json())
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        outcome.failures.append(type(error).__name__)
        return None
    if not said.strip():
        outcome.failures.append("empty reply")
        return None
    if any(marker in said for marker in TRY_AGAIN):
        outcome.failures.append(f"try-again reply: {said[:60]}")
        return None
    outcome.latencies.append(time.monotonic() - started)
    return said


@dataclass
class Pacing:
    """How a visitor moves on: a pause between turns, an optional gate, progress reports."""

    pause: float = 0.0
    gate: Optional[asyncio.Event] = None  # waited for before step ``gate_at``
    gate_at: int = 0
    on_step: Optional[Callable[[int], None]] = None  # called with the steps done so far


async def run_steps(turn: Callable[[str, str], Awaitable[Optional[str]]],
                    steps: Sequence[Tuple[str, str]], outcome: Outcome,
                    pacing: Pacing) -> Outcome:
    """Runs ``steps`` like a person at the widget would.

    A failed turn is sent once more (as the widget does). When the assistant asks again a
    question answered before (the answer was lost), the visitor answers it again, once per
    conversation; both count as failed requests.
    """
    number, answered_again = 0, False
    while number < len(steps):
        if pacing.on_step:
            pacing.on_step(number)
        if pacing.gate is not None and number == pacing.gate_at:
            await pacing.gate.wait()
        text, expected = steps[number]
        said = await turn(text, expected)
        if said is None:
            await asyncio.sleep(RETRY_AFTER_S)
            said = await turn(text, expected)
        if said is not None and expected not in said and not answered_again:
            back = asked_again(steps, number, said)
            if back is not None:
                outcome.failures.append(f"asked again for step {back} at step {number}")
                number, answered_again = back, True
                continue
        record(outcome, text, expected, said)
        number += 1
        await asyncio.sleep(pacing.pause)
    if pacing.on_step:
        pacing.on_step(len(steps))
    return outcome


def asked_again(steps: Sequence[Tuple[str, str]], number: int, said: str) -> Optional[int]:
    """The step whose question ``said`` asks again (``None``: it asks none of them).

    Step ``j`` answers the question that step ``j - 1``'s reply asked.
    """
    for j in range(number, 0, -1):
        question = steps[j - 1][1]
        if question and question in said:
            return j
    return None


async def rest_visitor(url: str, sender: str, steps: Sequence[Tuple[str, str]],
                       pacing: Optional[Pacing] = None) -> Outcome:
    """Runs ``steps`` over REST."""
    outcome = Outcome(sender)
    # A new connection per request: a browser resends a request whose idle keep-alive
    # connection the balancer had closed; aiohttp would report it as a failure.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)
                                     ) as session:

        async def turn(text: str, _expected: str) -> Optional[str]:
            return await rest_turn(session, url, sender, text, outcome)

        return await run_steps(turn, steps, outcome, pacing or Pacing())


def record(outcome: Outcome, sent: str, expected: str, said: Optional[str]) -> None:
    """Keeps the reply; a reply without the expected text is noted as unexpected."""
    outcome.replies.append(said or "")
    if said is None or expected not in said:
        outcome.unexpected.append((sent, (said or "")[:300]))


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values`` (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
