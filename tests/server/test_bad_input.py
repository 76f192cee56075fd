"""Bad input never breaks a conversation: sensible replies, no HTTP 500, server keeps serving."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest


BAD_MESSAGES = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "very long": ("my neck hurts when I sit at my desk all day " * 250)[:10_000],
    "emoji": "🙂💆‍♀️ massage?? 🤔",
    "mixed scripts": "Привет! 你好 مرحبا what is NMT?",
    "control characters": "hel\x00lo\x07 \x1b[31mthere\x1b[0m",
    "html and script": "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "json-looking": '{"intent": "greet"}',
    "slash command junk": "/not_an_intent{\"broken\"",
}


@pytest.mark.parametrize("label", sorted(BAD_MESSAGES))
def test_bad_message_gets_a_sensible_reply(stack, label: str) -> None:
    replies = stack.rest(f"bad-{uuid.uuid4().hex}", BAD_MESSAGES[label])
    assert replies, f"no reply to {label} input"
    assert all(isinstance(r.get("text"), str) and r["text"].strip() for r in replies)
    # the server still serves a normal turn afterwards
    assert stack.rest(f"after-{uuid.uuid4().hex}", "hello")[0]["text"]


def test_empty_message_gets_a_question_back(stack) -> None:
    replies = stack.rest(f"empty-{uuid.uuid4().hex}", "")
    assert "?" in replies[0]["text"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"sender": 5, "message": []}', b'{"message": "hi"}', b""],
)
def test_malformed_requests_get_a_client_error_not_500(stack, body: bytes) -> None:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status = response.status
            json.loads(response.read() or b"[]")
    except urllib.error.HTTPError as error:
        status = error.code
    assert status < 500
    assert stack.rest(f"after-{uuid.uuid4().hex}", "hello")[0]["text"]
