"""Asking a trained model what it makes of a text (used by evaluation and retraining).

``prediction_from_parse`` is pure (a parse result in, a ``Prediction`` out); loading a model
is slow (10-20 s) and done once per command, on demand.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Optional, Protocol

from clinic.faq.model import FAQ_INTENT

if TYPE_CHECKING:  # pragma: no cover - typing only; rasa is imported lazily (slow)
    from rasa.core.agent import Agent


class Parser(Protocol):
    """Anything that reads a text like ``Agent.parse_message`` (an Agent, a ServerParser)."""

    async def parse_message(self, message_data: str) -> Dict[str, Any]:
        """Rasa's parse result for the text."""


@dataclass(frozen=True)
class Prediction:
    """What the assistant understood: the intent and, for FAQs, which one."""

    intent: str
    confidence: float
    faq: Optional[str] = None  # FAQ name ("parking") when an FAQ answers
    faq_confidence: float = 0.0

    @property
    def label(self) -> str:
        """``faq/parking`` for FAQs, the intent name otherwise."""
        return f"{FAQ_INTENT}/{self.faq}" if self.intent == FAQ_INTENT and self.faq else self.intent


def prediction_from_parse(parse: Mapping[str, Any]) -> Prediction:
    """Reads the intent and, for FAQs, the FaqRetriever's answer from a Rasa parse result
    (``faq``: clinic/nlu/faq_retriever.py); a "Did you mean" choice names no single FAQ."""
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or "")
    faq: Optional[str] = None
    faq_confidence = 0.0
    decision = parse.get("faq") or {}
    candidates = decision.get("candidates") or []
    if name == FAQ_INTENT and decision.get("decision") == "answer" and candidates:
        faq = str(candidates[0].get("name"))
        faq_confidence = float(candidates[0].get("score") or 0.0)
    return Prediction(name, float(intent.get("confidence") or 0.0), faq, faq_confidence)


def _no_warning(*_args: Any, **_kwargs: Any) -> None:
    return None


def quiet_rasa() -> None:
    """Keeps Rasa's and TensorFlow's chatter (and message texts) out of a command's output."""
    # Rasa, TensorFlow and friends add their own warning filters while they are imported,
    # ahead of any of ours: silence the printing itself (a command for staff, not a library).
    warnings.showwarning = _no_warning
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    from rasa.utils.log_utils import configure_structlog

    from clinic.privacy import install_log_redaction

    install_log_redaction()
    configure_structlog(logging.WARNING)
    for name in ("tensorflow", "absl", "matplotlib", "sanic", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Rasa logs ERRORs for things this command reports itself in plain words (a model older
    # than the test stories, an unknown slot): keep them out of the staff's terminal.
    logging.getLogger("rasa").setLevel(logging.CRITICAL)


def load_agent(model: Path, action_url: Optional[str] = None) -> "Agent":
    """Loads a trained model in-process (in-memory tracker store; custom actions run on
    ``action_url`` when given, otherwise it is only good for parsing)."""
    quiet_rasa()
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from clinic import rasa_speedups

    rasa_speedups.install()

    endpoint = EndpointConfig(url=action_url) if action_url else None
    return Agent.load(str(model), action_endpoint=endpoint)


async def predict_all(agent: "Parser", texts: Iterable[str]) -> Dict[str, Prediction]:
    """Parses each distinct text once."""
    results: Dict[str, Prediction] = {}
    for text in texts:
        if text not in results:
            results[text] = prediction_from_parse(await agent.parse_message(text))
    return results
