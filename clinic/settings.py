"""All runtime settings, read from environment variables in one place.

Every variable has a default that works on a fresh machine with no outside services
(SQLite, in-process lock store, localhost only). The README lists each one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _csv(value: str) -> Tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment."""

    rasa_port: int = 5005
    rasa_interface: str = "127.0.0.1"
    action_port: int = 5055
    action_host: str = "127.0.0.1"
    web_port: int = 8080
    booking_worker_port: int = 5056
    console_port: int = 8090  # the staff console (staff/console/), started by the launcher
    console_interface: str = "127.0.0.1"
    web_interface: str = "127.0.0.1"
    database_url: str = "sqlite:///var/conversations.db"
    booking_database_url: str = "sqlite:///var/bookings.db"
    redis_url: Optional[str] = None
    enable_api: bool = True
    api_token: Optional[str] = None
    jwt_secret: Optional[str] = None
    allowed_origins: Tuple[str, ...] = field(
        default=("http://localhost:8080", "http://127.0.0.1:8080")
    )
    clinic_config: Path = PROJECT_ROOT / "clinic.yml"
    model_path: Path = PROJECT_ROOT / "models" / "clinic.tar.gz"
    log_level: str = "INFO"
    # Where the launcher keeps a generated API token when RASA_API_TOKEN is not set.
    api_token_file: Path = PROJECT_ROOT / "var" / "rasa-api-token"
    # Analytics (clinic/analytics/, docs/analytics.md): unset -> Rasa's SQL event broker on
    # ``analytics_events_db``; amqp://user:pass@host:5672/vhost -> RabbitMQ.
    event_broker_url: Optional[str] = None
    event_broker_queue: str = "clinic_analytics"  # RabbitMQ queue (and fanout exchange)
    analytics_events_db: Path = PROJECT_ROOT / "var" / "analytics-events.db"
    analytics_port: int = 5057  # health check of the analytics consumer (localhost)
    # The clinic's time zone (BOOKING_TIMEZONE): analytics count days and hours in it.
    clinic_timezone: str = "America/Los_Angeles"

    @property
    def action_server_url(self) -> str:
        """URL the Rasa server calls to run custom actions."""
        return f"http://{self.action_host}:{self.action_port}/webhook"


    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Builds settings from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        d = cls()

        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        def port(name: str, default: int) -> int:
            raw = get(name, str(default))
            try:
                value = int(raw)
            except ValueError as exc:
                raise ValueError(f"{name} must be a port number, got {raw!r}") from exc
            if not 0 < value < 65536:
                raise ValueError(f"{name} must be between 1 and 65535, got {value}")
            return value

        return cls(
            rasa_port=port("RASA_PORT", d.rasa_port),
            rasa_interface=get("RASA_INTERFACE", d.rasa_interface),
            action_port=port("ACTION_PORT", d.action_port),
            action_host=get("ACTION_HOST", d.action_host),
            web_port=port("WEB_PORT", d.web_port),
            booking_worker_port=port("BOOKING_WORKER_PORT", d.booking_worker_port),
            console_port=port("CONSOLE_PORT", d.console_port),
            console_interface=get("CONSOLE_INTERFACE", d.console_interface),
            web_interface=get("WEB_INTERFACE", d.web_interface),
            database_url=get("DATABASE_URL", d.database_url),
            booking_database_url=get("BOOKING_DATABASE_URL", d.booking_database_url),
            redis_url=get("REDIS_URL", "") or None,
            enable_api=get("RASA_ENABLE_API", "true").lower() not in ("0", "false", "no", "off"),
            api_token=get("RASA_API_TOKEN", "") or None,
            jwt_secret=get("RASA_JWT_SECRET", "") or None,
            allowed_origins=_csv(get("ALLOWED_ORIGINS", ",".join(d.allowed_origins))),
            clinic_config=Path(get("CLINIC_CONFIG", str(d.clinic_config))),
            model_path=Path(get("RASA_MODEL", str(d.model_path))),
            log_level=get("LOG_LEVEL", d.log_level).upper(),
            event_broker_url=_broker_url(get("EVENT_BROKER_URL", "")),
            event_broker_queue=get("EVENT_BROKER_QUEUE", d.event_broker_queue),
            analytics_events_db=Path(get("ANALYTICS_EVENTS_DB", str(d.analytics_events_db))),
            analytics_port=port("ANALYTICS_PORT", d.analytics_port),
            clinic_timezone=get("BOOKING_TIMEZONE", d.clinic_timezone),
        )


def _broker_url(value: str) -> Optional[str]:
    """``EVENT_BROKER_URL``: empty (embedded SQLite broker) or an AMQP URL."""
    if not value:
        return None
    if not value.startswith(("amqp://", "amqps://")):
        raise ValueError("EVENT_BROKER_URL must start with amqp:// or amqps:// "
                         "(or be unset for the embedded broker)")
    return value
