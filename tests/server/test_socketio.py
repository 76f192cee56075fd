"""socket.io round trips with session persistence (the RasaHQ/rasa#13027 trap).

With python-socketio >= 5.10 and Rasa's stock channel, ``enter_room`` is never awaited, the
visitor never joins its session room and these tests time out waiting for ``bot_uttered``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import pytest
import socketio

TIMEOUT_S = 60


async def _connect(stack, origin: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(stack.rasa_url, headers={"Origin": origin},
                         socketio_path="/socket.io", transports=["websocket"],
                         wait_timeout=20)
    return client


def _allowed_origin(stack) -> str:
    return stack.env["ALLOWED_ORIGINS"].split(",")[0]


async def _exchange(client: socketio.AsyncClient, session_id: str, text: str) -> List[Dict[str, Any]]:
    received: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", lambda data: received.put_nowait(data))
    await client.emit("user_uttered", {"message": text, "session_id": session_id})
    first = await asyncio.wait_for(received.get(), TIMEOUT_S)
    messages = [first]
    await asyncio.sleep(0.5)  # collect the rest of this turn
    while not received.empty():
        messages.append(received.get_nowait())
    return messages


async def _session(client: socketio.AsyncClient, session_id: str) -> str:
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    await client.emit("session_request", {"session_id": session_id})
    return await asyncio.wait_for(confirmed, 20)


async def test_reply_arrives_over_socketio_with_session_persistence(stack) -> None:
    client = await _connect(stack, _allowed_origin(stack))
    try:
        session_id = uuid.uuid4().hex
        assert await _session(client, session_id) == session_id
        messages = await _exchange(client, session_id, "hello")
        assert "virtual assistant" in messages[0]["text"]
        assert messages[0]["quick_replies"], "greeting should offer quick replies"
    finally:
        await client.disconnect()


async def test_conversation_continues_after_reconnect(stack) -> None:
    """A reload opens a new socket; the same session id keeps the conversation."""
    session_id = uuid.uuid4().hex
    first = await _connect(stack, _allowed_origin(stack))
    await _session(first, session_id)
    await _exchange(first, session_id, "hi")
    await first.disconnect()

    second = await _connect(stack, _allowed_origin(stack))
    try:
        await _session(second, session_id)
        messages = await _exchange(second, session_id, "are you a bot?")
        assert messages and messages[0]["text"]
    finally:
        await second.disconnect()
    import sqlalchemy as sa

    with sa.create_engine(stack.database_url).connect() as conn:
        users = conn.execute(
            sa.text("SELECT COUNT(*) FROM events WHERE sender_id=:s AND type_name='user'"),
            {"s": session_id},
        ).scalar()
    assert users == 2  # both turns landed in one conversation


async def test_foreign_origin_is_refused(stack) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await _connect(stack, "https://evil.example")


async def test_malformed_events_do_not_break_the_server(stack) -> None:
    client = await _connect(stack, _allowed_origin(stack))
    try:
        session_id = uuid.uuid4().hex
        await _session(client, session_id)
        await client.emit("user_uttered", "not an object")
        await client.emit("user_uttered", {"message": {"nested": 1}, "session_id": session_id})
        await client.emit("user_uttered", {"message": "hi"})  # no session id
        messages = await _exchange(client, session_id, "hello")
        assert messages[0]["text"]
    finally:
        await client.disconnect()
