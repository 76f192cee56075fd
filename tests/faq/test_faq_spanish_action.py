"""``action_answer_faq`` in a Spanish conversation (actions/faq.py, actions/faq_replies.py):
an FAQ with a Spanish answer answers in Spanish (fill-ins in Spanish, no note); one without
gives the English answer after the one-line Spanish note; "Did you mean" and the list are in
Spanish with ``question_es`` where there is one. Trackers are built in code, as in
tests/language/test_actions.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.faq as faq_action
from actions.faq import ActionAnswerFaq, spanish_for, spanish_messages
from actions.faq_replies import (
    DID_YOU_MEAN,
    FaqReply,
    faq_reply,
    spanish,
    spanish_contact,
)
from clinic.config import ClinicConfig
from clinic.faq.model import Faq, Phrasing
from clinic.faq.store import StoreError
from clinic.language.messages import language_messages

NOTE = language_messages().note.text
ASK = language_messages().ask.text
ES = spanish_messages()


def make_faq(name: str, question: str, answer: str, question_es: str = "",
             answer_es: str = "") -> Faq:
    return Faq(name=name, path=Path("faq") / f"{name}.yml", question=question,
               asked_as=tuple(Phrasing(f"{name} {i}", i) for i in range(5)), answer=answer,
               question_es=question_es, answer_es=answer_es,
               asked_as_es=tuple(Phrasing(f"{name} es {i}", i) for i in range(5))
               if answer_es else ())


WEAR = make_faq("what_to_wear", "What should I wear?",
                "Our front desk can tell you what to wear. {clinic_contact}",
                "¿Qué ropa debo llevar?",
                "Nuestra recepción le puede decir qué ropa llevar. {clinic_contact}")
GIFTS = make_faq("gift_cards", "Do you offer gift cards?",
                 "Our front desk can tell you about gift cards. {clinic_contact}")
FAQS: Tuple[Faq, ...] = (WEAR, GIFTS)


def parse(kind: str, *names: str) -> Dict[str, Any]:
    return {"text": "x", "intent": {"name": "faq", "confidence": 0.9}, "entities": [],
            "faq": {"decision": kind, "version": 1, "other_score": 0.1,
                    "candidates": [{"name": n, "question": "?", "score": 0.9} for n in names]}}


def tracker(latest: Dict[str, Any], language: Optional[str] = None,
            question: bool = False) -> Tracker:
    slots = {"language": language, "language_question": question}
    events = [{"event": "user", "text": latest.get("text", ""), "parse_data": latest}]
    return Tracker("s", slots, latest, events, False, None, {}, "action_listen")


async def run(t: Tracker) -> Tuple[List[Any], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, t, {})
    return events, dispatcher.messages


@pytest.fixture(autouse=True)
def faqs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faq_action, "faqs_for", lambda version, url=None: FAQS)


async def test_a_spanish_answer_in_a_spanish_conversation_has_no_note() -> None:
    _, said = await run(tracker(parse("answer", "what_to_wear"), "es"))
    assert [m["text"] for m in said] == [
        "Nuestra recepción le puede decir qué ropa llevar. " + ES["contact_missing"]]


async def test_an_faq_without_spanish_gives_the_english_answer_after_the_note() -> None:
    _, said = await run(tracker(parse("answer", "gift_cards"), "es"))
    assert said[0]["text"] == NOTE
    assert said[1]["text"].startswith("Our front desk can tell you about gift cards.")
    assert "The clinic's phone and e-mail aren't set up" in said[1]["text"]  # English fill-in
    assert len(said) == 2


async def test_an_english_conversation_gets_the_english_answer_only() -> None:
    for language in (None, "en"):
        _, said = await run(tracker(parse("answer", "what_to_wear"), language))
        assert [m["text"][:40] for m in said] == ["Our front desk can tell you what to wear"]


async def test_the_language_question_still_comes_first() -> None:
    events, said = await run(tracker(parse("answer", "what_to_wear"), None, question=True))
    assert said[0]["text"] == ASK
    assert said[1]["text"].startswith("Our front desk")
    assert events and events[0]["name"] == "language_question"


async def test_did_you_mean_in_spanish_uses_the_spanish_questions() -> None:
    _, said = await run(tracker(parse("choose", "what_to_wear", "gift_cards"), "es"))
    assert len(said) == 1  # said in Spanish: no note
    assert said[0]["text"] == ES["did_you_mean"]
    assert [b["title"] for b in said[0]["buttons"]] == [
        "¿Qué ropa debo llevar?", "Do you offer gift cards?", ES["something_else"]]
    assert said[0]["buttons"][0]["payload"] == '/faq{"faq_name":"what_to_wear"}'
    _, said = await run(tracker(parse("choose", "what_to_wear", "gift_cards")))
    assert said[0]["text"] == DID_YOU_MEAN
    assert [b["title"] for b in said[0]["buttons"]][:1] == ["What should I wear?"]


async def test_a_pressed_button_answers_in_spanish() -> None:
    latest = {"text": '/faq{"faq_name":"what_to_wear"}',
              "intent": {"name": "faq", "confidence": 1.0},
              "entities": [{"entity": "faq_name", "value": "what_to_wear"}]}
    _, said = await run(tracker(latest, "es"))
    assert [m["text"][:20] for m in said] == ["Nuestra recepción le"]


async def test_the_list_and_a_gone_faq_in_spanish() -> None:
    latest = {"text": "¿tienen preguntas frecuentes?",
              "intent": {"name": "faq", "confidence": 0.9}, "entities": []}
    _, said = await run(tracker(latest, "es"))
    assert said[0]["text"] == " ".join(ES["list_intro"].split())
    assert [b["title"] for b in said[0]["buttons"]] == ["¿Qué ropa debo llevar?",
                                                         "Do you offer gift cards?"]
    gone = {**latest, "entities": [{"entity": "faq_name", "value": "valet"}]}
    _, said = await run(tracker(gone, "es"))
    assert said[0]["text"] == ES["gone"]


async def test_the_store_down_is_said_in_spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(version: Optional[int], url: Optional[str] = None) -> Sequence[Faq]:
        raise StoreError("down")

    monkeypatch.setattr(faq_action, "faqs_for", broken)
    _, said = await run(tracker(parse("answer", "what_to_wear"), "es"))
    assert said[0]["text"] == ES["unavailable"].format(contact=ES["contact_missing"])


# --------------------------------------------------------------------------- pure parts


def test_spanish_fill_ins_from_the_clinic_details() -> None:
    config = ClinicConfig({"clinic": {"name": "Westside Studio", "phone": "(310) 555-0100",
                                      "email": "desk@example.com", "address": "1 Main St"}})
    values = spanish_for(config).values
    assert values["clinic_name"] == "Westside Studio"
    assert values["clinic_contact"] == ("Puede llamar al (310) 555-0100 o escribir a "
                                        "desk@example.com. Estamos en 1 Main St.")
    placeholder = ClinicConfig({"clinic": {"name": "PLACEHOLDER: clinic name",
                                           "phone": "PLACEHOLDER", "email": ""}})
    values = spanish_for(placeholder).values
    assert values["clinic_name"] == "nuestra clínica"
    assert values["clinic_contact"] == ES["contact_missing"]
    assert spanish_contact(ES, None, "a@b.c", None) == "Puede escribir a a@b.c."


def test_faq_reply_marks_the_language_of_its_text() -> None:
    es = spanish(ES, "Clínica", None, None, None)
    values = {"clinic_name": "Clinic", "clinic_contact": "Call us."}
    reply = faq_reply(parse("answer", "what_to_wear"), FAQS, values, es)
    assert reply.language == "es" and reply.faq == "what_to_wear"
    english = faq_reply(parse("answer", "gift_cards"), FAQS, values, es)
    assert english == FaqReply("Our front desk can tell you about gift cards. Call us.", [],
                               "gift_cards", "en")
    assert faq_reply(parse("answer", "what_to_wear"), FAQS, values).language == "en"
    with pytest.raises(KeyError):
        spanish({"did_you_mean": "¿?"}, None, None, None, None)


def test_buttons_under_a_spanish_answer_are_kept() -> None:
    from clinic.faq.model import Button

    with_button = dataclasses.replace(
        WEAR, buttons=(Button("Book a session", 9, payload="/request_booking"),))
    es = spanish(ES, None, None, None, None)
    reply = faq_reply(parse("answer", "what_to_wear"), [with_button], {}, es)
    assert reply.buttons == [{"title": "Book a session", "payload": "/request_booking"}]
