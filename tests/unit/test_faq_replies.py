"""What the assistant says for a staff FAQ (actions/faq_replies.py): the answer with the
clinic's details filled in, "Did you mean" buttons, the FAQ list, a name that is gone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest

from actions.faq_replies import (
    DID_YOU_MEAN,
    GONE,
    LIST_INTRO,
    MAX_LISTED,
    NO_FAQS,
    SOMETHING_ELSE,
    FaqReply,
    choice_payload,
    faq_list,
    faq_reply,
    fill,
    requested_name,
)
from clinic.faq.model import Button, Faq, Phrasing

VALUES = {"clinic_name": "Harbour Clinic",
          "clinic_contact": "Call us at 555-0100 or write to desk@example.com."}


def make_faq(name: str, question: str, answer: str, buttons: Sequence[Button] = ()) -> Faq:
    return Faq(name=name, path=Path("faq") / f"{name}.yml", question=question,
               asked_as=tuple(Phrasing(f"{name} wording {i}", i + 3) for i in range(5)),
               answer=answer, buttons=tuple(buttons))


PARKING = make_faq(
    "parking", "Is there parking?",
    "{clinic_name} has a small lot behind the building. {clinic_contact}",
    [Button("Map of {clinic_name}", 9, url="https://example.com/map"),
     Button("Book a session", 11, payload="/request_booking")])
PRICES = make_faq("prices", "How much does a session cost?",
                  "Prices depend on the session. {clinic_contact}")
WEAR = make_faq("what_to_wear", "What should I wear?", "Comfortable clothes.")
FAQS = [PARKING, PRICES, WEAR]


def decision(kind: str, *names: str, version: Optional[int] = 3) -> Dict[str, Any]:
    """A parse result as the FaqRetriever leaves it (``latest_message``)."""
    return {"intent": {"name": "faq", "confidence": 1.0}, "entities": [],
            "faq": {"decision": kind, "version": version, "other_score": 0.2,
                    "candidates": [{"name": n, "question": "?", "score": 0.8} for n in names]}}


def button_pressed(name: str) -> Dict[str, Any]:
    """The parse result of a "Did you mean" button for ``name``."""
    return {"intent": {"name": "faq", "confidence": 1.0},
            "entities": [{"entity": "faq_name", "value": name}]}


def payloads(reply: FaqReply) -> List[str]:
    return [button.get("payload", "") for button in reply.buttons]


# --------------------------------------------------------------------------- answer


def test_an_answer_has_the_clinic_details_filled_in() -> None:
    reply = faq_reply(decision("answer", "parking"), FAQS, VALUES)
    assert reply.faq == "parking"
    assert reply.text == ("Harbour Clinic has a small lot behind the building. "
                          "Call us at 555-0100 or write to desk@example.com.")
    assert reply.buttons == [
        {"title": "Map of Harbour Clinic", "url": "https://example.com/map"},
        {"title": "Book a session", "payload": "/request_booking"},
    ]


def test_an_answer_without_buttons_has_none() -> None:
    reply = faq_reply(decision("answer", "prices"), FAQS, VALUES)
    assert reply == FaqReply("Prices depend on the session. Call us at 555-0100 or write to "
                             "desk@example.com.", [], "prices")


def test_fill_leaves_other_braces_and_trims() -> None:
    assert fill("  {clinic_name} {opening_hours} {clinic_contact}\n", VALUES) == (
        "Harbour Clinic {opening_hours} Call us at 555-0100 or write to desk@example.com.")
    assert fill("{clinic_name}", {}) == "{clinic_name}"


def test_an_answer_for_an_faq_missing_from_the_version_lists_the_faqs() -> None:
    reply = faq_reply(decision("answer", "valet"), FAQS, VALUES)
    assert reply.faq is None
    assert reply.text == LIST_INTRO
    assert [b["title"] for b in reply.buttons] == [faq.question for faq in FAQS]


# --------------------------------------------------------------------------- did you mean


def test_a_choice_offers_both_faqs_and_something_else() -> None:
    reply = faq_reply(decision("choose", "prices", "parking"), FAQS, VALUES)
    assert reply.text == DID_YOU_MEAN
    assert reply.faq is None
    assert reply.buttons == [
        {"title": "How much does a session cost?", "payload": '/faq{"faq_name":"prices"}'},
        {"title": "Is there parking?", "payload": '/faq{"faq_name":"parking"}'},
        {"title": "Something else", "payload": "/out_of_scope"},
    ]


def test_a_choice_drops_a_name_the_version_does_not_have() -> None:
    reply = faq_reply(decision("choose", "valet", "parking"), FAQS, VALUES)
    assert payloads(reply) == ['/faq{"faq_name":"parking"}', SOMETHING_ELSE["payload"]]


def test_the_something_else_button_is_a_copy() -> None:
    reply = faq_reply(decision("choose", "prices", "parking"), FAQS, VALUES)
    reply.buttons[-1]["title"] = "changed"
    assert SOMETHING_ELSE["title"] == "Something else"


def test_choice_payload_is_json_after_the_intent() -> None:
    payload = choice_payload("what_to_wear")
    assert payload == '/faq{"faq_name":"what_to_wear"}'
    assert json.loads(payload[len("/faq"):]) == {"faq_name": "what_to_wear"}


def test_a_pressed_button_answers_that_faq() -> None:
    latest = {**decision("choose", "prices", "parking"), **button_pressed("prices")}
    reply = faq_reply(latest, FAQS, VALUES)
    assert reply.faq == "prices"
    assert reply.text.startswith("Prices depend on the session.")


def test_rasa_reads_the_button_payload_as_the_faq_name() -> None:
    """The payload, parsed the way Rasa parses a message starting with '/', names the FAQ."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.training_data.message import Message

    domain = Domain.from_yaml("version: '3.1'\nintents: [faq]\nentities: [faq_name]\n")
    message = YAMLStoryReader.unpack_regex_message(
        Message(data={"text": choice_payload("parking")}), domain)
    latest = {"intent": message.get("intent"), "entities": message.get("entities")}
    assert latest["intent"]["name"] == "faq"
    assert requested_name(latest) == "parking"
    assert faq_reply(latest, FAQS, VALUES).faq == "parking"


def test_a_button_for_an_faq_that_is_gone_says_so_and_lists_the_faqs() -> None:
    reply = faq_reply(button_pressed("valet"), FAQS, VALUES)
    assert reply.text == GONE
    assert reply.faq is None
    assert payloads(reply) == [choice_payload(faq.name) for faq in FAQS]


def test_requested_name_ignores_other_and_empty_entities() -> None:
    assert requested_name({"entities": [{"entity": "faq_name", "value": ""},
                                        {"entity": "therapy", "value": "nmt"}]}) is None
    assert requested_name({"entities": None}) is None
    assert requested_name({}) is None


# --------------------------------------------------------------------------- the list


def test_asking_for_the_faqs_lists_their_questions() -> None:
    latest = {"intent": {"name": "faq", "confidence": 0.9}, "entities": []}  # no decision
    reply = faq_reply(latest, FAQS, VALUES)
    assert reply.text == LIST_INTRO
    assert reply.buttons == [{"title": faq.question, "payload": choice_payload(faq.name)}
                             for faq in FAQS]


@pytest.mark.parametrize("kind", ["none", "", "unknown"])
def test_no_usable_decision_lists_the_faqs(kind: str) -> None:
    reply = faq_reply(decision(kind, "parking"), FAQS, VALUES)
    assert reply.text == LIST_INTRO and len(reply.buttons) == len(FAQS)


def test_the_list_stops_at_the_most_shown() -> None:
    many = [make_faq(f"faq_{n}", f"Question {n}?", "Answer.") for n in range(MAX_LISTED + 3)]
    reply = faq_list(many)
    assert len(reply.buttons) == MAX_LISTED
    assert reply.buttons[-1]["title"] == f"Question {MAX_LISTED - 1}?"


def test_no_faqs_at_all_is_said_honestly() -> None:
    assert faq_reply(decision("answer", "parking"), [], VALUES) == FaqReply(NO_FAQS)
    assert faq_reply(button_pressed("parking"), [], VALUES) == FaqReply(NO_FAQS)
