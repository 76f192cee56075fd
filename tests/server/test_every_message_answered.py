"""Every visitor message gets a visible reply, in every conversation state (issue 15).

Each of the domain's intents (sent as a button payload, so the NLU cannot blur it) and a
set of typed short messages is sent in each state: first message, after a therapy answer,
inside the booking form, after a completed booking, after an emergency message, after an
unclear message. Every one must get at least one message with text or buttons, no reply
may say the same thing twice, and none may mention 911 unless the message itself is an
emergency or a crisis (the one-time health disclaimer aside).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Sequence, Tuple

import pytest
import yaml
from rasa.shared.core.domain import Domain

from tests.server.helpers import ROOT

# How each state is reached (messages sent first, in a fresh conversation).
BOOKING = [
    "/request_booking",
    "Dana Whitfield",
    "(310) 555-0134",
    '/choose_therapy{"therapy":"FMM"}',
    "weekday evenings",
    "skip",
    "/affirm",
    "/affirm",
]
STATES: Dict[str, List[str]] = {
    "first message": [],
    "after an answer": ["/ask_nmt_overview"],
    "in the booking form": ["/request_booking"],
    "after a booking": BOOKING,
    "after an emergency": ["I have crushing chest pain spreading to my left arm"],
    "after an unclear message": ["qwzx blorf vintage"],
}
TYPED = [
    "ok", "yes", "no", "sure", "got it", "hmm", "cool", "?", "...", "Maria",
    "maria@example.com", "310 555 0134", "monday at 3pm", "the first one", "both",
    "why?", "lol",
]
EMERGENCY_INTENTS = {"emergency", "crisis"}
# The one-time health note ("... In an emergency, call 911.") shown before the first health
# reply is a standing disclaimer, not an emergency reply: it is left out of the 911 check.
DISCLAIMER = " ".join(
    yaml.safe_load((ROOT / "clinic" / "safety" / "messages.yml").read_text())["disclaimer"].split()
)


def _intents() -> List[str]:
    domain = Domain.load(str(ROOT / "domain"))
    return sorted(i for i in domain.intents if i not in ("faq",))


def _visible(messages: Sequence[Dict[str, Any]]) -> bool:
    return any((m.get("text") or "").strip() or m.get("buttons") for m in messages)


def _all_text(messages: Sequence[Dict[str, Any]]) -> str:
    """Everything said, without the health disclaimer."""
    said = (" ".join((m.get("text") or "").split()) for m in messages)
    return " ".join(text for text in said if text != DISCLAIMER)


def _converse(stack: Any, state: str, message: str) -> Tuple[str, str, List[Dict[str, Any]]]:
    sender = f"every-{uuid.uuid4().hex[:12]}"
    for earlier in STATES[state]:
        assert _visible(stack.rest(sender, earlier)), f"no reply to {earlier!r} ({state})"
    return state, message, stack.rest(sender, message)


@pytest.mark.parametrize("state", list(STATES))
def test_every_intent_and_short_message_gets_a_visible_reply(stack: Any, state: str) -> None:
    intents = _intents()
    assert {"affirm", "deny", "inform_booking", "greet", "emergency"} <= set(intents)
    messages = [f"/{intent}" for intent in intents] + TYPED
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda text: _converse(stack, state, text), messages))

    silent = [message for _, message, said in results if not _visible(said)]
    assert not silent, f"{state}: no visible reply to {silent}"
    alarming = [
        message
        for _, message, said in results
        if "911" in _all_text(said) and message.lstrip("/") not in EMERGENCY_INTENTS
    ]
    assert not alarming, f"{state}: 911 mentioned although not due, after {alarming}"
    repeated = [
        message
        for _, message, said in results
        if len([m.get("text") for m in said]) != len({m.get("text") for m in said})
    ]
    assert not repeated, f"{state}: the same message sent twice in one reply to {repeated}"
