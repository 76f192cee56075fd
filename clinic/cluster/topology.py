"""What ``make cluster`` runs: every process, its role, port, health check and environment.

Pure: settings in, ``Member`` list (commands not started yet), the shared environment and
the rendered endpoints file out. The supervisor (``clinic.cluster.supervisor``) starts them.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from clinic.cluster import haproxy
from clinic.cluster.settings import ClusterSettings
from clinic.launcher import Service, child_env, rasa_command, resolve_api_token
from clinic.settings import PROJECT_ROOT

LOCAL = "127.0.0.1"
ANALYTICS_MODULE = "clinic.analytics.consumer"


@dataclass
class Member(Service):
    """One supervised process of the cluster (a launcher ``Service`` with a role and port)."""

    role: str = ""
    port: Optional[int] = None


def shared_env(settings: ClusterSettings, base: Dict[str, str]) -> Dict[str, str]:
    """Environment of every process: the shared stores and the load-balanced endpoints.

    ``base`` is ``launcher.child_env`` (telemetry off, PYTHONPATH ...); the cluster's own
    values replace the embedded defaults of ``make run``.
    """
    env = dict(base)
    env.update(
        DATABASE_URL=settings.database_url,
        BOOKING_DATABASE_URL=settings.bookings_url,
        REDIS_URL=settings.redis_url,
        EVENT_BROKER_URL=settings.event_broker_url,
        EVENT_BROKER_QUEUE=settings.event_broker_queue,
        # The replicas call their actions through the load balancer's private side.
        ACTION_SERVER_URL=f"http://{LOCAL}:{settings.runtime.action_port}/webhook",
        # The demo page points the widget at the load balancer.
        RASA_PORT=str(settings.public_port),
        TICKET_LOCK_LIFETIME=str(settings.lock_lifetime_seconds),
        BOOKING_LOCAL_OUTBOX=str(settings.state_dir / "outbox-deliveries.jsonl"),
        PYTHONUNBUFFERED="1",
    )
    return env


def endpoints(settings: ClusterSettings, source: Path = PROJECT_ROOT / "endpoints.yml"
              ) -> Dict[str, Any]:
    """``endpoints.yml`` plus the model server, and the cluster's stores: the SQL tracker
    store that survives a database restart and the Redis-with-fallback lock store.

    Everything else (action endpoint, event broker ...) stays as the project's file says,
    with its ``${VARIABLES}`` expanded by Rasa from ``shared_env``.
    """
    config: Dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    config["tracker_store"] = {"type": "clinic.cluster.trackers.ResilientSQLTrackerStore",
                               "url": "${DATABASE_URL}"}
    config["lock_store"] = {"type": "clinic.cluster.locks.FallbackLockStore"}
    config["models"] = {"url": settings.model_url,
                        "wait_time_between_pulls": settings.model_pull_seconds}
    return config


def endpoints_text(settings: ClusterSettings) -> str:
    """The rendered endpoints file of the replicas."""
    return ("# Rendered by clinic/cluster/topology.py from endpoints.yml at every "
            "`make cluster`; do not edit.\n" + yaml.safe_dump(endpoints(settings),
                                                              sort_keys=False))


def analytics_available() -> bool:
    """True when the analytics consumer (``clinic/analytics/consumer.py``) exists."""
    try:
        return importlib.util.find_spec(ANALYTICS_MODULE) is not None
    except ModuleNotFoundError:
        return False


def rasa_health_path(token: Optional[str]) -> str:
    """Path of a replica's health check: ``/status`` (200 only once its model is loaded;
    needs the API token) or, with the API off, the root ``/`` (answers without a model)."""
    return f"/status?token={token}" if token else "/"


def members(settings: ClusterSettings, haproxy_binary: str, token: Optional[str] = None
            ) -> List[Member]:
    """Every process of the cluster, in start order (``token``: Rasa's API token)."""
    state, runtime, py = settings.state_dir, settings.runtime, sys.executable
    found: List[Member] = [
        Member("model server", [py, "-m", "clinic.cluster.model_server",
                                "--port", str(settings.model_port),
                                "--model", str(runtime.model_path)],
               f"http://{LOCAL}:{settings.model_port}/health",
               role="model-server", port=settings.model_port),
        # First, so that it creates the booking tables before two action servers race to.
        Member("booking worker", [py, "-m", "actions.booking.worker", "--health-port",
                                  str(runtime.booking_worker_port)],
               f"http://{LOCAL}:{runtime.booking_worker_port}/health",
               role="booking-worker", port=runtime.booking_worker_port),
    ]
    for i, port in enumerate(settings.action_ports, 1):
        found.append(Member(f"action server {i}", [py, "-m", "clinic.action_server"],
                            f"http://{LOCAL}:{port}/health",
                            env={"ACTION_PORT": str(port), "ACTION_HOST": LOCAL},
                            role="action-server", port=port))
    found.append(Member("load balancer", haproxy.command(state / "haproxy.cfg",
                                                         haproxy_binary),
                        f"http://{LOCAL}:{settings.stats_port}/health",
                        role="load-balancer", port=settings.public_port))
    for i, port in enumerate(settings.rasa_ports, 1):
        replica = replace(runtime, rasa_port=port, rasa_interface=LOCAL)
        found.append(Member(f"Rasa server {i}",
                            rasa_command(replica, endpoints=str(state / "endpoints.yml")),
                            f"http://{LOCAL}:{port}{rasa_health_path(token)}",
                            env={"SANIC_REQUEST_MAX_SIZE": str(settings.replica_max_body_bytes)},
                            role="rasa", port=port))
    found += [
        Member("demo page", [py, "-m", "clinic.web"], f"http://{LOCAL}:{runtime.web_port}/",
               role="web", port=runtime.web_port),
        Member("staff console", [py, "-m", "staff.console"],
               f"http://{LOCAL}:{runtime.console_port}/health",
               role="console", port=runtime.console_port),
    ]
    # ---- ANALYTICS CONSUMER (EVENT_BROKER_URL -> RabbitMQ) ------------------------------
    # Exactly one for the whole cluster (one per database), when clinic/analytics/ exists.
    if analytics_available():
        port = runtime.analytics_port
        found.append(Member("analytics consumer", [py, "-m", ANALYTICS_MODULE],
                            f"http://{LOCAL}:{port}/health",
                            role="analytics-consumer", port=port))
    return found


def ports(settings: ClusterSettings) -> Dict[str, int]:
    """Every port the cluster will listen on (the analytics consumer's when it runs)."""
    found = settings.ports()
    if analytics_available():
        found["analytics consumer (ANALYTICS_PORT)"] = settings.runtime.analytics_port
    return found


def api_token(settings: ClusterSettings) -> Optional[str]:
    """The token every replica's HTTP API takes (``launcher.resolve_api_token``: from
    RASA_API_TOKEN or ``var/rasa-api-token``, generated there once); ``None`` when the API
    is off or protected by JWTs only."""
    return resolve_api_token(settings.runtime)


def base_env(settings: ClusterSettings) -> Dict[str, str]:
    """``launcher.child_env`` for the cluster's runtime settings, then ``shared_env``."""
    return shared_env(settings, child_env(settings.runtime))
