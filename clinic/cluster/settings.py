"""Settings of ``make cluster``, read from environment variables in one place.

The cluster reuses the common settings (``clinic.settings.Settings``: WEB_PORT, CONSOLE_PORT,
ACTION_PORT, BOOKING_WORKER_PORT, ALLOWED_ORIGINS, RASA_API_TOKEN, RASA_MODEL ...) and adds
its own ``CLUSTER_*`` variables, so a ``DATABASE_URL`` meant for ``make run`` (SQLite) never
leaks into the cluster. README.md and docs/deployment.md list every variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from clinic.settings import PROJECT_ROOT, Settings


class ClusterConfigError(ValueError):
    """A ``CLUSTER_*`` (or ``REPLICAS``) variable has a wrong value; the message names it."""


@dataclass(frozen=True)
class ClusterSettings:
    """Typed view of the cluster's environment."""

    runtime: Settings = field(default_factory=Settings)
    replicas: int = 3  # REPLICAS: Rasa servers behind the load balancer
    action_servers: int = 2  # ACTION_SERVERS
    public_port: int = 5005  # CLUSTER_PORT: the load balancer's public side
    public_interface: str = "127.0.0.1"  # CLUSTER_INTERFACE (0.0.0.0 behind a TLS proxy)
    api_port: int = 5006  # CLUSTER_API_PORT: Rasa's HTTP API, 127.0.0.1 only
    stats_port: int = 5007  # CLUSTER_STATS_PORT: HAProxy's health and stats, 127.0.0.1
    model_port: int = 5058  # CLUSTER_MODEL_PORT: the model server, 127.0.0.1
    rasa_base_port: int = 5010  # CLUSTER_RASA_BASE_PORT: replica i listens on base + i
    action_base_port: int = 5060  # CLUSTER_ACTION_BASE_PORT: action server i on base + i
    database_url: str = "postgresql://postgres@127.0.0.1:5432/clinic_cluster"
    booking_database_url: str = ""  # CLUSTER_BOOKING_DATABASE_URL; empty: database_url
    redis_url: str = "redis://127.0.0.1:6379/3"
    event_broker_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    event_broker_queue: str = "clinic_cluster_analytics"  # CLUSTER_EVENT_BROKER_QUEUE
    state_dir: Path = PROJECT_ROOT / "var" / "cluster"
    model_pull_seconds: int = 10  # CLUSTER_MODEL_PULL_SECONDS
    lock_lifetime_seconds: int = 10  # CLUSTER_LOCK_LIFETIME (Rasa's TICKET_LOCK_LIFETIME)
    max_body_bytes: int = 65_536  # CLUSTER_MAX_BODY_BYTES: larger requests get 413
    replica_max_body_bytes: int = 1_048_576  # each Rasa server's own limit (chunked bodies)

    @property
    def rasa_ports(self) -> List[int]:
        """The Rasa servers' private ports."""
        return [self.rasa_base_port + i for i in range(1, self.replicas + 1)]

    @property
    def action_ports(self) -> List[int]:
        """The action servers' private ports."""
        return [self.action_base_port + i for i in range(1, self.action_servers + 1)]

    @property
    def bookings_url(self) -> str:
        """The booking store's database (the tracker store's unless set apart)."""
        return self.booking_database_url or self.database_url

    @property
    def public_url(self) -> str:
        """Where visitors (and tests) reach the load balancer from this machine."""
        host = "127.0.0.1" if self.public_interface in ("0.0.0.0", "::") else \
            self.public_interface
        return f"http://{host}:{self.public_port}"

    @property
    def model_url(self) -> str:
        """The model server's address for Rasa's ``models:`` endpoint."""
        return f"http://127.0.0.1:{self.model_port}/models/clinic.tar.gz"

    def ports(self) -> Dict[str, int]:
        """Every port the cluster listens on, by what listens there (for ``check_ports``)."""
        named = {"load balancer (CLUSTER_PORT)": self.public_port,
                 "Rasa HTTP API (CLUSTER_API_PORT)": self.api_port,
                 "load balancer stats (CLUSTER_STATS_PORT)": self.stats_port,
                 "model server (CLUSTER_MODEL_PORT)": self.model_port,
                 "action servers' balancer (ACTION_PORT)": self.runtime.action_port,
                 "booking worker (BOOKING_WORKER_PORT)": self.runtime.booking_worker_port,
                 "demo page (WEB_PORT)": self.runtime.web_port,
                 "staff console (CONSOLE_PORT)": self.runtime.console_port}
        named.update({f"Rasa server {i} (CLUSTER_RASA_BASE_PORT)": port
                      for i, port in enumerate(self.rasa_ports, 1)})
        named.update({f"action server {i} (CLUSTER_ACTION_BASE_PORT)": port
                      for i, port in enumerate(self.action_ports, 1)})
        return named

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "ClusterSettings":
        """Builds and checks the settings from ``env`` (default: ``os.environ``).

        Raises:
            ClusterConfigError: naming the variable that is wrong.
            ValueError: from ``Settings.from_env`` for the common variables.
        """
        env = os.environ if env is None else env
        d = cls()

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = get(name, str(default))
            try:
                value = int(raw)
            except ValueError as exc:
                raise ClusterConfigError(f"{name} must be a whole number, got {raw!r}") from exc
            if not low <= value <= high:
                raise ClusterConfigError(f"{name} must be between {low} and {high}, got {value}")
            return value

        settings = cls(
            runtime=Settings.from_env(env),
            replicas=number("REPLICAS", d.replicas, 1, 16),
            action_servers=number("ACTION_SERVERS", d.action_servers, 1, 8),
            public_port=number("CLUSTER_PORT", d.public_port, 1, 65535),
            public_interface=get("CLUSTER_INTERFACE", d.public_interface),
            api_port=number("CLUSTER_API_PORT", d.api_port, 1, 65535),
            stats_port=number("CLUSTER_STATS_PORT", d.stats_port, 1, 65535),
            model_port=number("CLUSTER_MODEL_PORT", d.model_port, 1, 65535),
            rasa_base_port=number("CLUSTER_RASA_BASE_PORT", d.rasa_base_port, 1, 65500),
            action_base_port=number("CLUSTER_ACTION_BASE_PORT", d.action_base_port, 1, 65500),
            database_url=get("CLUSTER_DATABASE_URL", d.database_url),
            booking_database_url=get("CLUSTER_BOOKING_DATABASE_URL", ""),
            redis_url=get("CLUSTER_REDIS_URL", d.redis_url),
            event_broker_url=get("CLUSTER_EVENT_BROKER_URL", d.event_broker_url),
            event_broker_queue=get("CLUSTER_EVENT_BROKER_QUEUE", d.event_broker_queue),
            state_dir=Path(get("CLUSTER_STATE_DIR", str(d.state_dir))),
            model_pull_seconds=number("CLUSTER_MODEL_PULL_SECONDS", d.model_pull_seconds,
                                      1, 3600),
            lock_lifetime_seconds=number("CLUSTER_LOCK_LIFETIME", d.lock_lifetime_seconds,
                                         5, 600),
            max_body_bytes=number("CLUSTER_MAX_BODY_BYTES", d.max_body_bytes, 1024,
                                  d.replica_max_body_bytes),
        )
        check_urls(settings)
        return settings


def check_urls(settings: ClusterSettings) -> None:
    """The cluster's shared state must be on servers every replica reaches."""
    for name, url, schemes in (
        ("CLUSTER_DATABASE_URL", settings.database_url, ("postgresql",)),
        ("CLUSTER_BOOKING_DATABASE_URL", settings.bookings_url, ("postgresql",)),
        ("CLUSTER_REDIS_URL", settings.redis_url, ("redis", "rediss")),
        ("CLUSTER_EVENT_BROKER_URL", settings.event_broker_url, ("amqp", "amqps")),
    ):
        scheme = urlsplit(url).scheme.split("+")[0]
        if scheme not in schemes:
            raise ClusterConfigError(
                f"{name} must start with {' or '.join(s + '://' for s in schemes)} "
                f"(the replicas share it), got {scheme or 'nothing'}://"
            )
