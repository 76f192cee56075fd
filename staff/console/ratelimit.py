"""A per-address limit on failed sign-ins (in memory: one console process)."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Callable, Deque, Dict


class RateLimiter:
    """At most ``limit`` events per key within ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: Dict[str, Deque[float]] = defaultdict(deque)

    def _prune(self, key: str) -> Deque[float]:
        events = self._events[key]
        horizon = self.clock() - self.window
        while events and events[0] <= horizon:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        """True when ``key`` has used up its events for now."""
        return len(self._prune(key)) >= self.limit

    def hit(self, key: str) -> None:
        """Counts one event for ``key``."""
        self._prune(key).append(self.clock())

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        events = self._prune(key)
        if len(events) < self.limit:
            return 0.0
        return max(0.0, events[0] + self.window - self.clock())
