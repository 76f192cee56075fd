"""The local channel: deliveries appended to a JSON-lines file (``var/outbox-deliveries.jsonl``).

It stands in for the clinic's systems on a developer's machine and in tests, so
``make run`` works with no outside service configured. Like the real channels it is
idempotent: a delivery whose outbox id is already in the file is not written twice.
The file holds personal data: it lives under ``var/`` (git-ignored) and
``BookingStore.delete_by_sender`` removes a visitor's lines from it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterable, Set

from actions.booking.delivery import DeliveryError


class LocalChannelError(DeliveryError):
    """The deliveries file could not be written."""


def _delivered_keys(path: Path) -> Set[str]:
    keys: Set[str] = set()
    if not path.exists():
        return keys
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                keys.add(json.loads(line)["delivery_id"])
            except (ValueError, KeyError, TypeError):
                continue
    return keys


def forget_requests(path: Path, request_ids: Iterable[str]) -> int:
    """Removes the lines of the given requests from the file; returns how many."""
    ids = set(request_ids)
    if not ids or not path.exists():
        return 0
    kept, removed = [], 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                request_id = json.loads(line).get("request", {}).get("id")
            except (ValueError, AttributeError):
                request_id = None
            if request_id in ids:
                removed += 1
            else:
                kept.append(line)
    if removed:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text("".join(kept), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return removed


class LocalFileChannel:
    """Appends each delivery to a JSON-lines file."""

    name = "local"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def deliver(self, payload: Dict[str, Any], idempotency_key: str) -> None:
        """Appends one line ``{"delivery_id", "delivered_at", "request"}`` (once per key).

        Raises:
            LocalChannelError: the file cannot be written.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if idempotency_key in _delivered_keys(self.path):
                return
            line = json.dumps(
                {
                    "delivery_id": idempotency_key,
                    "delivered_at": datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
                    "request": payload,
                },
                ensure_ascii=False,
            )
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError:
            raise LocalChannelError("local_write_failed") from None
