"""Short, context-free visitor messages: is every one answered, and answered sensibly?

``tests/heldout/short_messages.yml`` holds short messages written apart from the training
data ("ok", "pnf?", "Maria", "???"), each with the category of reply that makes sense
when it is the first message of a conversation. Each message is sent in a fresh
conversation; the turn's outcome is read from the tracker (the actions that ran, the
topic answered, the words said) and compared with what the category accepts. Used by
``make eval`` (docs/nlu-quality.md) and ``tests/server/test_short_messages.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

import yaml

from actions.short_replies import message_kind
from clinic.settings import PROJECT_ROOT

SHORT_MESSAGES_FILE = PROJECT_ROOT / "tests" / "heldout" / "short_messages.yml"
SENSIBLE_TARGET = 0.95
SENSIBLE_MINIMUM = 0.90  # what the test suite enforces (a retrain may move a few)

# category -> outcomes that make sense for it (outcomes: see ``turn_outcome``).
ACCEPTED: Dict[str, FrozenSet[str]] = {
    "greet": frozenset({"utter_greet"}),
    "goodbye": frozenset({"utter_goodbye"}),
    "thanks": frozenset({"utter_you_are_welcome"}),
    "ack": frozenset({"guard:ack", "guard:affirm", "utter_you_are_welcome"}),
    "affirm": frozenset({"guard:affirm", "guard:ack"}),
    "deny": frozenset({"guard:deny", "utter_goodbye"}),
    "bot": frozenset({"utter_iamabot", "human"}),
    "human": frozenset({"human", "callback"}),
    "capabilities": frozenset({"utter_what_i_can_do", "utter_greet"}),
    "booking": frozenset({"booking"}),
    "cancel": frozenset({"cancel", "guard:cancel", "guard:change", "faq:cancellation"}),
    "detail": frozenset({"guard:detail"}),
    "noise": frozenset({"guard:noise", "guard:ack", "unknown", "utter_out_of_scope"}),
    "question_word": frozenset({"guard:question_word", "prompt"}),
    "out_of_scope": frozenset({"utter_out_of_scope", "unknown"}),
    "emergency": frozenset({"emergency"}),
    "choice": frozenset({"guard:choice", "guard:noise", "prompt", "unknown"}),
}
GUARD_ACTIONS = ("action_reply_guard", "action_handle_unclear")
RESPONSES = (
    "utter_greet", "utter_goodbye", "utter_you_are_welcome", "utter_iamabot",
    "utter_what_i_can_do", "utter_out_of_scope",
)


@dataclass(frozen=True)
class ShortMessage:
    """One message and the category of reply that makes sense for it."""

    text: str
    category: str
    topic: Optional[str] = None

    def accepts(self, outcome: str, offered: Sequence[str] = ()) -> bool:
        """Whether ``outcome`` (with the topics ``offered`` as buttons) makes sense."""
        if self.category == "topic":
            return outcome == f"topic:{self.topic}" or (
                outcome in ("clarify", "guard:therapy_choice") and self.topic in offered
            )
        return outcome in ACCEPTED[self.category]


@dataclass(frozen=True)
class ShortResult:
    """What happened to one message."""

    message: ShortMessage
    outcome: str
    answered: bool  # at least one visible message
    offered: Sequence[str] = ()

    @property
    def sensible(self) -> bool:
        """Answered, and with an outcome the category accepts."""
        return self.answered and self.message.accepts(self.outcome, self.offered)


def load_short_messages(path: Path = SHORT_MESSAGES_FILE) -> List[ShortMessage]:
    """Reads the held-out short messages; an unknown category is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    messages = []
    for entry in data.get("messages") or []:
        category = str(entry["category"])
        if category != "topic" and category not in ACCEPTED:
            raise ValueError(f"{path}: unknown category {category!r} for {entry['text']!r}")
        messages.append(ShortMessage(str(entry["text"]), category, entry.get("topic")))
    return messages


def turn_outcome(events: Sequence[Dict[str, Any]], topic_payloads: Dict[str, str]) -> tuple:
    """(outcome, answered, offered topics) of the latest turn, from tracker events (dicts).

    Outcomes: ``emergency`` (911 said), ``topic:<id>`` (a topic answered), ``booking``,
    ``callback``, ``human``, ``cancel``, ``faq:<name>`` (a staff FAQ), a response name, ``guard:<kind>`` (a short reply
    from context), ``clarify`` (did you mean), ``unknown`` (honest "I don't know"),
    ``prompt`` ("what would you like to know?"), or ``other``.
    """
    turn: List[Dict[str, Any]] = []
    for event in reversed(list(events)):
        turn.append(event)
        if event.get("event") == "user":
            break
    turn.reverse()
    user = turn[0] if turn and turn[0].get("event") == "user" else {}
    actions = [e.get("name") for e in turn if e.get("event") == "action"]
    said = [e for e in turn if e.get("event") == "bot"]
    texts = " ".join(e.get("text") or "" for e in said)
    answered = any((e.get("text") or "").strip() or (e.get("data") or {}).get("buttons")
                   for e in said)
    buttons = [b.get("payload") for e in said for b in (e.get("data") or {}).get("buttons") or []]
    offered = [topic for topic, payload in topic_payloads.items() if payload in buttons]
    topic = next((e.get("value") for e in reversed(turn)
                  if e.get("event") == "slot" and e.get("name") == "last_topic"
                  and e.get("value")), None)
    if "911" in texts:
        return "emergency", answered, offered
    if topic:
        return f"topic:{topic}", answered, offered
    for action, outcome in (("action_booking_start", "booking"),
                            ("action_callback_start", "callback"),
                            ("action_offer_human", "human"),
                            ("action_cancel_booking", "cancel")):
        if action in actions:
            return outcome, answered, offered
    if "action_answer_faq" in actions:
        parse = user.get("parse_data") or {}
        decision = parse.get("faq") or {}
        candidates = decision.get("candidates") or [{}]
        name = candidates[0].get("name") if decision.get("decision") == "answer" else ""
        return f"faq:{name or ''}", answered, offered
    for response in RESPONSES:
        if response in actions:
            return response, answered, offered
    if any(a in GUARD_ACTIONS for a in actions):
        parse = user.get("parse_data") or {}
        kind = message_kind(user.get("text"), (parse.get("intent") or {}).get("name"))
        if kind != "other":
            return f"guard:{kind}", answered, offered
        if "Did you mean" in texts:
            return "clarify", answered, offered
        if "don't know that one" in texts:
            return "unknown", answered, offered
    if "What would you like to know?" in texts:
        return "prompt", answered, offered
    return "other", answered, offered


async def run_short_messages(
    agent: Any, messages: Sequence[ShortMessage], prefix: str = "short"
) -> List[ShortResult]:
    """Sends every message in a fresh conversation and reads the turn's outcome."""
    from rasa.shared.core.trackers import EventVerbosity

    from actions.knowledge import knowledge_base

    payloads = {t.id: t.payload for t in knowledge_base().topics.values()}
    stamp = int(time.time() * 1000)
    results = []
    for index, message in enumerate(messages):
        sender = f"{prefix}-{stamp}-{index}"
        await agent.handle_text(message.text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        events = tracker.current_state(EventVerbosity.ALL)["events"] if tracker is not None else []
        outcome, answered, offered = turn_outcome(events, payloads)
        results.append(ShortResult(message, outcome, answered, tuple(offered)))
    return results


def sensible_share(results: Sequence[ShortResult]) -> float:
    """The fraction of messages answered sensibly."""
    return sum(r.sensible for r in results) / len(results) if results else 0.0


def summary_row(results: Sequence[ShortResult]) -> str:
    """The line of the report's summary table."""
    share = sensible_share(results)
    right = sum(r.sensible for r in results)
    silent = sum(not r.answered for r in results)
    mark = "met" if share >= SENSIBLE_TARGET else "not met"
    return (
        f"| short context-free messages answered sensibly (`tests/heldout/short_messages.yml`; "
        f"{silent} without any reply) | {share:.3f} ({right}/{len(results)}) | "
        f"≥ {SENSIBLE_TARGET:.2f}, tests fail below {SENSIBLE_MINIMUM:.2f} ({mark}) |"
    )


def render_section(results: Sequence[ShortResult]) -> List[str]:
    """The report's section: per category, and every message not answered sensibly."""
    lines = [
        "",
        "## Short context-free messages (first message of a conversation)",
        "",
        "Source: `tests/heldout/short_messages.yml`, written apart from the training data. "
        "A reply is sensible when its outcome is one the message's category accepts "
        "(`staff/short_messages.py`, `ACCEPTED`); every message must get a reply.",
        "",
        "| category | sensible | messages |",
        "|---|---|---|",
    ]
    categories: Dict[str, List[ShortResult]] = {}
    for result in results:
        categories.setdefault(result.message.category, []).append(result)
    for category, group in sorted(categories.items()):
        lines.append(f"| {category} | {sum(r.sensible for r in group)} | {len(group)} |")
    lines += ["", "### Not answered sensibly", ""]
    misses = [r for r in results if not r.sensible]
    if not misses:
        return lines + ["None."]
    lines += ["| message | category | outcome |", "|---|---|---|"]
    for miss in misses:
        text = miss.message.text.replace("|", "\\|")
        category = miss.message.category + (f" ({miss.message.topic})" if miss.message.topic else "")
        lines.append(f"| {text} | {category} | {miss.outcome} |")
    return lines
