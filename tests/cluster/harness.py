"""A scratch cluster for the tests: ``python -m clinic.cluster up`` on free ports.

Each cluster gets its own PostgreSQL database (dropped afterwards), its own RabbitMQ queue
(deleted afterwards), a Redis database of its own number, and its own state folder, so it
never disturbs a ``make run``/``make cluster`` on this machine or other people's tests.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from clinic.settings import PROJECT_ROOT

PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_SERVER = "redis://127.0.0.1:6379/4"
AMQP_SERVER = "amqp://guest:guest@127.0.0.1:5672/"
API_TOKEN = "cluster-test-token"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port where nothing listens (connections are refused): a service that is down."""
    return free_port()


def free_block(size: int) -> int:
    """``base`` such that ports ``base+1 .. base+size`` are all free."""
    for _ in range(200):
        base = free_port()
        if base + size >= 65535:
            continue
        ok = True
        for port in range(base + 1, base + size + 1):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no block of free ports found")


def database_url(server_url: str, name: str) -> str:
    """``server_url`` with its database replaced by ``name``."""
    return server_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Cluster:
    """A running scratch cluster and how to reach it."""

    env: Dict[str, str]
    state_dir: Path
    up_seconds: float = 0.0
    up_output: str = ""  # what ``up`` printed

    @property
    def url(self) -> str:
        """The load balancer's public side."""
        return f"http://127.0.0.1:{self.env['CLUSTER_PORT']}"

    @property
    def api_url(self) -> str:
        """Rasa's HTTP API through the load balancer's private side."""
        return f"http://127.0.0.1:{self.env['CLUSTER_API_PORT']}"

    @property
    def origin(self) -> str:
        """The demo page's origin (allowed for socket.io and CORS)."""
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    @property
    def database_url(self) -> str:
        return self.env["CLUSTER_DATABASE_URL"]

    def cli(self, command: str, timeout: float = 900) -> subprocess.CompletedProcess:
        """Runs ``python -m clinic.cluster <command>`` with this cluster's environment."""
        return subprocess.run([sys.executable, "-m", "clinic.cluster", command],
                              cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def status(self) -> List[Dict[str, Any]]:
        """``make cluster-status``'s JSON."""
        return json.loads(self.cli("status", timeout=60).stdout)

    def unhealthy_after(self, timeout: float = 90) -> List[Dict[str, Any]]:
        """The processes still unhealthy after up to ``timeout`` s ([] once all are)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [row for row in self.status() if not row["healthy"]]
            if not rows or time.monotonic() > deadline:
                return rows
            time.sleep(1)

    def pids(self, role: str) -> List[int]:
        """Process ids of the processes with ``role``, in order."""
        return [row["pid"] for row in self.status() if row["role"] == role]

    def backend_states(self, backend: str) -> Dict[str, Dict[str, str]]:
        """HAProxy's view of each server of ``backend`` (``status``, ``scur`` ...)."""
        url = f"http://127.0.0.1:{self.env['CLUSTER_STATS_PORT']}/stats;csv"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local)
            text = response.read().decode("utf-8").lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row for row in rows
                if row["pxname"] == backend and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_backend(self, backend: str, server: str, status: str, timeout: float) -> float:
        """Seconds until HAProxy shows ``server`` as ``status`` (UP/DOWN); raises on timeout."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.backend_states(backend)[server]["status"].startswith(status):
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"{server} of {backend} not {status} within {timeout:.0f} s")

    def logs(self) -> str:
        """Every log line of every process of the cluster."""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                         for path in sorted((self.state_dir / "logs").glob("*.log"))
                         if path.is_file())


def cluster_env(tmp: Path, replicas: int, action_servers: int, **overrides: str
                ) -> Dict[str, str]:
    """Environment of a scratch cluster: free ports, its own database, queue and state."""
    suffix = uuid.uuid4().hex[:8]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CLUSTER_", "DATABASE_URL", "BOOKING_", "REDIS_URL",
                                  "EVENT_BROKER"))}
    env.update(
        REPLICAS=str(replicas), ACTION_SERVERS=str(action_servers),
        CLUSTER_PORT=str(free_port()), CLUSTER_API_PORT=str(free_port()),
        CLUSTER_STATS_PORT=str(free_port()), CLUSTER_MODEL_PORT=str(free_port()),
        CLUSTER_RASA_BASE_PORT=str(free_block(replicas)),
        CLUSTER_ACTION_BASE_PORT=str(free_block(action_servers)),
        ACTION_PORT=str(free_port()), BOOKING_WORKER_PORT=str(free_port()),
        WEB_PORT=str(free_port()), CONSOLE_PORT=str(free_port()),
        ANALYTICS_PORT=str(free_port()),
        CLUSTER_DATABASE_URL=database_url(PG_SERVER, f"clinic_ct_{suffix}"),
        CLUSTER_REDIS_URL=REDIS_SERVER, CLUSTER_EVENT_BROKER_URL=AMQP_SERVER,
        CLUSTER_EVENT_BROKER_QUEUE=f"clinic_ct_{suffix}",
        CLUSTER_STATE_DIR=str(tmp / "state"), FAQ_SYNC_FILE=str(tmp / "faq-sync.json"),
        RASA_API_TOKEN=API_TOKEN, LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
    )
    env["ALLOWED_ORIGINS"] = (f"http://127.0.0.1:{env['WEB_PORT']},"
                              f"http://localhost:{env['WEB_PORT']}")
    env.update(overrides)
    return env


def start_cluster(tmp: Path, replicas: int = 3, action_servers: int = 2,
                  **overrides: str) -> Cluster:
    """Starts a scratch cluster; raises with its output when it does not become healthy.

    Free ports are picked before the start; on a machine shared with other test runs one
    of them can be taken meanwhile, and then the start is tried again on other ports.
    """
    for attempt in range(1, 4):
        folder = tmp / f"attempt-{attempt}"
        folder.mkdir(parents=True, exist_ok=True)
        env = cluster_env(folder, replicas, action_servers, **overrides)
        cluster = Cluster(env=env, state_dir=Path(env["CLUSTER_STATE_DIR"]))
        started = time.monotonic()
        done = cluster.cli("up")
        cluster.up_seconds = time.monotonic() - started
        cluster.up_output = done.stdout + done.stderr
        if done.returncode == 0:
            return cluster
        port_taken = "address already in use" in cluster.logs() + cluster.up_output
        stop_cluster(cluster)
        if not port_taken or attempt == 3:
            raise RuntimeError(f"cluster did not start ({done.returncode}):\n"
                               f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    raise AssertionError("unreachable")


def stop_cluster(cluster: Cluster) -> None:
    """``down``, then drops the cluster's database and RabbitMQ queue."""
    cluster.cli("down", timeout=120)
    drop_database(cluster.database_url)
    delete_queue(cluster.env.get("CLUSTER_EVENT_BROKER_URL", ""),
                 cluster.env.get("CLUSTER_EVENT_BROKER_QUEUE", ""))


def drop_database(url: str) -> None:
    """Drops the scratch database (its connections are closed by force)."""
    import sqlalchemy as sa

    name = url.rsplit("/", 1)[1]
    assert name.startswith("clinic_ct_"), name  # never anything but a test database
    engine = sa.create_engine(database_url(url, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def delete_queue(url: str, queue: str) -> None:
    """Deletes the scratch queue and its exchange (when RabbitMQ answers)."""
    if not queue.startswith("clinic_ct_"):
        return
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(queue)

    try:
        asyncio.run(delete())
    except (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPException):
        pass  # RabbitMQ is down (a fault test) or the queue was never made


def kill(pid: int) -> None:
    """``kill -9``."""
    os.kill(pid, signal.SIGKILL)
