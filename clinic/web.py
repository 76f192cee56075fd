"""Serves the demo clinic page (``web/``) on WEB_PORT for ``make run``.

The page embeds the widget exactly as a clinic would, with one script tag.
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from clinic.settings import PROJECT_ROOT, Settings

WEB_ROOT = PROJECT_ROOT / "web"


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files from ``web/``; no request logging (paths could carry data)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def main() -> int:
    """Serves until interrupted."""
    settings = Settings.from_env()
    handler = functools.partial(QuietHandler, directory=str(WEB_ROOT))
    server = ThreadingHTTPServer((settings.web_interface, settings.web_port), handler)
    print(f"demo page on http://{settings.web_interface}:{settings.web_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
