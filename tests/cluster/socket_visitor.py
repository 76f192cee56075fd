"""A socket.io visitor, like the widget: one websocket through the balancer, reconnecting
by itself and asking for its session again (``session_request``) after every reconnect.

Like the widget (docs/widget.md, "Resending"), a message whose connection dropped before any
bubble of its answer came is sent again once after the reconnect, ``RESEND_GRACE_S`` later
unless a late answer comes first, with the same ``message_id`` and ``resend: true`` in its
metadata. That is not a failed request: the visitor typed nothing again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Dict, Optional, Sequence, Tuple

import socketio

from tests.cluster.visitors import TRY_AGAIN, TURN_TIMEOUT_S, Outcome, Pacing, run_steps

FIRST_BUBBLE_S = 30.0  # no answer for this long is a failed request
QUIET_S = 0.5  # no further bubble for this long: the turn is over
SLOW_QUIET_S = 5.0  # the same while the expected text has not come yet
RESEND_GRACE_S = 2.0  # GRACE_MS of widget.js
logger = logging.getLogger(__name__)


class Dropped(Exception):
    """The connection dropped again after the message had been resent."""


class SocketVisitor:
    """A widget-like socket.io client: reconnects by itself and asks for its session again."""

    def __init__(self, url: str, origin: str, session_id: str) -> None:
        self.url, self.origin, self.session_id = url, origin, session_id
        self.client = socketio.AsyncClient(reconnection=True, reconnection_delay=1,
                                           reconnection_delay_max=3)
        self.inbox: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.dropped = asyncio.Event()
        self.resends = 0  # messages sent again after a reconnect, as the widget does
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self._on_disconnect)
        self.client.on("session_confirm", lambda _sid: self.confirmed.set())
        self.client.on("bot_uttered", self.inbox.put_nowait)

    async def _on_connect(self) -> None:
        await self.client.emit("session_request", {"session_id": self.session_id})

    def _on_disconnect(self, *_reason: Any) -> None:
        self.confirmed.clear()
        self.dropped.set()

    async def _say(self, text: str, message_id: str, resend: bool) -> None:
        await self.client.emit("user_uttered", {
            "message": text, "session_id": self.session_id,
            "metadata": {"message_id": message_id, "resend": resend}})

    async def _first_bubble(self, text: str) -> Dict[str, Any]:
        """The answer's first bubble; the message is resent once, as the widget does, when
        the connection drops before any bubble came."""
        message_id, resent = uuid.uuid4().hex, False
        self.dropped.clear()
        await self._say(text, message_id, resend=False)
        while True:
            bubble = asyncio.ensure_future(self.inbox.get())
            dropped = asyncio.ensure_future(self.dropped.wait())
            done, _ = await asyncio.wait({bubble, dropped}, timeout=FIRST_BUBBLE_S,
                                         return_when=asyncio.FIRST_COMPLETED)
            dropped.cancel()
            if bubble in done:
                return bubble.result()
            bubble.cancel()
            if not done:
                raise asyncio.TimeoutError()
            if resent:
                raise Dropped()
            await asyncio.wait_for(self.confirmed.wait(), TURN_TIMEOUT_S)
            self.dropped.clear()
            try:  # the original's answer, late (the old connection's replica was alive)
                return await asyncio.wait_for(self.inbox.get(), RESEND_GRACE_S)
            except asyncio.TimeoutError:
                pass
            await self._say(text, message_id, resend=True)
            self.resends += 1
            resent = True

    async def connect(self) -> None:
        await self.client.connect(self.url, headers={"Origin": self.origin},
                                  transports=["websocket"], socketio_path="/socket.io",
                                  wait_timeout=30)

    async def turn(self, text: str, expected: str, outcome: Outcome) -> Optional[str]:
        """Sends ``text``; collects bubbles until ``expected`` shows (``None`` on failure)."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.confirmed.wait(), TURN_TIMEOUT_S)
            while not self.inbox.empty():
                self.inbox.get_nowait()
            first = await self._first_bubble(text)
            said = (first.get("text") or "") + "\n"
            while True:  # the turn's other bubbles, until it has been quiet for a while
                done = expected in said or any(marker in said for marker in TRY_AGAIN)
                try:
                    bubble = await asyncio.wait_for(self.inbox.get(),
                                                    QUIET_S if done else SLOW_QUIET_S)
                except asyncio.TimeoutError:
                    break
                said += (bubble.get("text") or "") + "\n"
        except (asyncio.TimeoutError, socketio.exceptions.SocketIOError, Dropped) as error:
            outcome.failures.append(type(error).__name__)
            return None
        if any(marker in said for marker in TRY_AGAIN):
            outcome.failures.append(f"try-again reply: {said[:60]}")
            return None
        outcome.latencies.append(time.monotonic() - started)
        return said


async def socket_visitor(url: str, origin: str, sender: str,
                         steps: Sequence[Tuple[str, str]], pacing: Optional[Pacing] = None
                         ) -> Outcome:
    """Runs ``steps`` over socket.io (websocket), as the widget does."""
    outcome = Outcome(sender)
    visitor = SocketVisitor(url, origin, sender)
    await visitor.connect()
    try:

        async def turn(text: str, expected: str) -> Optional[str]:
            return await visitor.turn(text, expected, outcome)

        return await run_steps(turn, steps, outcome, pacing or Pacing())
    finally:
        if visitor.resends:
            logger.info("%s: %d message(s) resent after a reconnect", sender, visitor.resends)
        await visitor.client.disconnect()
