"""``python -m staff.console``: serves the staff console (``make run`` starts it)."""

from __future__ import annotations

import logging
import sys

from staff.console.app import create_app
from staff.console.config import ConsoleSettings


def main() -> int:
    """Reads the settings and serves until SIGINT/SIGTERM."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s staff console: %(message)s"))
    logger = logging.getLogger("staff.console")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        settings = ConsoleSettings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app = create_app(settings)
    print(f"staff console on http://{settings.interface}:{settings.port}/", flush=True)
    app.run(host=settings.interface, port=settings.port, workers=1, access_log=False,
            debug=False, auto_reload=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
