"""Fixtures of the cluster's fault and load tests (``make test-cluster``).

These tests start whole clusters (HAProxy, several Rasa servers, PostgreSQL, Redis,
RabbitMQ) and take minutes. A plain ``pytest`` / ``make test`` collects the shorter version
(``IN_MAKE_TEST``: the pure parts, the edges, and the kill -9 of a Rasa replica and of the
action servers, on one cluster); the rest (load, degraded stores, model swap, load balancer
kill) runs when ``tests/cluster`` (or a file in it) is named on the command line, as
``make test-cluster`` does, or with ``CLUSTER_TESTS=1``.

``cluster``: one scratch cluster (3 Rasa servers, 2 action servers) for the session, on
free ports with its own database and queue. ``figures``: measured values, written to
``test-artifacts/cluster-figures.json`` at the end (docs/reliability.md quotes them).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from clinic.devstack import MODEL
from tests.cluster.harness import Cluster, start_cluster, stop_cluster

HERE = Path(__file__).resolve().parent
FIGURES = HERE.parents[1] / "test-artifacts" / "cluster-figures.json"


def _asked_for(config: pytest.Config) -> bool:
    if os.environ.get("CLUSTER_TESTS") == "1":
        return True
    for arg in config.invocation_params.args:
        path = Path(config.invocation_params.dir, str(arg).split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


IN_MAKE_TEST = {"test_units.py", "test_edges.py", "test_replica_kill.py",
                "test_action_kill.py"}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool:
    """Collects the whole cluster suite only when it was asked for (see the module doc)."""
    name = collection_path.name
    return (name.startswith("test_") and name not in IN_MAKE_TEST
            and not _asked_for(config))


@pytest.fixture(scope="session")
def figures() -> Iterator[Dict[str, Any]]:
    """Measured figures, merged into ``test-artifacts/cluster-figures.json``."""
    found: Dict[str, Any] = {}
    yield found
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    FIGURES.write_text(json.dumps({**old, **found}, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory, figures: Dict[str, Any]
            ) -> Iterator[Cluster]:
    """The production topology on free ports: 3 Rasa servers, 2 action servers."""
    folder = tmp_path_factory.mktemp("cluster")
    model = folder / "clinic.tar.gz"  # a copy: test_model_swap rewrites it
    shutil.copyfile(MODEL, model)
    try:
        running = start_cluster(folder, RASA_MODEL=str(model))
    except RuntimeError as error:
        pytest.fail(str(error))
    figures["cluster_up_seconds"] = round(running.up_seconds, 1)
    yield running
    stop_cluster(running)
