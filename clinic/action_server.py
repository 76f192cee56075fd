"""Runs rasa-sdk's action server bound to ``ACTION_HOST`` (localhost by default)."""

from __future__ import annotations

import os
import sys

from clinic.privacy import install_log_redaction
from clinic.settings import Settings


def block_tensorflow() -> None:
    """Keeps TensorFlow out of the action server.

    The actions need no neural network, and normally no spaCy either (the content search's
    lemmas come from the build and the parse data, clinic/nlp/search_terms.py); only a text
    without precomputed terms loads spaCy. thinc, spaCy's ML library, then imports
    TensorFlow whenever it is installed (Rasa needs it), which costs ~350 MiB of memory and
    ~2 s of start-up here (measured: 463 -> 119 MiB for ``import spacy`` + our pipeline).
    Marking the module as absent makes thinc skip it.
    """
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]


def main() -> None:
    """``python -m clinic.action_server`` == ``rasa run actions`` on ACTION_HOST:ACTION_PORT."""
    block_tensorflow()
    settings = Settings.from_env()
    install_log_redaction()
    os.environ["SANIC_HOST"] = settings.action_host  # read by rasa_sdk.endpoint.run
    from rasa_sdk.__main__ import main as sdk_main

    sys.argv = ["rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)]
    sdk_main()


if __name__ == "__main__":
    main()
