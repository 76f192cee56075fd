"""``GET /health`` for the project's background processes (booking worker, analytics consumer).

The launcher (``make run``, the cluster) waits for a process's health check before it calls
it started, and polls it afterwards. ``start_health_server`` serves one JSON document, the
process's ``status.as_dict()`` read afresh on every request, on 127.0.0.1 only, from a daemon
thread; anything but ``/health`` is a 404 and nothing is logged (a poll every second would
flood the log, and the document holds counts only).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Protocol

HOST = "127.0.0.1"
PATH = "/health"


class HealthStatus(Protocol):
    """Anything that reports its health as a JSON-able dict."""

    def as_dict(self) -> Dict[str, Any]:
        """The body of ``GET /health``."""


def start_health_server(port: int, status: HealthStatus, host: str = HOST
                        ) -> ThreadingHTTPServer:
    """Serves ``GET /health`` (``status.as_dict()`` as JSON) on ``host``:``port`` in a daemon
    thread; ``port`` 0 picks a free port (``server.server_address[1]``). Stop it with
    ``server.shutdown()``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?", 1)[0].rstrip("/") != PATH:
                self.send_error(404)
                return
            body = json.dumps(status.as_dict()).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:  # health checks are not logged
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name=f"health-{port}", daemon=True).start()
    return server
