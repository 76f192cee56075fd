"""Pure input checks of the channels."""

from __future__ import annotations

import pytest

from clinic.channels.rest import RequestError, parse_rest_body
from clinic.channels.text import (
    MAX_MESSAGE_CHARS,
    MAX_METADATA_DEPTH,
    clean_user_text,
    metadata_fits,
    nesting_depth,
)


def nested(depth: int) -> dict:
    """``{"a": {"a": ... 1}}`` with ``depth`` dicts."""
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value  # type: ignore[return-value]


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


def test_nesting_is_measured_without_recursion() -> None:
    assert nesting_depth(1) == 0 and nesting_depth({}) == 1 and nesting_depth([[], {}]) == 2
    assert nesting_depth({"a": [1, {"b": [2]}], "c": 3}) == 4
    assert nesting_depth(nested(50_000)) == 50_000  # past the recursion limit


def test_metadata_deeper_than_the_limit_is_refused_with_a_reason() -> None:
    # nested some 800 deep, Rasa failed the turn serialising the tracker (RecursionError)
    assert metadata_fits(nested(MAX_METADATA_DEPTH)) and not metadata_fits(nested(9))
    body = {"sender": "s", "message": "hi", "metadata": nested(MAX_METADATA_DEPTH)}
    assert parse_rest_body(body)["metadata"] == nested(MAX_METADATA_DEPTH)
    with pytest.raises(RequestError, match="metadata.*at most 8 levels"):
        parse_rest_body({**body, "metadata": nested(MAX_METADATA_DEPTH + 1)})
    with pytest.raises(RequestError, match="metadata"):
        parse_rest_body({**body, "metadata": nested(800)})
