"""Local stand-ins for the clinic's systems, started on 127.0.0.1 by the delivery tests.

``WebhookTarget`` is a real aiohttp server that checks the HMAC signature and keeps every
Idempotency-Key it processed, as a well-behaved receiver would. ``SmtpTarget`` is an
aiosmtpd server that keeps the messages it received.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from email import message_from_bytes
from email.message import Message
from typing import Any, Dict, List, Optional

from aiohttp import web
from aiosmtpd.controller import Controller

from actions.booking.webhook_client import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookTarget:
    """Signed-webhook receiver; ``fail_next`` answers 503, ``delay`` answers late."""

    def __init__(self, secret: str, port: int) -> None:
        self.secret = secret
        self.port = port
        self.url = f"http://127.0.0.1:{port}/bookings"
        self.received_keys: List[str] = []
        self.processed: Dict[str, Dict[str, Any]] = {}
        self.bad_signatures = 0
        self.fail_next = 0
        self.status_next: Optional[int] = None
        self.delay = 0.0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        self.received_keys.append(key)
        if not verify_signature(
            self.secret,
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
        ):
            self.bad_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status_next is not None:
            status, self.status_next = self.status_next, None
            return web.json_response({"error": "refused"}, status=status)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": "busy"}, status=503)
        if key in self.processed:
            return web.json_response({"status": "duplicate ignored"})
        self.processed[key] = json.loads(body)
        return web.json_response({"status": "accepted"}, status=201)

    def start(self) -> "WebhookTarget":
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/bookings", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            loop.run_until_complete(site.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(10), "webhook target did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._thread = None


class _Mailbox:
    def __init__(self) -> None:
        self.messages: List[Message] = []
        self.envelopes: List[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


class SmtpTarget:
    """A local SMTP server (no TLS, no auth) keeping what it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = _Mailbox()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)

    @property
    def messages(self) -> List[Message]:
        return self.mailbox.messages

    def start(self) -> "SmtpTarget":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
