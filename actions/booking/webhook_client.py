"""Client for the clinic's booking webhook (their CRM, Zapier, Make, n8n, a custom API...).

Each call POSTs the request as JSON with:

* ``Idempotency-Key``: the outbox id (the same on every retry of the same delivery);
* ``X-Booking-Timestamp``: Unix seconds when the call was signed;
* ``X-Booking-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with
  ``BOOKING_WEBHOOK_SECRET`` (docs/booking.md shows how to verify it).

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff inside one
call; other 4xx answers are not. Every failure raises ``WebhookError``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional

from actions.booking.delivery import DeliveryError

SIGNATURE_HEADER = "X-Booking-Signature"
TIMESTAMP_HEADER = "X-Booking-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "clinic-assistant-booking/1"


class WebhookError(DeliveryError):
    """The webhook did not accept the request; ``status`` is the HTTP status, if any."""

    def __init__(self, code: str, status: Optional[int] = None, retryable: bool = True) -> None:
        super().__init__(code, retryable)
        self.status = status


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), header or "")


class WebhookClient:
    """Signed, idempotent, retried POSTs of booking requests."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def deliver(self, payload: Dict[str, Any], idempotency_key: str) -> None:
        """POSTs ``payload``; returns when the webhook answered 2xx.

        Raises:
            WebhookError: after the last retry, or at once for a non-retryable answer.
        """
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
        last: Optional[WebhookError] = None
        for attempt in range(self.retries):
            if attempt:
                self.sleep(self.backoff_seconds * (2 ** (attempt - 1)))
            try:
                self._post(body, idempotency_key)
                return
            except WebhookError as error:
                last = error
                if not error.retryable:
                    raise
        assert last is not None
        raise last

    def _post(self, body: bytes, idempotency_key: str) -> None:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                IDEMPOTENCY_HEADER: idempotency_key,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            retryable = status == 429 or status >= 500 or status == 408
            raise WebhookError(f"webhook_http_{status}", status, retryable) from None
        except (socket.timeout, TimeoutError):
            raise WebhookError("webhook_timeout") from None
        except (urllib.error.URLError, ConnectionError, OSError):
            raise WebhookError("webhook_unreachable") from None
