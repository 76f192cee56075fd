"""A polling request for a just-closed engine.io session gets 400, not 500 (tests/fuzz found
the 500: python-engineio 4.7 raises KeyError out of its request handler)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sanic import Sanic

from clinic.channels.socketio import ClinicSocketIOInput, _answer_closed_sessions_with_400


async def test_a_key_error_from_engineio_becomes_a_400() -> None:
    async def closed(*_: Any, **__: Any) -> Any:
        raise KeyError("Session is disconnected")

    eio = SimpleNamespace(handle_request=closed)
    _answer_closed_sessions_with_400(eio)
    answer = await eio.handle_request(object())
    assert answer.status == 400
    _answer_closed_sessions_with_400(eio)  # a second registration wraps nothing again
    assert (await eio.handle_request(object())).status == 400


def test_the_socketio_route_is_the_guarded_handler() -> None:
    async def on_message(_: Any) -> None:
        return None

    channel = ClinicSocketIOInput(allowed_origins=["http://localhost:8080"])
    app = Sanic("closed_session_test")
    app.blueprint(channel.blueprint(on_message), url_prefix="/webhooks/socketio")
    route = next(r for r in app.router.routes if r.path == "socket.io")
    assert route.handler is channel.sio.eio.handle_request
    assert channel.sio.eio.clinic_guarded
