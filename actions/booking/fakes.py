"""In-memory stand-ins for the outside systems, used by tests and for trying things locally.

``FakeChannel`` behaves like a real channel: it can be "down" for a number of calls and
it ignores a key it has already accepted, as an idempotent webhook would.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from actions.booking.delivery import DeliveryError


class FakeChannel:
    """Records deliveries; raises ``DeliveryError`` while ``down`` or for ``fail_times`` calls."""

    def __init__(self, name: str = "fake", fail_times: int = 0, down: bool = False) -> None:
        self.name = name
        self.fail_times = fail_times
        self.down = down
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.accepted: Dict[str, Dict[str, Any]] = {}

    def deliver(self, payload: Dict[str, Any], idempotency_key: str) -> None:
        """Accepts the payload once per key, unless the fake is failing."""
        self.calls.append((idempotency_key, payload))
        if self.down:
            raise DeliveryError(f"{self.name}_unreachable")
        if self.fail_times > 0:
            self.fail_times -= 1
            raise DeliveryError(f"{self.name}_http_503")
        self.accepted.setdefault(idempotency_key, payload)
