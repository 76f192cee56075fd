"""Runs the whole stack (``python -m clinic.launcher``) on free ports in a scratch folder.

Used by the test suite's ``stack`` fixture and by ``make bench``: both exercise exactly what
``make run`` starts, with throwaway SQLite databases and an API token.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from clinic.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
API_TOKEN = "test-token"
READY_TIMEOUT_S = 300


class StackError(RuntimeError):
    """The stack could not be started; the message includes the end of its log."""


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, payload: Any, timeout: float = 60,
              headers: Optional[Dict[str, str]] = None) -> Any:
    """POSTs JSON and decodes the JSON answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read().decode("utf-8"))


@dataclass
class Stack:
    """A running launcher and how to reach its servers."""

    rasa_url: str
    action_url: str
    web_url: str
    log_path: Path
    api_token: str
    database_url: str
    booking_db_url: str
    env: Dict[str, str]
    startup_seconds: float = 0.0
    process: Optional[subprocess.Popen] = field(default=None, repr=False)

    def rest(self, sender: str, text: str, timeout: float = 60) -> List[Dict[str, Any]]:
        """Sends ``text`` over the REST channel and returns the bot's messages."""
        return post_json(f"{self.rasa_url}/webhooks/rest/webhook",
                         {"sender": sender, "message": text}, timeout=timeout)

    def log_text(self) -> str:
        """Everything the servers printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def server_pids(self) -> List[int]:
        """PIDs of the servers the launcher started (its direct children)."""
        if self.process is None:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def server_pid(self, module: str) -> int:
        """PID of the server the launcher runs as ``python -m <module>``."""
        for pid in self.server_pids():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if module.encode() in cmdline:
                return pid
        raise StackError(f"no {module} among the launcher's servers")


def stack_env(tmp: Path, rasa_port: int, action_port: int, web_port: int) -> Dict[str, str]:
    """Environment of a scratch stack: free ports, throwaway databases, API token on."""
    env = dict(os.environ)
    env.update(
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        BOOKING_WORKER_PORT=str(free_port()),
        CONSOLE_PORT=str(free_port()),
        ALLOWED_ORIGINS=f"http://127.0.0.1:{web_port},http://localhost:{web_port}",
        RASA_API_TOKEN=API_TOKEN,
        DATABASE_URL=f"sqlite:///{tmp / 'conversations.db'}",
        FAQ_SYNC_FILE=str(tmp / "faq-sync.json"),
        BOOKING_DATABASE_URL=f"sqlite:///{tmp / 'bookings.db'}",
        BOOKING_LOCAL_OUTBOX=str(tmp / "outbox-deliveries.jsonl"),
        ANALYTICS_PORT=str(free_port()),
        ANALYTICS_EVENTS_DB=str(tmp / "analytics-events.db"),
        EVENT_BROKER_URL="",  # the embedded queue, unless extra_env names a RabbitMQ
        RASA_TELEMETRY_ENABLED="false",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


def start_stack(tmp: Path, extra_env: Optional[Dict[str, str]] = None,
                seed_faqs: bool = True) -> Stack:
    """Starts ``python -m clinic.launcher`` and waits until it reports ready (after seeding
    the stack's FAQ store from faq/, unless ``seed_faqs`` is False)."""
    if not MODEL.exists():
        raise StackError(f"{MODEL} is missing: run `make train` (make test does it).")
    tmp.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = stack_env(tmp, rasa_port, action_port, web_port)
    env.update(extra_env or {})
    log_path = tmp / "stack.log"
    started = time.monotonic()
    if seed_faqs:  # as `make run` does: the faq/ files become the store's first version
        subprocess.run([sys.executable, "-m", "staff.faq.publish", "seed"], cwd=PROJECT_ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "clinic.launcher"], cwd=PROJECT_ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}/webhook",
        web_url=f"http://127.0.0.1:{web_port}",
        log_path=log_path,
        api_token=env["RASA_API_TOKEN"],
        database_url=env["DATABASE_URL"],
        booking_db_url=env["BOOKING_DATABASE_URL"],
        env=env,
        process=process,
    )
    deadline = started + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"launcher exited with {process.returncode}:\n"
                             f"{stack.log_text()[-4000:]}")
        if "==> ready" in stack.log_text():
            stack.startup_seconds = time.monotonic() - started
            return stack
        time.sleep(0.5)
    stop_stack(stack)
    raise StackError(f"stack not ready after {READY_TIMEOUT_S} s:\n{stack.log_text()[-4000:]}")


def stop_stack(stack: Stack) -> None:
    """Ctrl-C the launcher, as a user would, and wait for it."""
    process = stack.process
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
