"""The console's settings, read from environment variables in one place (README lists them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

from clinic.settings import Settings


@dataclass(frozen=True)
class ConsoleSettings:
    """Typed view of the console's environment variables."""

    port: int = 8090
    interface: str = "127.0.0.1"
    database_url: str = "sqlite:///var/conversations.db"
    booking_database_url: str = "sqlite:///var/bookings.db"  # the Bookings page reads it
    idle_minutes: float = 30.0
    max_failed_logins: int = 10
    login_rate_limit: int = 20  # failed sign-ins per client address ...
    login_rate_window_s: float = 900.0  # ... per 15 minutes

    @property
    def idle_seconds(self) -> float:
        """Seconds without a request after which a session ends."""
        return self.idle_minutes * 60.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "ConsoleSettings":
        """Builds the settings from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        d = cls()

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError as exc:
                raise ValueError(f"{name} must be a number, got {raw!r}") from exc
            if value <= 0:
                raise ValueError(f"{name} must be more than 0, got {raw!r}")
            return value

        runtime = Settings.from_env(env)  # ports and databases: read as the launcher does
        return cls(
            port=runtime.console_port,
            interface=runtime.console_interface,
            database_url=runtime.database_url,
            booking_database_url=runtime.booking_database_url,
            idle_minutes=number("CONSOLE_IDLE_MINUTES", d.idle_minutes),
            login_rate_limit=int(number("CONSOLE_LOGIN_RATE_LIMIT", d.login_rate_limit)),
        )
