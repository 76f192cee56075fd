"""Hardening of the running stack: API token, CORS, localhost-only servers."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import pytest

EVIL_ORIGIN = "http://evil.example"


def _request(
    url: str, method: str = "GET", headers: Optional[Dict[str, str]] = None,
    body: Optional[bytes] = None,
) -> Tuple[int, Dict[str, str]]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def _allowed_origin(stack: Any) -> str:
    port = urlsplit(stack.web_url).port
    return f"http://127.0.0.1:{port}"


API_PATHS = ["/status", "/conversations/hardening-probe/tracker", "/domain"]


@pytest.mark.parametrize("path", API_PATHS)
def test_the_http_api_refuses_requests_without_the_token(stack: Any, path: str) -> None:
    status, _ = _request(stack.rasa_url + path)
    assert status in (401, 403)
    status, _ = _request(stack.rasa_url + path + "?token=wrong-token")
    assert status in (401, 403)


@pytest.mark.parametrize("path", API_PATHS[:2])
def test_the_http_api_answers_with_the_token(stack: Any, path: str) -> None:
    assert stack.api_token == "test-token"
    status, _ = _request(f"{stack.rasa_url}{path}?token=test-token")
    assert status == 200


def test_model_parse_needs_the_token(stack: Any) -> None:
    body = b'{"text": "hello"}'
    status, _ = _request(stack.rasa_url + "/model/parse", "POST",
                         {"Content-Type": "application/json"}, body)
    assert status in (401, 403)


def _preflight(stack: Any, origin: str) -> Dict[str, str]:
    status, headers = _request(
        stack.rasa_url + "/webhooks/rest/webhook", "OPTIONS",
        {"Origin": origin, "Access-Control-Request-Method": "POST",
         "Access-Control-Request-Headers": "content-type"},
    )
    assert status < 500
    return headers


def test_rest_preflight_from_another_site_gets_no_cors_grant(stack: Any) -> None:
    granted = _preflight(stack, EVIL_ORIGIN).get("access-control-allow-origin")
    assert granted not in (EVIL_ORIGIN, "*")
    # the control: the clinic's own page is granted
    allowed = _allowed_origin(stack)
    assert _preflight(stack, allowed).get("access-control-allow-origin") == allowed


def test_rest_post_from_another_site_gets_no_cors_grant(stack: Any) -> None:
    body = b'{"sender": "hardening-cors", "message": "hello"}'
    status, headers = _request(stack.rasa_url + "/webhooks/rest/webhook", "POST",
                               {"Content-Type": "application/json", "Origin": EVIL_ORIGIN}, body)
    assert headers.get("access-control-allow-origin") not in (EVIL_ORIGIN, "*")


def _socketio_handshake(stack: Any, origin: str) -> Tuple[int, Dict[str, str]]:
    return _request(stack.rasa_url + "/socket.io/?EIO=4&transport=polling",
                    headers={"Origin": origin})


def test_socketio_refuses_another_site(stack: Any) -> None:
    status, headers = _socketio_handshake(stack, EVIL_ORIGIN)
    assert status >= 400 or headers.get("access-control-allow-origin") not in (EVIL_ORIGIN, "*")
    assert headers.get("access-control-allow-origin") not in (EVIL_ORIGIN, "*")
    allowed = _allowed_origin(stack)
    status, headers = _socketio_handshake(stack, allowed)
    assert status == 200
    assert headers.get("access-control-allow-origin") == allowed


def _listening_addresses(port: int) -> Set[str]:
    """Local addresses with a listening TCP socket on ``port`` (Linux /proc/net)."""
    found: Set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _non_loopback_ipv4() -> List[str]:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            address = probe.getsockname()[0]
    except OSError:
        return []
    return [] if address.startswith("127.") else [address]


def test_servers_listen_on_localhost_only(stack: Any) -> None:
    ports = {
        "action server": urlsplit(stack.action_url).port,
        "Rasa server": urlsplit(stack.rasa_url).port,
        "demo page": urlsplit(stack.web_url).port,
    }
    for name, port in ports.items():
        addresses = _listening_addresses(port)
        assert addresses, f"nothing listens on the {name} port {port}"
        assert addresses <= {"127.0.0.1", "::1"}, f"{name} listens on {addresses}"
    for address in _non_loopback_ipv4():
        with socket.socket() as sock:
            sock.settimeout(3)
            assert sock.connect_ex((address, ports["action server"])) != 0
