"""Runs rasa-sdk's action server bound to ``ACTION_HOST`` (localhost by default)."""

from __future__ import annotations

import os
import sys

from clinic.privacy import install_log_redaction
from clinic.settings import Settings


def main() -> None:
    """``python -m clinic.action_server`` == ``rasa run actions`` on ACTION_HOST:ACTION_PORT."""
    settings = Settings.from_env()
    install_log_redaction()
    os.environ["SANIC_HOST"] = settings.action_host  # read by rasa_sdk.endpoint.run
    from rasa_sdk.__main__ import main as sdk_main

    sys.argv = ["rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)]
    sdk_main()


if __name__ == "__main__":
    main()
