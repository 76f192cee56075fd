"""Real PostgreSQL and Redis for tests of the production configuration.

CI and the developers' machines run both on their standard ports. On a machine without
them, a throwaway server is started from Debian's packages (installed when missing, as the
README says ``make test`` does), so these tests never silently skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _apt_install(package: str) -> None:
    if os.geteuid() != 0:
        pytest.fail(f"{package} is needed for these tests: apt-get install {package}")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def postgres_reachable(url: str) -> bool:
    """True when ``url`` accepts a connection."""
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


def redis_reachable(url: str) -> bool:
    """True when ``url`` answers PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.exceptions.RedisError:
        return False


def _postgres_bin(name: str) -> Optional[str]:
    found: List[str] = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres_user(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL: the machine's server, or a throwaway one."""
    url = os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT)
    if postgres_reachable(url):
        yield url
        return
    if _postgres_bin("initdb") is None:
        _apt_install("postgresql")
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    assert initdb and pg_ctl, "PostgreSQL binaries not found after installing postgresql"
    tmp = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", _free_port()
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-U", "postgres",
                                      "--auth=trust"]), check=True, capture_output=True)
    subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-w", "-l", str(tmp / "log"),
                                      "-o", f"-p {port} -k {tmp} -h 127.0.0.1", "start"]),
                   check=True, capture_output=True)
    try:
        import psycopg2

        conn = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE test")
        conn.close()
        yield f"postgresql://postgres@127.0.0.1:{port}/test"
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis URL: the machine's server, or a throwaway one."""
    url = os.environ.get("TEST_REDIS_URL", REDIS_DEFAULT)
    if redis_reachable(url):
        yield url
        return
    if shutil.which("redis-server") is None:
        _apt_install("redis-server")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while not redis_reachable(url):
            if time.monotonic() > deadline:
                pytest.fail("throwaway redis-server did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
