"""Language per conversation on the real servers (the ``stack`` fixture, REST).

A conversation that starts in Spanish gets the Spanish greeting and fallback and the
curated therapy answers in Spanish (no "not in Spanish yet" note), with Spanish buttons;
it switches to English when the visitor clearly writes English (and not on "ok"); an
unsure first message gets "English / Español" buttons; the widget's page language
(message metadata) starts a conversation in Spanish; a Spanish emergency still gets the
Spanish 911 reply. Each message's language is in its parse data.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List, Optional

from actions.knowledge import knowledge_base
from clinic.devstack import post_json
from clinic.language.messages import language_messages

MESSAGES = language_messages()
TOPICS = knowledge_base().topics
CHOOSE = '/choose_language{{"language":"{}"}}'


def tracker(stack: Any, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local)
        return json.loads(response.read().decode("utf-8"))


def language_slot(stack: Any, sender: str) -> Optional[str]:
    return tracker(stack, sender)["slots"].get("language")


def texts(said: List[Dict[str, Any]]) -> List[str]:
    return [m.get("text") or "" for m in said]


def say(stack: Any, sender: str, text: str,
        metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Sends ``text`` over REST (with ``metadata``) and checks the reply is visible."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    said = post_json(f"{stack.rasa_url}/webhooks/rest/webhook", body, timeout=90)
    assert any((m.get("text") or "").strip() or m.get("buttons") for m in said), (text, said)
    return said


def test_a_spanish_conversation_that_switches_to_english(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    greeting = say(stack, sender, "hola")
    assert greeting[0]["text"].startswith("¡Hola, bienvenido!"), greeting
    assert "¿Qué es NMT?" in [b["title"] for b in greeting[0].get("buttons", [])]
    assert language_slot(stack, sender) == "es"

    unclear = texts(say(stack, sender, "zxqv blorf snark"))
    assert unclear[0].startswith("Perdone"), unclear  # the Spanish fallback

    answer = texts(say(stack, sender, "¿Qué es la terapia neuromuscular y cómo funciona?"))
    assert MESSAGES.note.text not in answer, answer  # the curated answers exist in Spanish
    assert answer[0] == MESSAGES.unclear.text or "NMT" in answer[0], answer

    say(stack, sender, "ok")  # no language: the conversation stays Spanish
    assert language_slot(stack, sender) == "es"

    english = texts(say(stack, sender, "Can you tell me what positional release is?"))
    assert MESSAGES.note.text not in english and not english[0].startswith("Perdone")
    assert language_slot(stack, sender) == "en"

    # each visitor message carries its language in the parse data (analytics reads it)
    users = [e for e in tracker(stack, sender)["events"] if e.get("event") == "user"]
    codes = [(e["text"], (e["parse_data"].get("language") or {}).get("code")) for e in users]
    assert codes[0] == ("hola", "es") and codes[-1][1] == "en", codes
    assert ("ok", None) in codes


def test_an_unsure_first_message_gets_the_language_buttons(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    said = say(stack, sender, "ok and the masaje")
    assert said[0]["text"] == MESSAGES.ask.text
    assert [b["payload"] for b in said[0]["buttons"]] == [CHOOSE.format("en"),
                                                           CHOOSE.format("es")]
    assert len(said) >= 2, "the question comes with the message's own reply"
    chosen = texts(say(stack, sender, CHOOSE.format("es")))
    assert chosen == [MESSAGES.chosen["es"].text]
    assert language_slot(stack, sender) == "es"
    # a second unsure message is not asked about again
    again = texts(say(stack, sender, "ok and the masaje"))
    assert MESSAGES.ask.text not in again


def test_the_widget_page_language_starts_a_spanish_conversation(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    said = say(stack, sender, "/what_can_you_do", metadata={"language": "es"})
    assert said[0]["text"].startswith("Puedo explicarle"), said
    english = say(stack, sender, "/what_can_you_do", metadata={"language": "en"})
    assert english[0]["text"].startswith("Puedo explicarle"), "a page hint never switches"
    typed = say(stack, sender, "what can you do for me today?")
    assert typed[0]["text"].startswith("I can tell you"), typed


def test_typed_language_request_and_english_page(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    say(stack, sender, "/what_can_you_do", metadata={"language": "en"})
    assert language_slot(stack, sender) == "en"
    said = texts(say(stack, sender, "en español por favor"))
    assert said[0] == MESSAGES.chosen["es"].text, said
    assert language_slot(stack, sender) == "es"
    # "thanks" is too short to switch back a conversation the visitor chose
    say(stack, sender, "thanks")
    assert language_slot(stack, sender) == "es"


def test_spanish_emergency_keeps_its_spanish_911_reply(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    say(stack, sender, "hello")
    said = texts(say(stack, sender, "me duele el pecho y se me va al brazo izquierdo"))
    assert said[0].startswith("Llame al 911"), said
    assert MESSAGES.ask.text not in said and MESSAGES.note.text not in said


def test_a_spanish_conversation_gets_the_spanish_therapy_answers(stack: Any) -> None:
    sender = f"lang-{uuid.uuid4().hex[:10]}"
    say(stack, sender, "hola")
    assert language_slot(stack, sender) == "es"
    nmt = TOPICS["nmt_overview"]

    typed = say(stack, sender, "¿Qué es NMT?")
    assert MESSAGES.note.text not in texts(typed), typed
    assert typed[-1]["text"].startswith(nmt.spanish["answer"]), typed

    button = say(stack, sender, nmt.payload)  # the greeting's "¿Qué es NMT?" button
    assert texts(button)[0].startswith(nmt.spanish["answer"]), button
    assert [b["title"] for b in button[0]["buttons"]][-1] == "Pedir una cita"
    assert "¿Qué usa NMT?" in [b["title"] for b in button[0]["buttons"]]

    why = texts(say(stack, sender, "/ask_why"))
    assert why[0].startswith(nmt.spanish["why"]) and MESSAGES.note.text not in why, why
    assert tracker(stack, sender)["slots"].get("last_topic") == "nmt_overview"
