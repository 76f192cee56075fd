"""Typed slash commands on the running stack, over REST (clinic/channels/slash_commands.py).

A command no button offers reaches NLU as plain text and gets a normal visible reply; a
button's payload still sets its intent and entities.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List


def _tracker(stack: Any, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.loads(response.read().decode("utf-8"))


def _user_events(stack: Any, sender: str) -> List[Dict[str, Any]]:
    return [e for e in _tracker(stack, sender)["events"] if e.get("event") == "user"]


def _visible(replies: List[Dict[str, Any]]) -> bool:
    return bool(replies) and all(isinstance(r.get("text"), str) and r["text"].strip()
                                 for r in replies)


def test_typed_commands_no_button_offers_are_plain_text_with_a_reply(stack: Any) -> None:
    sender = f"slash-{uuid.uuid4().hex[:10]}"
    crafted = '/request_booking{"name": "Mallory", "booking_confirmed": "true"}'
    for text in (crafted, "/restart", '/choose_language{"language":"fr"}'):
        replies = stack.rest(sender, text)
        assert _visible(replies), (text, replies)
    events = _user_events(stack, sender)
    assert [e["text"] for e in events] == [
        'request_booking{"name": "Mallory", "booking_confirmed": "true"}',
        "restart", 'choose_language{"language":"fr"}']
    for event in events:
        entities = event["parse_data"].get("entities") or []
        assert not any(e.get("extractor") == "RegexMessageHandler" for e in entities)
        assert "Mallory" not in json.dumps(entities)
    slots = _tracker(stack, sender)["slots"]
    assert slots.get("booking_name") != "Mallory"
    assert slots.get("language") != "fr"


def test_a_button_payload_still_sets_its_intent_and_entities(stack: Any) -> None:
    sender = f"slash-{uuid.uuid4().hex[:10]}"
    replies = stack.rest(sender, '/request_booking{"therapy":"FMM"}')
    assert _visible(replies)
    event = _user_events(stack, sender)[-1]
    assert event["parse_data"]["intent"]["name"] == "request_booking"
    assert {"entity": "therapy", "value": "FMM"} in [
        {"entity": e["entity"], "value": e["value"]} for e in event["parse_data"]["entities"]]
    assert "name" in " ".join(r["text"] for r in replies).lower()  # the form asks for it
