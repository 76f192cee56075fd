"""Booking requests for the console, pure: a request's delivery status in staff words, the
status filter, and the CSV export (the columns of ``make bookings --csv``, spreadsheet-safe).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence

from actions.booking.cli import write_csv
from actions.booking.store import STATUS_DELIVERED, Delivery, StoredRequest

DELIVERED, PENDING, FAILED = "delivered", "pending", "failed"
FILTERS = {  # value of ?status= -> what the select shows
    "all": "All requests",
    "open": "Not handled yet",
    PENDING: "Delivery pending",
    FAILED: "Delivery failed",
    DELIVERED: "Delivered",
    "handled": "Handled",
}


@dataclass(frozen=True)
class ChannelStatus:
    """One delivery channel of a request: state, next try, reason of the last failure."""

    channel: str
    state: str  # delivered, pending or failed
    attempts: int
    next_attempt_at: Optional[datetime]
    reason: str


def channel_status(delivery: Delivery) -> ChannelStatus:
    """A pending row whose last attempt failed counts as failed (it is retried later)."""
    if delivery.status == STATUS_DELIVERED:
        return ChannelStatus(delivery.channel, DELIVERED, delivery.attempts, None, "")
    state = FAILED if delivery.last_error else PENDING
    return ChannelStatus(delivery.channel, state, delivery.attempts,
                         delivery.next_attempt_at, delivery.last_error or "")


def request_state(item: StoredRequest) -> str:
    """Failed when a channel failed, else pending when one is waiting, else delivered."""
    states = {channel_status(d).state for d in item.deliveries}
    if FAILED in states:
        return FAILED
    return PENDING if PENDING in states or not states else DELIVERED


def matches(item: StoredRequest, status: str) -> bool:
    """True when ``item`` belongs in the list filtered by ``status`` (a key of FILTERS)."""
    if status == "open":
        return item.request.handled_at is None
    if status == "handled":
        return item.request.handled_at is not None
    if status in (DELIVERED, PENDING, FAILED):
        return request_state(item) == status
    return True


def export_csv(items: Sequence[StoredRequest]) -> str:
    """``make bookings --csv``'s columns and values (spreadsheet-safe cells)."""
    out = io.StringIO()
    write_csv(items, out)
    return out.getvalue()
