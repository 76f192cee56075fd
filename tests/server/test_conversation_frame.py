"""The conversation frame, with the trained model loaded in-process."""

from __future__ import annotations

import uuid

import pytest

from tests.server.helpers import response_texts


async def _reply_texts(agent, text: str) -> list:
    messages = await agent.handle_text(text, sender_id=f"frame-{uuid.uuid4().hex}")
    return [m.get("text", "") for m in messages]


@pytest.mark.parametrize(
    "text, response",
    [
        ("good morning!", "utter_greet"),
        ("ok bye, have a nice day", "utter_goodbye"),
        ("thank you so much", "utter_you_are_welcome"),
        ("wait, am I chatting with a robot?", "utter_iamabot"),
        ("what can I ask you about", "utter_what_i_can_do"),
        ("what's the best sushi place nearby", "utter_out_of_scope"),
        ("write me a poem about cats", "utter_out_of_scope"),
    ],
)
async def test_frame_replies(agent, text: str, response: str) -> None:
    texts = await _reply_texts(agent, text)
    expected = response_texts(response)
    if response == "utter_greet":
        assert "virtual assistant" in texts[0]
    else:
        assert texts[0] in expected, texts


async def test_gibberish_gets_an_honest_reply_with_options(agent) -> None:
    sender = f"frame-{uuid.uuid4().hex}"
    messages = await agent.handle_text("qwzx plorf vrrmb", sender_id=sender)
    assert messages, "no reply"
    assert any(m.get("buttons") for m in messages), "should offer what it can help with"
    tracker = await agent.tracker_store.retrieve(sender)
    assert tracker.get_slot("last_topic") is None  # no therapy answer to gibberish
