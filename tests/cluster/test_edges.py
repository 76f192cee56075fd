"""The cluster's outside edges: what ``status`` reports, what the public side lets through.

* ``make cluster-status``: one JSON entry per process with role, pid, port, healthy;
* the public side serves only the chat channels and the widget: Rasa's HTTP API is a 404
  there, even with the token, and answers only on the private side (127.0.0.1);
* bodies over the limit get 413 (declared ones from HAProxy, chunked ones from Rasa);
* socket.io and REST from an origin that is not allowed get 403, the clinic's page works;
* every replica runs the model the model server serves.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections import Counter
from typing import Dict, Iterable, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from tests.cluster.harness import API_TOKEN, Cluster

EVIL = "http://evil.example"


def _get(url: str, headers: Optional[Dict[str, str]] = None, method: str = "GET",
         body: Optional[bytes] = None) -> Tuple[int, bytes, Dict[str, str]]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read(), _lower(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, error.read(), _lower(error.headers.items())


def _lower(items: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    return {name.lower(): value for name, value in items}


def test_status_lists_every_process_with_role_pid_port_healthy(cluster: Cluster) -> None:
    rows = cluster.status()
    roles = Counter(row["role"] for row in rows)
    assert roles["rasa"] == 3 and roles["action-server"] == 2
    for role in ("supervisor", "load-balancer", "model-server", "booking-worker", "web",
                 "console"):
        assert roles[role] == 1, role
    for row in rows:
        assert {"role", "pid", "port", "healthy"} <= set(row)
        assert row["healthy"] is True and isinstance(row["pid"], int), row
    ports = {row["name"]: row["port"] for row in rows}
    assert ports["load balancer"] == int(cluster.env["CLUSTER_PORT"])
    base = int(cluster.env["CLUSTER_RASA_BASE_PORT"])
    assert sorted(row["port"] for row in rows if row["role"] == "rasa") == [
        base + 1, base + 2, base + 3]


@pytest.mark.parametrize("path", ["/", "/status", "/domain", "/version",
                                  "/conversations/x/tracker", "/model/parse", "/webhooks/rest/"])
def test_the_public_side_hides_rasas_http_api(cluster: Cluster, path: str) -> None:
    status, _, _ = _get(f"{cluster.url}{path}?token={API_TOKEN}")
    assert status == 404


def test_the_http_api_answers_on_the_private_side_only_with_the_token(
        cluster: Cluster) -> None:
    assert _get(f"{cluster.api_url}/status")[0] in (401, 403)
    status, body, _ = _get(f"{cluster.api_url}/status?token={API_TOKEN}")
    assert status == 200 and json.loads(body)["model_file"]


def test_a_body_over_the_limit_gets_413(cluster: Cluster) -> None:
    limit = 65_536
    big = json.dumps({"sender": "big", "message": "x" * limit}).encode()
    status, _, _ = _get(f"{cluster.url}/webhooks/rest/webhook", method="POST", body=big,
                        headers={"Content-Type": "application/json"})
    assert status == 413
    fine = json.dumps({"sender": "fine", "message": "hello " * 1600}).encode()
    assert _get(f"{cluster.url}/webhooks/rest/webhook", method="POST", body=fine,
                headers={"Content-Type": "application/json"})[0] == 200


def test_a_chunked_body_over_the_limit_gets_413(cluster: Cluster) -> None:
    """No Content-Length: HAProxy counts what arrives and answers 413 past the limit."""
    parts = urlsplit(cluster.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b'{"sender": "chunked", "message": "' + b"y" * 9_000
        for _ in range(10):  # 90 KB and no end: the answer must come before the body ends
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_a_rasa_server_refuses_over_a_mebibyte_itself(cluster: Cluster) -> None:
    """The private side has no balancer limit: each Rasa server answers 413 over 1 MiB."""
    parts = urlsplit(cluster.api_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n")
        sock.sendall(b'{"sender": "huge", "message": "' + b"z" * 100_000)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_socketio_and_rest_refuse_origins_that_are_not_allowed(cluster: Cluster) -> None:
    handshake = f"{cluster.url}/socket.io/?EIO=4&transport=polling"
    assert _get(handshake, {"Origin": EVIL})[0] == 403
    status, _, headers = _get(handshake, {"Origin": cluster.origin})
    assert status == 200
    assert headers.get("access-control-allow-origin") == cluster.origin
    body = json.dumps({"sender": "evil", "message": "hello"}).encode()
    assert _get(f"{cluster.url}/webhooks/rest/webhook", {"Origin": EVIL}, "POST", body)[0] \
        == 403
    ok, _, headers = _get(f"{cluster.url}/webhooks/rest/webhook", {"Origin": cluster.origin},
                          "POST", body)
    assert ok == 200 and headers.get("access-control-allow-origin") == cluster.origin


def test_the_demo_page_points_the_widget_at_the_load_balancer(cluster: Cluster) -> None:
    status, page, _ = _get(f"http://127.0.0.1:{cluster.env['WEB_PORT']}/")
    assert status == 200
    assert f":{cluster.env['CLUSTER_PORT']}".encode() in page
    assert _get(f"{cluster.url}/widget/widget.js")[0] == 200


def test_every_replica_runs_the_model_server_s_model(cluster: Cluster) -> None:
    base = int(cluster.env["CLUSTER_RASA_BASE_PORT"])
    seen = set()
    for port in (base + 1, base + 2, base + 3):
        status, body, _ = _get(f"http://127.0.0.1:{port}/status?token={API_TOKEN}")
        assert status == 200
        seen.add((json.loads(body)["model_id"], json.loads(body)["model_file"]))
    assert len(seen) == 1  # the same model everywhere
    model = f"http://127.0.0.1:{cluster.env['CLUSTER_MODEL_PORT']}/models/clinic.tar.gz"
    status, _, headers = _get(model)
    assert status == 200 and headers.get("etag")
    assert _get(model, {"If-None-Match": headers["etag"]})[0] == 304
