"""Throwaway PostgreSQL and Redis servers that a fault test may restart or kill.

The machine's own servers are shared with other people and are never stopped; these run
on free ports in a temporary folder, from Debian's packages (installed when missing, the
way tests/services.py does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from tests.services import (
    _apt_install,
    _as_postgres_user,
    _postgres_bin,
    postgres_reachable,
    redis_reachable,
)
from tests.cluster.harness import free_port


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL server of its own (trust authentication, user postgres)."""

    folder: Path
    port: int

    @property
    def server_url(self) -> str:
        """URL of its maintenance database (the cluster creates its own next to it)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        pg_ctl = _postgres_bin("pg_ctl")
        assert pg_ctl
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(self.folder / "data"), *args]),
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._ctl("-w", "-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.folder} -h 127.0.0.1", "start")

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")

    def restart(self) -> float:
        """Stops (closing every connection) and starts again; returns the seconds it took."""
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started


def start_postgres() -> ThrowawayPostgres:
    """initdb + start on a free port."""
    if _postgres_bin("initdb") is None:
        _apt_install("postgresql")
    initdb = _postgres_bin("initdb")
    assert initdb
    folder = Path(tempfile.mkdtemp(prefix="clinic-cluster-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(_as_postgres_user([initdb, "-D", str(folder / "data"), "-U", "postgres",
                                      "--auth=trust"]), check=True, capture_output=True)
    server = ThrowawayPostgres(folder, free_port())
    server.start()
    assert postgres_reachable(server.server_url)
    return server


def remove_postgres(server: ThrowawayPostgres) -> None:
    """Stops it and deletes its files."""
    try:
        server.stop()
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(server.folder, ignore_errors=True)


@dataclass
class ThrowawayRedis:
    """A redis-server of its own, without persistence."""

    port: int
    process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command: List[str] = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not redis_reachable(self.url):
            assert time.monotonic() < deadline, "throwaway redis-server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        """``kill -9`` (the port is closed at once)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_redis() -> ThrowawayRedis:
    """redis-server on a free port."""
    if shutil.which("redis-server") is None:
        _apt_install("redis-server")
    server = ThrowawayRedis(free_port())
    server.start()
    return server
