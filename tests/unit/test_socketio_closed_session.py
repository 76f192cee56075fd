"""A polling request for a just-closed engine.io session gets 400, not 500 (tests/fuzz found
the 500: python-engineio 4.7 raises KeyError out of its request handler)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, List

import pytest

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


def test_an_undecodable_packet_is_a_bad_request_not_a_traceback() -> None:
    from engineio import exceptions, packet

    from clinic.channels.socketio import UndecodablePacketError, _refuse_undecodable_packets

    _refuse_undecodable_packets()
    _refuse_undecodable_packets()  # idempotent
    deep = "4" + "[" * 5000 + "]" * 5000  # json.loads: RecursionError
    for bad in ("bµ", "bA", "", "x", "9", deep):  # not ASCII; padding; no type; type 9
        with pytest.raises(exceptions.EngineIOError) as raised:
            packet.Packet(encoded_packet=bad)
        assert isinstance(raised.value, UndecodablePacketError)
    good = packet.Packet(encoded_packet="4hello")  # a message packet still decodes
    assert good.data == "hello"
    assert packet.Packet(encoded_packet="baGk=").data == b"hi"


async def test_a_polling_post_with_an_undecodable_packet_is_engineios_bad_request() -> None:
    """engine.io answers an EngineIOError out of handle_post_request with 400 and closes the
    session (asyncio_server.py); anything else it logs as a traceback."""
    from engineio import AsyncServer, exceptions
    from engineio.asyncio_socket import AsyncSocket

    from clinic.channels.socketio import _refuse_undecodable_packets

    _refuse_undecodable_packets()
    body = "bµ".encode()

    class Body:
        async def read(self, length: int) -> bytes:
            return body[:length]

    socket = AsyncSocket(AsyncServer(async_mode="asgi"), "sid-1")
    with pytest.raises(exceptions.EngineIOError):
        await socket.handle_post_request({"CONTENT_LENGTH": str(len(body)), "wsgi.input": Body()})


async def test_an_undecodable_websocket_frame_closes_the_connection_quietly() -> None:
    """engine.io's websocket handler decodes frames outside its error handling: "bµ" was a
    logged traceback (tests/fuzz). Now the connection ends as if the client had closed it,
    after the frames before it were delivered and before any after it is read."""
    from engineio import AsyncServer
    from engineio.asyncio_socket import AsyncSocket

    from clinic.channels.socketio import _refuse_undecodable_packets

    _refuse_undecodable_packets()
    _refuse_undecodable_packets()  # idempotent: the handler is wrapped once
    frames: List[Any] = ["4hello", b"\x01\x02", "bµ", "4never read"]
    sent: List[Any] = []

    class FakeWebsocket:
        async def wait(self) -> Any:
            return frames.pop(0)

        async def send(self, message: Any) -> None:
            sent.append(message)

        async def close(self) -> None:
            sent.append("closed")

    server = AsyncServer(async_mode="asgi", async_handlers=False)
    received: List[Any] = []
    disconnected: List[str] = []
    server.on("message", lambda sid, data: received.append(data))
    server.on("disconnect", lambda sid: disconnected.append(sid))
    socket = AsyncSocket(server, "sid-ws")
    server.sockets["sid-ws"] = socket
    await socket._websocket_handler(FakeWebsocket())
    assert received == ["hello", b"\x01\x02"]
    assert frames == ["4never read"]
    assert socket.closed and disconnected == ["sid-ws"]
    assert sent[-1] == "closed"
