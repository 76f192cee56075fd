"""A person when asked: the reply gives the contact channels and offers a callback."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.contact import CALLBACK_PAYLOAD, ActionCallbackStart, human_offer
from clinic.config import ClinicConfig


def test_offer_names_the_configured_channels() -> None:
    config = ClinicConfig(raw={"clinic": {"phone": "(310) 555-0100", "email": "desk@example.com"}})
    offer = human_offer(config.contact_sentence())
    assert "(310) 555-0100" in offer["text"] and "desk@example.com" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == [CALLBACK_PAYLOAD, m.BOOK_BUTTON["payload"]]


def test_offer_is_honest_while_the_channels_are_placeholders() -> None:
    config = ClinicConfig(raw={"clinic": {"phone": "PLACEHOLDER: phone", "email": "PLACEHOLDER: e"}})
    offer = human_offer(config.contact_sentence())
    assert "PLACEHOLDER" not in offer["text"] and "aren't set up" in offer["text"]


async def test_callback_start_marks_the_form_as_a_callback_request() -> None:
    tracker = Tracker("s", {}, {}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = await ActionCallbackStart().run(dispatcher, tracker, {})
    assert {"event": "slot", "name": m.KIND, "value": m.CALLBACK, "timestamp": None} in events
    assert dispatcher.messages[0]["text"] == m.CALLBACK_START
