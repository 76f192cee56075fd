"""The REST channel (``POST /webhooks/rest/webhook``) with input checks.

Rasa's ``RestInput`` answers HTTP 500 to a body that is not a JSON object and, when a turn
fails, logs the visitor's message text. This subclass answers 400 with a clear message for
malformed requests, cleans the text like the socket.io channel, treats a typed slash command
that no button offers as plain text (``clinic/channels/slash_commands.py``), and logs
failures without any message content.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.channels.slash_commands import SlashCommandGuard, loaded_domain
from clinic.channels.text import (
    LAST_RESORT_REPLY,
    MAX_METADATA_DEPTH,
    clean_user_text,
    metadata_fits,
)

logger = logging.getLogger(__name__)


class RequestError(ValueError):
    """The request body is not what the REST channel accepts."""


def parse_rest_body(body: Any) -> Dict[str, Any]:
    """Validates a REST body and returns sender, text and metadata."""
    if not isinstance(body, dict):
        raise RequestError('Send a JSON object like {"sender": "id", "message": "text"}.')
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 128:
        raise RequestError('"sender" must be a non-empty string of at most 128 characters.')
    text = clean_user_text(body.get("message", ""))
    if text is None:
        raise RequestError('"message" must be a string.')
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and not metadata_fits(metadata):
        raise RequestError(f'"metadata" may nest at most {MAX_METADATA_DEPTH} levels.')
    return {
        "sender": sender,
        "text": text,
        "metadata": metadata if isinstance(metadata, dict) else None,
    }


class ClinicRestInput(RestInput):
    """REST input channel that rejects malformed requests with HTTP 400."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        """Health check and the webhook."""
        bp = Blueprint("clinic_rest_webhook", __name__)
        guard = SlashCommandGuard()  # typed /commands: only what a button offers

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except InvalidUsage:
                return response.json({"error": "The body is not valid JSON."}, status=400)
            try:
                parsed = parse_rest_body(body)
            except RequestError as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(guard.screen(parsed["text"], loaded_domain(request.app)),
                                collector, parsed["sender"],
                                input_channel=self.name(), metadata=parsed["metadata"])
                )
            except CancelledError:
                logger.error("A REST turn timed out.")
            except Exception as error:  # noqa: BLE001 - one turn must not kill the server
                logger.error("A REST turn failed (%s).", type(error).__name__)
            if not collector.messages:
                logger.warning("A REST turn produced no reply; sent the last-resort reply.")
                await collector.send_text_message(parsed["sender"], LAST_RESORT_REPLY)
            return response.json(collector.messages)

        return bp
