"""The socket.io channel the widget talks to, and the widget's own files.

Rasa 3.6's ``SocketIOInput`` has problems this subclass fixes:

* it calls ``sio.enter_room`` without awaiting it; python-socketio 5.10+ made that a
  coroutine, so with session persistence the visitor never joins the room and replies never
  reach the browser (RasaHQ/rasa#13027). We pin python-socketio 5.9 *and* await the call
  whenever it returns an awaitable, so an upgrade cannot silently break the widget;
* it accepts connections from every origin (``cors_allowed_origins=[]``); here the allowed
  origins come from ``ALLOWED_ORIGINS`` (``Settings.allowed_origins``);
* a malformed event (not a dict, a non-text message) raises inside the handler; here it
  is ignored with a warning that contains no message content;
* a typed slash command sets any intent and entities; here only those a button offers pass,
  anything else is plain text (``clinic/channels/slash_commands.py``);
* a polling request for a session closed a moment ago is answered 500 (a ``KeyError`` out
  of python-engineio 4.7); here it is a 400;
* a polling POST with a packet engine.io cannot decode (a ``b`` packet whose base64 is not
  ASCII: found by tests/fuzz) is logged by python-engineio 4.7 as a traceback and answered
  200; here it is a 400 and the session is closed, as for any other bad packet;
* its output drops the ``url`` of link buttons; here quick replies carry
  ``{title, payload}`` and link buttons travel separately as ``links: [{title, url}]``.

The same server also serves the widget (``web/widget/``) under ``/widget/`` so a clinic
embeds it with one script tag pointing at the Rasa server.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from engineio import exceptions as engineio_exceptions
from engineio import packet as engineio_packet
from engineio.asyncio_socket import AsyncSocket
from rasa.core.channels.channel import (
    OutputChannel,
    UserMessage,
    decode_bearer_token,
)
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from clinic.channels.slash_commands import SlashCommandGuard, loaded_domain
from clinic.channels.text import LAST_RESORT_REPLY, clean_user_text, metadata_fits
from clinic.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

MAX_BUTTON_TITLE_CHARS = 200
WIDGET_ROOT = PROJECT_ROOT / "web" / "widget"
WIDGET_ROUTE = "/widget"
# Only these kinds of files are served from ``web/widget/``; anything else is a 404.
WIDGET_CONTENT_TYPES: Dict[str, str] = {
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE
}


def metadata_from(value: Any) -> Dict[Text, Any]:
    """A message's metadata as a dict: an object as sent, or a JSON string holding one.

    Anything else (not JSON, not an object, nested deeper than ``MAX_METADATA_DEPTH``) is
    ``{}``: the message is still answered, its metadata ignored.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            return {}
    return value if metadata_fits(value) else {}


def session_id_from(data: Any) -> Optional[Text]:
    """Extracts a usable session id from a socket.io payload."""
    if isinstance(data, dict):
        value = data.get("session_id")
        if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
            return value
    return None


def split_buttons(
    buttons: Iterable[Any],
) -> Tuple[List[Dict[Text, Text]], List[Dict[Text, Text]]]:
    """Splits Rasa buttons into quick replies and https link buttons.

    Returns:
        ``(quick_replies, links)``: quick replies as ``{content_type, title, payload}``
        (Rasa's own shape, so other socket.io clients keep working) and links as
        ``{title, url}``. Buttons without a title, links that are not ``https:`` and
        buttons with neither a payload nor a url are dropped.
    """
    quick_replies: List[Dict[Text, Text]] = []
    links: List[Dict[Text, Text]] = []
    for button in buttons or []:
        if not isinstance(button, dict):
            continue
        title = button.get("title")
        if not isinstance(title, str) or not title.strip():
            continue
        title = title.strip()[:MAX_BUTTON_TITLE_CHARS]
        url = button.get("url")
        payload = button.get("payload")
        if isinstance(url, str) and url:
            if url.startswith("https://"):
                links.append({"title": title, "url": url})
            else:
                logger.warning("Dropped a link button whose address is not https.")
        elif isinstance(payload, str) and payload:
            quick_replies.append(
                {"content_type": "text", "title": title, "payload": payload}
            )
    return quick_replies, links


def text_parts(text: Any) -> List[Text]:
    """Splits a bot text into bubbles at blank lines, as Rasa's socket.io output does."""
    if not isinstance(text, str):
        return [""]
    parts = [part for part in text.strip().split("\n\n") if part.strip()]
    return parts or [""]


class ClinicSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output with link buttons kept and the namespace respected."""

    def __init__(
        self, sio: AsyncServer, bot_message_evt: Text, namespace: Optional[Text] = None
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace
        self.sent = 0  # messages emitted for this turn (0 at the end: last-resort reply)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        """Sends one message to the visitor's room (their session id or socket id)."""
        self.sent += 1
        await self.sio.emit(
            self.bot_message_evt, response, room=socket_id, namespace=self.namespace
        )

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        """Sends the text; the last bubble carries ``quick_replies`` and ``links``."""
        messages: List[Dict[Text, Any]] = [{"text": part} for part in text_parts(text)]
        quick_replies, links = split_buttons(buttons)
        messages[-1]["quick_replies"] = quick_replies
        if links:
            messages[-1]["links"] = links
        for message in messages:
            await self._send_message(recipient_id, message)


class ClinicSocketBlueprint(SocketBlueprint):
    """Attaches socket.io and the widget's files (``/widget/...``) to the Rasa app."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        """Registers the blueprint, plus the widget route at the app's root."""
        _answer_closed_sessions_with_400(self.ctx.sio.eio)
        _refuse_undecodable_packets()
        super().register(app, options)
        self.ctx.clinic_app = app  # the handlers read the loaded model's domain from it
        if not getattr(app.ctx, "clinic_widget_route", False):
            app.add_route(
                serve_widget_file,
                f"{WIDGET_ROUTE}/<name:path>",
                methods=["GET", "HEAD"],
                name="clinic_widget_file",
            )
            app.ctx.clinic_widget_route = True


def _answer_closed_sessions_with_400(eio: Any) -> None:
    """A request for a session closed a moment ago gets 400 instead of 500.

    python-engineio 4.7 raises ``KeyError('Session is disconnected')`` out of its request
    handler when a polling request names a session that was just closed (a client's close
    packet followed by one more request: found by tests/fuzz), and Sanic answers that 500.
    Must run before ``sio.attach`` registers ``eio.handle_request`` as the route.
    """
    if getattr(eio, "clinic_guarded", False):
        return
    original = eio.handle_request

    async def handle_request(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        except KeyError:
            return response.text("Session is disconnected", status=400)

    eio.handle_request = handle_request
    eio.clinic_guarded = True


class UndecodablePacketError(engineio_exceptions.EngineIOError):
    """A packet that engine.io cannot decode (see :func:`_refuse_undecodable_packets`)."""


def _refuse_undecodable_packets() -> None:
    """Every packet engine.io cannot decode is refused the same way on both transports.

    python-engineio 4.7 decodes a ``b`` packet with ``base64.b64decode``, the type with
    ``int()`` and the data with ``json.loads``, which raise ``ValueError`` on a malformed
    packet ("bµ", found by tests/fuzz) and ``RecursionError`` on JSON nested thousands deep;
    a type outside 0-6 ("9") decodes and then fails inside its handlers. Its polling POST
    handler treats only ``EngineIOError`` as a bad request and logs anything else as a
    traceback; its websocket handler decodes each frame outside any error handling.

    Here a malformed packet raises :class:`UndecodablePacketError` (an ``EngineIOError``):
    a polling POST is answered 400 and its session closed. A websocket frame is checked
    before engine.io sees it (:class:`_DecodableFrames`): an undecodable frame ends that
    connection as if the client had closed it (one log line, without the frame). No
    traceback either way. Idempotent; it changes ``engineio.packet.Packet.decode`` and
    ``AsyncSocket._websocket_handler`` for this process (the server is their only user).
    """
    original = engineio_packet.Packet.decode
    if getattr(original, "clinic_guarded", False):
        return

    def decode(self: Any, encoded_packet: Any) -> Any:
        try:
            decoded = original(self, encoded_packet)
        except (ValueError, RecursionError) as error:  # RecursionError: "4[[[[..."
            raise UndecodablePacketError(
                f"undecodable packet ({type(error).__name__})") from None
        if not 0 <= self.packet_type < len(engineio_packet.packet_names):
            raise UndecodablePacketError("undecodable packet (unknown packet type)")
        return decoded

    decode.clinic_guarded = True  # type: ignore[attr-defined]
    engineio_packet.Packet.decode = decode

    websocket_handler = AsyncSocket._websocket_handler

    async def _websocket_handler(self: AsyncSocket, ws: Any) -> Any:
        return await websocket_handler(self, _DecodableFrames(ws))

    AsyncSocket._websocket_handler = _websocket_handler


class _DecodableFrames:
    """engine.io's websocket, whose ``wait()`` reports an undecodable frame as the end of
    the connection (``None``, what engine.io's handler reads as the client closing)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def __getattr__(self, name: Text) -> Any:
        return getattr(self._ws, name)

    async def wait(self) -> Any:
        """The next frame, or ``None`` when engine.io could not decode it."""
        frame = await self._ws.wait()
        try:
            engineio_packet.Packet(encoded_packet=frame)
        except engineio_exceptions.EngineIOError:
            logger.info("socket.io: closed a websocket that sent an undecodable frame")
            return None
        return frame


def resolve_widget_file(name: Text, root: Path = WIDGET_ROOT) -> Optional[Path]:
    """Maps a requested name to a file inside ``root``, or ``None`` when not allowed.

    Rejects absolute paths, ``..`` and hidden segments, backslashes, files outside
    ``root`` (also through symlinks) and file types the widget does not use.
    """
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    segments = name.split("/")
    if any(not segment or segment.startswith(".") for segment in segments):
        return None
    base = root.resolve()
    candidate = (base / name).resolve()
    if base not in candidate.parents or not candidate.is_file():
        return None
    if candidate.suffix not in WIDGET_CONTENT_TYPES:
        return None
    return candidate


def widget_headers(path: Path) -> Dict[Text, Text]:
    """Response headers for a widget file."""
    return {
        "Content-Type": WIDGET_CONTENT_TYPES[path.suffix],
        "X-Content-Type-Options": "nosniff",
        # Revalidate every time: a clinic's pages then pick up a new widget at once.
        "Cache-Control": "no-cache",
        # Any site may embed the widget; it only talks to the origins allowed above.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }


async def serve_widget_file(request: Request, name: Text) -> HTTPResponse:
    """Serves one file of ``web/widget/``."""
    path = resolve_widget_file(name)
    if path is None:
        return response.text("Not found", status=404)
    body = b"" if request.method == "HEAD" else path.read_bytes()
    return response.raw(body, status=200, headers=widget_headers(path))


class ClinicSocketIOInput(SocketIOInput):
    """socket.io input channel with awaited rooms, origin checks and input checks."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(
        self, *args: Any, allowed_origins: Optional[list] = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.allowed_origins = (
            list(allowed_origins)
            if allowed_origins is not None
            else list(Settings.from_env().allowed_origins)
        )

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "ClinicSocketIOInput":
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

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output used for messages not triggered by the visitor (e.g. reminders)."""
        if self.sio is None:
            return super().get_output_channel()
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt, self.namespace)

    def socketio_server(self) -> AsyncServer:
        """The socket.io server, accepting only the allowed origins.

        engineio checks the ``Origin`` of every connection (WebSocket included) against
        the list. An empty list would switch the check off in engineio, so it means
        "same origin only" here instead. The CORS *headers* of the polling transport are
        left to Rasa's own CORS handling (``--cors``, given the same list by the
        launcher): answering them twice makes browsers reject the response.
        """
        origins: Any = self.allowed_origins or None
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins)
        sio.eio._cors_headers = _no_cors_headers  # type: ignore[attr-defined]
        return sio

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Defines the Sanic blueprint and the socket.io event handlers."""
        sio = self.socketio_server()
        bp = ClinicSocketBlueprint(
            sio, self.socketio_path, "socketio_webhook", __name__
        )
        self.sio = sio
        guard = SlashCommandGuard()  # typed /commands: only what a button offers

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(
                token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            )

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
                logger.warning(
                    "Ignored a socket.io message whose text is not a string."
                )
                return
            if self.session_persistence:
                sender_id = session_id_from(data)
                if sender_id is None:
                    logger.warning("Ignored a socket.io message without a session_id.")
                    return
            else:
                sender_id = sid
            metadata = metadata_from(data.get(self.metadata_key))
            output = ClinicSocketIOOutput(sio, self.bot_message_evt, self.namespace)
            try:
                domain = loaded_domain(getattr(bp.ctx, "clinic_app", None))
                text = guard.screen(text, domain)
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception as error:  # noqa: BLE001 - one turn must not kill the server
                logger.error("A socket.io turn failed (%s).", type(error).__name__)
            if output.sent == 0:
                logger.warning("A socket.io turn produced no reply; sent the last-resort reply.")
                await output.send_text_message(sender_id, LAST_RESORT_REPLY)

        return bp


def _no_cors_headers(environ: Dict[Text, Any]) -> List[Tuple[Text, Text]]:
    """engineio adds no CORS headers of its own (see ``socketio_server``)."""
    return []
