"""``clinic.health.start_health_server``, shared by the booking worker and the analytics
consumer: the status read afresh on every request, 404 elsewhere, localhost only, no log
lines, and both processes call it."""

from __future__ import annotations

import ast
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

from clinic.health import start_health_server

ROOT = Path(__file__).resolve().parents[2]


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def as_dict(self) -> Dict[str, Any]:
        self.n += 1
        return {"status": "ok", "polls": self.n}


@pytest.fixture()
def served() -> Iterator[Tuple[str, Counter]]:
    status = Counter()
    server = start_health_server(0, status)
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}", status
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str) -> Tuple[int, str, Dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, "", dict(error.headers)


def test_health_is_the_current_status_as_json(served: Tuple[str, Counter]) -> None:
    url, status = served
    assert url.startswith("http://127.0.0.1:")
    code, body, headers = _get(f"{url}/health")
    assert code == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok", "polls": 1}
    assert int(headers["Content-Length"]) == len(body.encode("utf-8"))
    assert json.loads(_get(f"{url}/health/")[1]) == {"status": "ok", "polls": 2}  # afresh
    assert status.n == 2


@pytest.mark.parametrize("path", ["/", "/healthz", "/health/more", "/metrics"])
def test_other_paths_are_404(served: Tuple[str, Counter], path: str) -> None:
    url, status = served
    assert _get(f"{url}{path}")[0] == 404
    assert status.n == 0


def test_requests_are_not_logged(served: Tuple[str, Counter],
                                 capsys: pytest.CaptureFixture[str],
                                 caplog: pytest.LogCaptureFixture) -> None:
    url, _status = served
    with caplog.at_level(logging.DEBUG):
        _get(f"{url}/health")
        _get(f"{url}/nothing-here")
    captured = capsys.readouterr()
    assert "GET /health" not in captured.err + captured.out
    assert not [r for r in caplog.records if "/health" in r.getMessage()]


@pytest.mark.parametrize("module", ["clinic/analytics/consumer.py", "actions/booking/worker.py"])
def test_both_background_processes_call_the_shared_helper(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = {(node.module, alias.name) for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert ("clinic.health", "start_health_server") in imported or \
        ("clinic", "health") in imported
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and (getattr(node.func, "id", None) == "start_health_server"
                  or getattr(node.func, "attr", None) == "start_health_server")]
    assert calls, f"{module} does not start the health server"


def test_the_consumer_has_no_copy_of_its_own() -> None:
    tree = ast.parse((ROOT / "clinic/analytics/consumer.py").read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                and node.name == "start_health_server"]
