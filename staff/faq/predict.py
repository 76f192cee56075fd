"""Loading a trained model in a staff command (``make retrain``'s tests of a candidate):
quietly, with the project's speed-ups and log redaction. Slow (10-20 s): once per command.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # pragma: no cover - typing only; rasa is imported lazily (slow)
    from rasa.core.agent import Agent


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
