"""Asking a trained model what it makes of a text (used by the FAQ check and retraining).

``prediction_from_parse`` is pure (a parse result in, a ``Prediction`` out); loading a model
is slow (10-20 s) and done once per command, on demand. When the running Rasa server has the
very same model loaded (same ``model_id``), ``ServerParser`` asks it instead, through Rasa's
authenticated ``POST /model/parse``, which takes milliseconds instead of a model load.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Optional, Protocol, Set

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
    faq: Optional[str] = None  # FAQ name ("parking") when the intent is the FAQ intent
    faq_confidence: float = 0.0

    @property
    def label(self) -> str:
        """``faq/parking`` for FAQs, the intent name otherwise."""
        return f"{FAQ_INTENT}/{self.faq}" if self.intent == FAQ_INTENT and self.faq else self.intent


def prediction_from_parse(parse: Mapping[str, Any]) -> Prediction:
    """Reads intent and response-selector results from a Rasa parse result."""
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or "")
    faq: Optional[str] = None
    faq_confidence = 0.0
    selector = (parse.get("response_selector") or {}).get(FAQ_INTENT) or {}
    response = selector.get("response") or {}
    key = response.get("intent_response_key") or ""
    if name == FAQ_INTENT and key.startswith(f"{FAQ_INTENT}/"):
        faq = key.split("/", 1)[1]
        faq_confidence = float(response.get("confidence") or 0.0)
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


def model_faq_names(agent: "Agent") -> Set[str]:
    """Names of the FAQs a model was trained with (from its ``utter_faq/<name>`` responses)."""
    prefix = f"utter_{FAQ_INTENT}/"
    return {name[len(prefix):] for name in agent.domain.responses if name.startswith(prefix)}


def model_id_of(model: Path) -> Optional[str]:
    """The ``model_id`` in a Rasa model archive's ``metadata.json`` (``None`` if unreadable).

    Reads that one member in memory; nothing is extracted.
    """
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = archive.extractfile("metadata.json")
            if member is None:
                return None
            model_id = json.load(member).get("model_id")
    except (OSError, KeyError, ValueError, tarfile.TarError, AttributeError):
        return None
    return str(model_id) if model_id else None


class ServerParser:
    """Parses texts with the model the running Rasa server has loaded (its HTTP API)."""

    def __init__(self, url: str, token: Optional[str], timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        query = "?" + urllib.parse.urlencode({"token": self.token}) if self.token else ""
        request = urllib.request.Request(
            f"{self.url}{path}{query}",
            data=json.dumps(body).encode("utf-8") if body is not None else None,
            headers={"Content-Type": "application/json"},
            method="POST" if body is not None else "GET",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))

    def loaded_model_id(self) -> Optional[str]:
        """The ``model_id`` the server has loaded; ``None`` when it cannot be asked."""
        try:
            status = self._call("/status")
        except (urllib.error.URLError, OSError, ValueError):
            return None
        model_id = status.get("model_id") if isinstance(status, dict) else None
        return str(model_id) if model_id else None

    async def parse_message(self, text: str) -> Dict[str, Any]:
        """Same result as ``Agent.parse_message`` (the server runs the same code)."""
        result = self._call("/model/parse", {"text": text})
        if not isinstance(result, dict):
            raise ValueError("the server's parse result is not an object")
        return result


def server_parser_for(model: Path, url: str, token: Optional[str]) -> Optional[ServerParser]:
    """A ``ServerParser`` when the server at ``url`` has exactly ``model`` loaded."""
    wanted = model_id_of(model)
    if wanted is None:
        return None
    parser = ServerParser(url, token)
    return parser if parser.loaded_model_id() == wanted else None
