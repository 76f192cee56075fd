"""What every delivery channel shares: the interface, the typed error, the retry policy.

A channel delivers one booking request (its JSON payload) to one outside system. The
``idempotency_key`` is the outbox row's id: the same key for every retry of the same
request through the same channel, so the target can drop duplicates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, Protocol


class DeliveryError(RuntimeError):
    """A delivery failed. ``code`` is short, stable and free of personal data.

    Attributes:
        code: e.g. ``"webhook_http_503"``, ``"webhook_unreachable"``, ``"smtp_refused"``.
        retryable: ``False`` when retrying without a configuration change cannot help
            (the request stays pending anyway, so fixing the configuration delivers it).
    """

    def __init__(self, code: str, retryable: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.retryable = retryable


class DeliveryChannel(Protocol):
    """One outside system that receives booking requests."""

    name: str

    def deliver(self, payload: Dict[str, Any], idempotency_key: str) -> None:
        """Delivers ``payload`` once; raises ``DeliveryError`` on failure."""


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff: ``base * 2**(attempts-1)``, capped at ``max_seconds``.

    Args:
        attempts: failed attempts so far, including the one that just failed (>= 1).
    """
    exponent = max(0, attempts - 1)
    seconds = min(max_seconds, base_seconds * (2 ** min(exponent, 30)))
    return timedelta(seconds=seconds)


def next_attempt_at(now: datetime, attempts: int, base: float, maximum: float) -> datetime:
    """When a delivery that failed ``attempts`` times is tried again."""
    return now + retry_delay(attempts, base, maximum)
