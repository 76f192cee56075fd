"""Shared fixtures.

* ``stack``: the real servers, started by the real launcher (``python -m clinic.launcher``,
  what ``make run`` runs) on free ports with throwaway SQLite databases. Session-scoped:
  started once, used by every server, conversation and browser test.
* ``agent``: the trained model loaded in-process, wired to the stack's action server.
"""

from __future__ import annotations

import os

from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest

from clinic.devstack import MODEL, Stack, StackError, post_json  # noqa: F401 (re-exported)
from clinic.devstack import start_stack as _start_stack
from clinic.devstack import stop_stack


def start_stack(tmp: Path, extra_env: Optional[Dict[str, str]] = None) -> Stack:
    """Starts a scratch stack; a failure fails the test with the servers' log."""
    try:
        return _start_stack(tmp, extra_env)
    except StackError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real servers, started once per test session."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    stop_stack(running)


@pytest.fixture(scope="session")
async def agent(stack: Stack):  # -> rasa.core.agent.Agent
    """The trained model in-process, running custom actions on the stack's action server."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    endpoints = AvailableEndpoints(action=EndpointConfig(url=stack.action_url))
    # the FaqRetriever reads the FAQ store from DATABASE_URL: the stack's (seeded) one
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = stack.database_url
    try:
        loaded = await load_agent(model_path=str(MODEL), endpoints=endpoints)
    finally:  # the retriever has read it by now; later tests see the environment as it was
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
    assert loaded is not None and loaded.is_ready(), "the trained model did not load"
    return loaded


# Real PostgreSQL / Redis fixtures (``postgres_url``, ``redis_url``) for every test package.
from tests.services import postgres_url, redis_url  # noqa: E402,F401
