"""Booking settings: every ``BOOKING_*`` environment variable is read here and only here.

docs/booking.md lists each variable. Defaults work on a fresh machine with no outside
systems: SQLite in ``var/bookings.db`` and the local channel, which appends deliveries to
``var/outbox-deliveries.jsonl``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple
from urllib.parse import urlparse

from clinic.settings import PROJECT_ROOT, Settings

CHANNEL_WEBHOOK = "webhook"
CHANNEL_EMAIL = "email"
CHANNEL_LOCAL = "local"
KNOWN_CHANNELS = (CHANNEL_WEBHOOK, CHANNEL_EMAIL, CHANNEL_LOCAL)
SMTP_SECURITY_MODES = ("starttls", "ssl", "none")


class BookingConfigError(ValueError):
    """A ``BOOKING_*`` variable is missing or has a wrong value; the message names it."""


def resolve_database_url(url: str) -> str:
    """Makes a relative SQLite path relative to the project, not to the current directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(PROJECT_ROOT / url[len(prefix) :])
    return url


def _csv(value: str) -> Tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class BookingSettings:
    """Typed view of the booking-related environment."""

    database_url: str = resolve_database_url(Settings.booking_database_url)
    channels: Tuple[str, ...] = (CHANNEL_LOCAL,)
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = field(default=None, repr=False)
    webhook_timeout: float = 10.0
    webhook_retries: int = 3
    smtp_host: Optional[str] = None
    smtp_port: int = 587
    smtp_user: Optional[str] = None
    smtp_password: Optional[str] = field(default=None, repr=False)
    smtp_from: Optional[str] = None
    smtp_to: Tuple[str, ...] = ()
    smtp_security: str = "starttls"
    smtp_timeout: float = 15.0
    local_outbox_path: Path = PROJECT_ROOT / "var" / "outbox-deliveries.jsonl"
    poll_seconds: float = 5.0
    health_port: Optional[int] = None
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    timezone: str = "America/Los_Angeles"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "BookingSettings":
        """Builds and checks the settings from ``env`` (default: ``os.environ``).

        Raises:
            BookingConfigError: naming the variable that is wrong.
        """
        env = os.environ if env is None else env
        d = cls()

        def get(name: str) -> str:
            return env.get(name, "").strip()

        def number(name: str, default: float, minimum: float = 0.0) -> float:
            raw = get(name)
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError as exc:
                raise BookingConfigError(f"{name} must be a number, got {raw!r}") from exc
            if value < minimum:
                raise BookingConfigError(f"{name} must be at least {minimum}, got {value}")
            return value

        webhook_url = get("BOOKING_WEBHOOK_URL") or None
        smtp_host = get("BOOKING_SMTP_HOST") or None
        channels = _csv(get("BOOKING_CHANNELS").lower())
        if not channels:
            inferred = []
            if webhook_url:
                inferred.append(CHANNEL_WEBHOOK)
            if smtp_host:
                inferred.append(CHANNEL_EMAIL)
            channels = tuple(inferred) or (CHANNEL_LOCAL,)
        unknown = [c for c in channels if c not in KNOWN_CHANNELS]
        if unknown:
            raise BookingConfigError(
                f"BOOKING_CHANNELS: unknown channel(s) {', '.join(unknown)}; "
                f"use {', '.join(KNOWN_CHANNELS)}"
            )
        security = (get("BOOKING_SMTP_SECURITY") or d.smtp_security).lower()
        if security not in SMTP_SECURITY_MODES:
            raise BookingConfigError(
                f"BOOKING_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_MODES)}"
            )
        local_path = Path(get("BOOKING_LOCAL_OUTBOX") or d.local_outbox_path)
        if not local_path.is_absolute():
            local_path = PROJECT_ROOT / local_path
        settings = cls(
            database_url=resolve_database_url(
                get("BOOKING_DATABASE_URL") or Settings.booking_database_url
            ),
            channels=channels,
            webhook_url=webhook_url,
            webhook_secret=get("BOOKING_WEBHOOK_SECRET") or None,
            webhook_timeout=number("BOOKING_WEBHOOK_TIMEOUT", d.webhook_timeout, 0.1),
            webhook_retries=int(number("BOOKING_WEBHOOK_RETRIES", d.webhook_retries, 1)),
            smtp_host=smtp_host,
            smtp_port=int(number("BOOKING_SMTP_PORT", d.smtp_port, 1)),
            smtp_user=get("BOOKING_SMTP_USER") or None,
            smtp_password=get("BOOKING_SMTP_PASSWORD") or None,
            smtp_from=get("BOOKING_SMTP_FROM") or None,
            smtp_to=_csv(get("BOOKING_SMTP_TO")),
            smtp_security=security,
            smtp_timeout=number("BOOKING_SMTP_TIMEOUT", d.smtp_timeout, 0.1),
            local_outbox_path=local_path,
            poll_seconds=number("BOOKING_WORKER_POLL_SECONDS", d.poll_seconds, 0.1),
            health_port=int(number("BOOKING_WORKER_HEALTH_PORT", 0, 0)) or None,
            retry_base_seconds=number("BOOKING_RETRY_BASE_SECONDS", d.retry_base_seconds),
            retry_max_seconds=number("BOOKING_RETRY_MAX_SECONDS", d.retry_max_seconds),
            timezone=get("BOOKING_TIMEZONE") or d.timezone,
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuses an incomplete channel configuration, naming what is missing.

        Raises:
            BookingConfigError: e.g. a webhook without its signing secret.
        """
        if CHANNEL_WEBHOOK in self.channels:
            if not self.webhook_url:
                raise BookingConfigError("BOOKING_WEBHOOK_URL is required for the webhook channel")
            parsed = urlparse(self.webhook_url)
            local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
            if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
                raise BookingConfigError(
                    "BOOKING_WEBHOOK_URL must be https:// (plain http only for localhost)"
                )
            if not self.webhook_secret:
                raise BookingConfigError(
                    "BOOKING_WEBHOOK_SECRET is required: every webhook call is signed"
                )
        if CHANNEL_EMAIL in self.channels:
            missing = [
                name
                for name, value in (
                    ("BOOKING_SMTP_HOST", self.smtp_host),
                    ("BOOKING_SMTP_FROM", self.smtp_from),
                    ("BOOKING_SMTP_TO", self.smtp_to),
                )
                if not value
            ]
            if missing:
                raise BookingConfigError("the email channel needs " + ", ".join(missing))
            if self.smtp_user and not self.smtp_password:
                raise BookingConfigError(
                    "BOOKING_SMTP_PASSWORD is required with BOOKING_SMTP_USER"
                )
