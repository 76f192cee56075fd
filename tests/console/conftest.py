"""Console fixtures: ``python -m staff.console`` on a free port with scratch SQLite
databases (``DATABASE_URL`` whose FAQ store holds faq/ as version 1, and
``BOOKING_DATABASE_URL``), and two accounts made with the same command as
``make staff-user``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest

from clinic.devstack import free_port
from clinic.settings import PROJECT_ROOT
from tests.console.client import Client

EDITOR, ADMIN = ("ana", "editor"), ("bob", "admin")
PASSWORD = "correct horse battery"


@dataclass
class Running:
    """A console process and how to reach it."""

    url: str
    env: Dict[str, str]
    log: Path
    process: subprocess.Popen

    def client(self) -> Client:
        """A new visitor (no cookies)."""
        return Client(self.url)

    def signed_in(self, name: str = EDITOR[0]) -> Client:
        """A visitor signed in as ``name``."""
        client = self.client()
        assert client.login(name, PASSWORD).status == 302
        return client

    def log_text(self) -> str:
        """What the console printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def make_user(env: Dict[str, str], name: str, role: str, password: str = PASSWORD
              ) -> subprocess.CompletedProcess:
    """``make staff-user`` with the password piped in."""
    return subprocess.run([sys.executable, "-m", "staff.console.users", "--name", name,
                           "--role", role], input=password + "\n", text=True,
                          capture_output=True, cwd=PROJECT_ROOT, env=env, timeout=120)


def start_console(tmp: Path, extra: Optional[Dict[str, str]] = None, seed: bool = True,
                  accounts: bool = True) -> Running:
    """Seeds a scratch store (``seed``), creates the accounts (``accounts``) and starts the
    console."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp / 'console.db'}",
               BOOKING_DATABASE_URL=f"sqlite:///{tmp / 'bookings.db'}",
               CONSOLE_PORT=str(port), FAQ_SYNC_FILE=str(tmp / "faq-sync.json"),
               PYTHONPATH=str(PROJECT_ROOT), RASA_TELEMETRY_ENABLED="false",
               PYTHONUNBUFFERED="1", CONSOLE_LOGIN_RATE_LIMIT="200", **(extra or {}))
    if seed:
        subprocess.run([sys.executable, "-m", "staff.faq.publish", "seed"], cwd=PROJECT_ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    for name, role in (EDITOR, ADMIN) if accounts else ():
        assert make_user(env, name, role).returncode == 0
    log = tmp / "console.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen([sys.executable, "-m", "staff.console"], cwd=PROJECT_ROOT,
                                   env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Running(f"http://127.0.0.1:{port}", env, log, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the console exited:\n{running.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{running.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return running
        except OSError:
            time.sleep(0.3)
    stop_console(running)
    pytest.fail(f"the console did not start:\n{running.log_text()[-3000:]}")


def stop_console(running: Running) -> None:
    """SIGTERM, as the launcher does."""
    if running.process.poll() is None:
        os.killpg(running.process.pid, signal.SIGTERM)
        try:
            running.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(running.process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A console with faq/ published as version 1 and the accounts ana (editor) and bob
    (admin)."""
    running = start_console(tmp_path_factory.mktemp("console"))
    yield running
    stop_console(running)
