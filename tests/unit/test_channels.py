"""Pure input checks of the channels."""

from __future__ import annotations

import pytest

from clinic.channels.rest import RequestError, parse_rest_body
from clinic.channels.text import MAX_MESSAGE_CHARS, clean_user_text


def test_control_characters_are_removed_and_length_capped() -> None:
    assert clean_user_text("he\x00llo\x07\tthere\n") == "hello\tthere\n"
    assert len(clean_user_text("x" * (MAX_MESSAGE_CHARS + 50))) == MAX_MESSAGE_CHARS
    assert clean_user_text("🙂 Привет") == "🙂 Привет"
    assert clean_user_text(None) is None
    assert clean_user_text(["hi"]) is None


def test_valid_body_is_parsed() -> None:
    parsed = parse_rest_body({"sender": 42, "message": "hi\x00", "metadata": {"a": 1}})
    assert parsed == {"sender": "42", "text": "hi", "metadata": {"a": 1}}
    assert parse_rest_body({"sender": "s"})["text"] == ""


@pytest.mark.parametrize(
    "body, field",
    [([], "JSON object"), ("x", "JSON object"), ({"message": "hi"}, "sender"),
     ({"sender": "", "message": "hi"}, "sender"), ({"sender": "a" * 200}, "sender"),
     ({"sender": "s", "message": ["x"]}, "message")],
)
def test_malformed_bodies_are_explained(body, field: str) -> None:
    with pytest.raises(RequestError, match=field):
        parse_rest_body(body)
