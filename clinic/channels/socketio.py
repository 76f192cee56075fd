"""The socket.io channel the widget talks to.

Rasa 3.6's ``SocketIOInput`` has three problems this subclass fixes:

* it calls ``sio.enter_room`` without awaiting it; python-socketio 5.10+ made that a
  coroutine, so with session persistence the visitor never joins the room and replies never
  reach the browser (RasaHQ/rasa#13027). We pin python-socketio 5.9 *and* await the call
  whenever it returns an awaitable, so an upgrade cannot silently break the widget;
* it accepts connections from every origin (``cors_allowed_origins=[]``); here the allowed
  origins come from ``ALLOWED_ORIGINS``;
* a malformed event (not a dict, a non-text message) raises inside the handler; here it
  is ignored with a warning that contains no message content.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from clinic.settings import Settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000


def clean_user_text(raw: Any) -> Optional[Text]:
    """Returns the visitor's text fit for NLU, or ``None`` if the event carries no text.

    Control characters (other than newlines and tabs) are removed and very long messages
    are cut to ``MAX_MESSAGE_CHARS`` so one pasted essay cannot stall the server.
    """
    if not isinstance(raw, str):
        return None
    text = "".join(ch for ch in raw if ch in "\n\t" or ch.isprintable())
    return text[:MAX_MESSAGE_CHARS]


def session_id_from(data: Any) -> Optional[Text]:
    """Extracts a usable session id from a socket.io payload."""
    if isinstance(data, dict):
        value = data.get("session_id")
        if isinstance(value, str) and 0 < len(value) <= 128:
            return value
    return None


class ClinicSocketIOInput(SocketIOInput):
    """socket.io input channel with awaited rooms, origin checks and input checks."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(self, *args: Any, allowed_origins: Optional[list] = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.allowed_origins = (
            list(allowed_origins)
            if allowed_origins is not None
            else list(Settings.from_env().allowed_origins)
        )

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ClinicSocketIOInput":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Defines the Sanic blueprint and the socket.io event handlers."""
        # "*" would allow every origin; an explicit list lets engineio reject the others.
        origins: Any = self.allowed_origins if self.allowed_origins else []
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins)
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            session_id = session_id_from(data) or uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10
                    await joined
            await sio.emit(
                "session_confirm", session_id, room=sid, namespace=self.namespace
            )

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("Ignored a socket.io message that is not an object.")
                return
            text = clean_user_text(data.get("message", ""))
            if text is None:
                logger.warning("Ignored a socket.io message whose text is not a string.")
                return
            if self.session_persistence:
                sender_id = session_id_from(data)
                if sender_id is None:
                    logger.warning("Ignored a socket.io message without a session_id.")
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return bp
