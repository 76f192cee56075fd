"""``make run`` supervises what it starts: a killed action server is answered for, then back.

Runs its own stack (the shared one must not lose its action server): kill -9 of the
action server, a visitor's message gets the "one moment, please try again" reply within
5 s over REST and over socket.io (never silence, never a 5xx), the launcher restarts the
action server with backoff and says so, and the conversation answers normally again.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from typing import Any, Iterator

import pytest

from clinic.channels.text import LAST_RESORT_REPLY
from clinic.devstack import stop_stack
from clinic.launcher import healthy
from tests.conftest import start_stack
from tests.server.test_socketio import _allowed_origin, _connect, _exchange, _session


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    running = start_stack(tmp_path_factory.mktemp("supervised"))
    yield running
    stop_stack(running)


def _action_server_pid(stack: Any) -> int:
    return stack.server_pid("clinic.action_server")


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


async def test_killed_action_server_is_answered_for_and_restarted(own_stack: Any) -> None:
    stack = own_stack
    sender = f"supervised-{uuid.uuid4().hex[:8]}"
    assert "Neuromuscular" in stack.rest(sender, "/ask_nmt_overview")[0]["text"]
    health = stack.action_url.replace("/webhook", "/health")
    old_pid = _action_server_pid(stack)

    os.kill(old_pid, signal.SIGKILL)
    assert _wait(lambda: not healthy(health), 10)
    started = time.monotonic()
    said = stack.rest(sender, "what is fmm?", timeout=10)
    assert time.monotonic() - started < 5
    assert [m.get("text") for m in said] == [LAST_RESORT_REPLY]

    client = await _connect(stack, _allowed_origin(stack))
    try:
        session_id = uuid.uuid4().hex
        await _session(client, session_id)
        messages = await _exchange(client, session_id, "hello there")
        assert messages[0]["text"] == LAST_RESORT_REPLY or "virtual assistant" in messages[0]["text"]
    finally:
        await client.disconnect()

    assert _wait(lambda: healthy(health), 120), "the action server was not restarted"
    assert _action_server_pid(stack) != old_pid
    assert "the action server stopped (exit code -9); restarting it in 1 s" in stack.log_text()
    said = stack.rest(sender, "what is fmm?")
    assert "Functional Muscle Manipulation" in " ".join(m.get("text") or "" for m in said)
