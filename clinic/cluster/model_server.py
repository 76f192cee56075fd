"""The model server of ``make cluster``: serves ``models/clinic.tar.gz`` to every replica.

Rasa's ``models:`` endpoint (``url`` + ``wait_time_between_pulls``) asks this server for the
model with ``If-None-Match: <fingerprint of the model it runs>``; the answer is ``304`` while
the file is unchanged, else the file with its SHA-256 as ``ETag``. So a model written by
``make retrain`` (or ``make rollback-model``) reaches every replica within
``CLUSTER_MODEL_PULL_SECONDS``, without a restart, and every replica runs the same bytes.

A model trained by another Rasa version is never served (CVE-2024-49375): the replicas keep
the model they have. ``python -m clinic.cluster.model_server --port N --model PATH``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple

from clinic.launcher import EXPECTED_RASA_VERSION, model_rasa_version

logger = logging.getLogger("clinic.cluster.model_server")
MODEL_ROUTE = "/models/clinic.tar.gz"


class ModelFile:
    """The served model with its fingerprint, recomputed only when the file changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Optional[Tuple[int, int, int]] = None
        self._etag: Optional[str] = None
        self._servable = False
        self._lock = threading.Lock()

    def current(self) -> Tuple[Optional[str], bool]:
        """``(etag, servable)`` of the file as it is now; ``(None, False)`` when missing."""
        with self._lock:
            return self._current()

    def _current(self) -> Tuple[Optional[str], bool]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None, False
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key != self._key:
            digest = hashlib.sha256()
            with open(self.path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            version = model_rasa_version(self.path)
            self._servable = version == EXPECTED_RASA_VERSION
            if not self._servable:
                logger.error("Not serving %s: trained with Rasa %s, not %s (CVE-2024-49375).",
                             self.path.name, version, EXPECTED_RASA_VERSION)
            self._etag, self._key = digest.hexdigest(), key
        return self._etag, self._servable


def answer(model: ModelFile, path: str, if_none_match: Optional[str]
           ) -> Tuple[int, Dict[str, str], Optional[Path]]:
    """Status, headers and the file to send (if any) for a GET of ``path``."""
    if path == "/health":
        return 200, {"Content-Type": "text/plain"}, None
    if path.split("?")[0] != MODEL_ROUTE:
        return 404, {}, None
    etag, servable = model.current()
    if etag is None or not servable:
        return 404, {}, None
    if if_none_match == etag:
        return 304, {"ETag": etag}, None
    return 200, {"ETag": etag, "filename": "clinic.tar.gz",
                 "Content-Type": "application/gzip"}, model.path


def handler_for(model: ModelFile) -> type:
    """The request handler class bound to ``model``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, headers, body_path = answer(model, self.path,
                                                self.headers.get("If-None-Match"))
            body = body_path.read_bytes() if body_path is not None else (
                b"ok" if status == 200 else b"")
            if body_path is not None:
                logger.info("sent model %s (%d bytes) to a replica", headers["ETag"][:12],
                            len(body))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Silent: the replicas ask every few seconds."""

    return Handler


def main(argv: Optional[list] = None) -> int:
    """Serves the model until stopped."""
    parser = argparse.ArgumentParser(description="Serve the Rasa model to the replicas.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(ModelFile(args.model)))
    print(f"model server on http://127.0.0.1:{args.port}{MODEL_ROUTE}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
