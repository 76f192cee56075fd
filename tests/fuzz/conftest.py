"""Fixtures of the fuzz tests (tests/fuzz, docs/reliability.md "Fuzzing").

The normal suite (``make test``) sends ``SUITE_MESSAGES`` generated messages to the shared
``stack``; the long run (``FULL_MESSAGES``) is marked ``fuzz`` and runs only when asked
for: ``make fuzz`` (``pytest tests/fuzz -m fuzz``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.harness import Target, server_pids


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: the long fuzz run (10,000 generated messages); `make fuzz` runs it")


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """Leaves the long run out (deselected, not skipped: `make test` runs the 300-case
    version) unless the marker expression names it (``-m fuzz``)."""
    if "fuzz" in (config.option.markexpr or ""):
        return
    long_runs = [item for item in items if item.get_closest_marker("fuzz")]
    if long_runs:
        config.hook.pytest_deselected(items=long_runs)
        items[:] = [item for item in items if not item.get_closest_marker("fuzz")]


@pytest.fixture(scope="session")
def fuzz_target(stack: Any) -> Target:
    """The stack the fuzz run talks to: the same servers as `make run`."""
    limit = stack.env.get("SANIC_REQUEST_MAX_SIZE")
    return Target(
        rasa_url=stack.rasa_url,
        origin=stack.env["ALLOWED_ORIGINS"].split(",")[0],
        # Sanic's default limit is 100 MB: below 1 MiB the stack of `make run` has none
        body_limit=int(limit) if limit else None,
        pids=server_pids(stack),
        launcher=stack.process,
        log_path=stack.log_path,
    )
