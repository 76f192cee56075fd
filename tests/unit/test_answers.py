"""The answer actions (Trackers built in code, no model or server) and their reply helpers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion
from actions.conversation import ActionHandleUnclear
from actions.knowledge import knowledge_base
from actions.knowledge_replies import (
    BOOKING_PAYLOAD,
    answer_buttons,
    fill,
    normalize_therapy,
    refers_back,
    resolve_topic,
    therapies_in,
    topic_reply,
)
from clinic.config import ClinicConfig

PLACEHOLDER_CONFIG = ClinicConfig(
    raw={
        "clinic": {
            "name": "PLACEHOLDER: clinic name",
            "city": "Los Angeles",
            "address": "PLACEHOLDER: street address",
            "phone": "PLACEHOLDER: phone number",
            "email": "PLACEHOLDER: contact email",
            "hours": "PLACEHOLDER: opening hours",
            "article_url": "",
        }
    }
)
FILLED_CONFIG = ClinicConfig(
    raw={
        "clinic": {
            "name": "Test Studio",
            "city": "Los Angeles",
            "address": "1 Example Street, Los Angeles, CA 90000",
            "phone": "(310) 555-0100",
            "email": "desk@example.com",
            "hours": "Mon-Fri 9-5",
            "article_url": "https://example.com/nmt-vs-fmm",
        }
    }
)


def therapy_entity(value: str) -> Dict[str, Any]:
    return {"entity": "therapy", "value": value, "start": 0, "end": 3}


def tracker(
    intent: str,
    text: Optional[str] = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    last_topic: Optional[str] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    """A tracker whose latest message has the given parse."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    return Tracker(
        sender_id="unit-test",
        slots={"last_topic": last_topic, "therapy": None},
        latest_message=message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, track: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, track, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def answer(**kwargs):
    return await run(ActionAnswerQuestion(), tracker(**kwargs))


async def unclear(text: Optional[str], ranking=None, entities=None, last_topic=None):
    ranking = ranking or [{"name": "nlu_fallback", "confidence": 0.55}]
    track = tracker("nlu_fallback", text, entities, last_topic, ranking)
    return await run(ActionHandleUnclear(), track)


def answer_of(topic_id: str) -> str:
    return knowledge_base().topics[topic_id].answer


# --- picking the topic ------------------------------------------------------------------


async def test_general_question_gets_general_topic() -> None:
    messages, slots = await answer(intent="ask_trigger_points", text="what are trigger points")
    assert slots["last_topic"] == "trigger_points"
    assert messages[0]["text"].startswith(answer_of("trigger_points"))
    assert "therapy" not in slots  # the general answer speaks for both


async def test_therapy_named_gets_that_perspective() -> None:
    messages, slots = await answer(
        intent="ask_trigger_points",
        text="how does FMM treat trigger points",
        entities=[therapy_entity("FMM")],
    )
    assert slots == {"last_topic": "trigger_points_fmm", "therapy": "FMM"}
    assert messages[0]["text"].startswith(answer_of("trigger_points_fmm"))


async def test_lowercase_and_synonym_entity_values_are_normalized() -> None:
    _, slots = await answer(
        intent="ask_nerve_entrapment",
        text="can neuromuscular massage help a trapped nerve",
        entities=[therapy_entity("neuromuscular massage")],
    )
    assert slots == {"last_topic": "nerve_entrapment_nmt", "therapy": "NMT"}


async def test_both_therapies_named_gets_general_topic_and_keeps_therapy_slot() -> None:
    _, slots = await answer(
        intent="ask_myofascial_release",
        text="how do nmt and fmm handle fascia",
        entities=[therapy_entity("nmt"), therapy_entity("FMM")],
    )
    assert slots == {"last_topic": "myofascial_release"}


async def test_pronoun_uses_therapy_just_discussed() -> None:
    _, slots = await answer(
        intent="ask_trigger_points",
        text="and how does it deal with trigger points?",
        last_topic="fmm_overview",
    )
    assert slots["last_topic"] == "trigger_points_fmm"


async def test_single_therapy_topic_prefills_therapy_slot() -> None:
    _, slots = await answer(intent="ask_fmm_overview", text="what is fmm")
    assert slots == {"last_topic": "fmm_overview", "therapy": "FMM"}


async def test_misclassified_overview_is_corrected_by_entity() -> None:
    _, slots = await answer(
        intent="ask_nmt_overview", text="what's fmm", entities=[therapy_entity("fmm")]
    )
    assert slots["last_topic"] == "fmm_overview"


async def test_answer_cites_article_and_offers_related_topics_and_booking() -> None:
    messages, _ = await answer(intent="ask_positional_release", text="positional release?")
    message = messages[0]
    assert "Comparing NMT and FMM" in message["text"]
    payloads = [b.get("payload") for b in message["buttons"]]
    related = knowledge_base().topics["positional_release"].related
    assert payloads[:2] == [knowledge_base().topics[r].payload for r in related[:2]]
    assert payloads[2] == BOOKING_PAYLOAD
    assert all("url" not in b for b in message["buttons"])  # no article_url configured


# --- follow-ups -------------------------------------------------------------------------


async def test_tell_me_more_uses_last_topic() -> None:
    messages, slots = await answer(intent="ask_more", text="tell me more", last_topic="armoring")
    assert messages[0]["text"].startswith(knowledge_base().topics["armoring"].more)
    assert slots["last_topic"] == "armoring"


async def test_why_uses_why_text_of_last_topic() -> None:
    messages, slots = await answer(intent="ask_why", text="why?", last_topic="positional_release")
    assert messages[0]["text"].startswith(knowledge_base().topics["positional_release"].why)
    assert slots["last_topic"] == "positional_release"


async def test_and_in_fmm_switches_perspective() -> None:
    messages, slots = await answer(
        intent="ask_other_therapy",
        text="and in FMM?",
        entities=[therapy_entity("FMM")],
        last_topic="trigger_points_nmt",
    )
    assert slots == {"last_topic": "trigger_points_fmm", "therapy": "FMM"}
    assert messages[0]["text"].startswith(answer_of("trigger_points_fmm"))


async def test_other_one_without_therapy_flips_therapy() -> None:
    _, slots = await answer(
        intent="ask_other_therapy", text="and the other one?", last_topic="nerve_entrapment_fmm"
    )
    assert slots["last_topic"] == "nerve_entrapment_nmt"


async def test_other_therapy_without_counterpart_says_so_first() -> None:
    messages, slots = await answer(
        intent="ask_other_therapy",
        text="and in fmm?",
        entities=[therapy_entity("fmm")],
        last_topic="pnf_stretching",
    )
    assert slots["last_topic"] == "fmm_overview"
    assert messages[0]["text"].startswith("Our article describes PNF stretching as an NMT tool")


async def test_follow_up_without_context_asks_what_to_talk_about() -> None:
    messages, slots = await answer(intent="ask_more", text="tell me more")
    assert slots == {}
    assert messages[0]["buttons"]


async def test_other_therapy_without_context_gives_that_overview() -> None:
    _, slots = await answer(
        intent="ask_other_therapy", text="what about nmt?", entities=[therapy_entity("nmt")]
    )
    assert slots["last_topic"] == "nmt_overview"


# --- when the NLU is unsure -------------------------------------------------------------


async def test_unclear_strong_match_is_answered() -> None:
    messages, slots = await unclear("holding the muscle in a shortened position of ease")
    assert slots["last_topic"] == "positional_release"
    assert messages[0]["text"].startswith("I think you're asking about positional release.")


async def test_unclear_close_match_offers_did_you_mean_buttons() -> None:
    messages, slots = await unclear("fascia adhesions")
    assert "last_topic" not in slots
    assert "Did you mean" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "/ask_myofascial_release" in payloads
    assert 2 <= len(payloads) - 1 <= 3  # 2-3 topics plus "Book a session"


async def test_unclear_classifier_agreement_answers() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "ask_myofascial_release", "confidence": 0.45},
        {"name": "ask_compare_therapies", "confidence": 0.4},
    ]
    _, slots = await unclear("fascia adhesions", ranking=ranking)
    assert slots["last_topic"] == "myofascial_release"


@pytest.mark.parametrize(
    "text", ["write me a poem", "best sushi nearby", "what's the weather like in LA"]
)
async def test_unrelated_question_never_gets_a_therapy_answer(text: str) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "out_of_scope", "confidence": 0.5},
        {"name": "ask_location", "confidence": 0.3},
    ]
    messages, slots = await unclear(text, ranking=ranking)
    assert slots == {}
    assert "I don't know that one" in messages[0]["text"]
    assert "aren't set up in this chat yet" in messages[0]["text"]  # contact sentence
    assert BOOKING_PAYLOAD in [b["payload"] for b in messages[0]["buttons"]]


async def test_empty_message_asks_what_they_would_like_to_know() -> None:
    messages, slots = await unclear("   ")
    assert slots == {}
    assert "What would you like to know?" in messages[0]["text"]
    assert messages[0]["buttons"]


# --- pure helpers -----------------------------------------------------------------------


def test_location_with_placeholders_says_details_are_not_available() -> None:
    reply = topic_reply(knowledge_base(), "location", PLACEHOLDER_CONFIG)
    assert reply.text.startswith("We're in Los Angeles.")
    assert "street address isn't available in this chat yet" in reply.text
    assert "PLACEHOLDER" not in reply.text and "{" not in reply.text


def test_location_with_configured_details_gives_them() -> None:
    reply = topic_reply(knowledge_base(), "location", FILLED_CONFIG)
    assert "1 Example Street" in reply.text and "(310) 555-0100" in reply.text
    assert "Mon-Fri 9-5" in reply.text


def test_article_link_button_when_configured() -> None:
    kb = knowledge_base()
    buttons = answer_buttons(kb, kb.topics["trigger_points"], FILLED_CONFIG)
    assert buttons[-1] == {"title": "Read the article", "url": "https://example.com/nmt-vs-fmm"}
    headache_buttons = answer_buttons(kb, kb.topics["headaches"], FILLED_CONFIG)
    assert all("url" not in b for b in headache_buttons)  # the story has no configured link


def test_headache_answer_cites_the_story_and_promises_nothing() -> None:
    reply = topic_reply(knowledge_base(), "headaches", PLACEHOLDER_CONFIG)
    assert "The end of 20 years of headaches" in reply.text
    assert "cure" not in reply.text.lower()


def test_every_topic_renders_without_placeholders() -> None:
    kb = knowledge_base()
    for topic_id in kb.topics:
        for part in ("answer", "more", "why"):
            text = topic_reply(kb, topic_id, PLACEHOLDER_CONFIG, part=part).text
            assert "{" not in text and "PLACEHOLDER" not in text, (topic_id, part)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("NMT", "NMT"), ("nmt", "NMT"), ("neuromuscular therapy", "NMT"), ("fmm", "FMM"),
     ("Functional Muscle Manipulation", "FMM"), ("yoga", None), (None, None)],
)
def test_normalize_therapy(value, expected) -> None:
    assert normalize_therapy(value) == expected


def test_therapies_in_keeps_order_and_ignores_other_entities() -> None:
    entities = [therapy_entity("fmm"), {"entity": "body_part", "value": "neck"},
                therapy_entity("NMT"), therapy_entity("FMM")]
    assert therapies_in(entities) == ["FMM", "NMT"]


def test_resolve_topic_ignores_pronoun_when_last_topic_is_general() -> None:
    kb = knowledge_base()
    assert resolve_topic(kb, "ask_trigger_points", [], "compare_therapies", "how does it work") == (
        "trigger_points"
    )
    assert refers_back("how does it work") and not refers_back("what are trigger points")


def test_fill_tidies_spacing() -> None:
    assert fill("We're in {city}.  {address_sentence} Bye.", FILLED_CONFIG) == (
        "We're in Los Angeles. Bye."
    )


async def test_unclear_intents_leading_to_one_topic_add_up() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "ask_nervous_system", "confidence": 0.44},
        {"name": "ask_autonomic_regulation", "confidence": 0.42},
        {"name": "ask_armoring", "confidence": 0.1},
    ]
    _, slots = await unclear(
        "how does fmm deal with an overactive nervous system",
        ranking=ranking,
        entities=[therapy_entity("fmm")],
    )
    assert slots["last_topic"] == "autonomic_regulation"


async def test_unclear_out_of_scope_guess_blocks_topic_even_with_topic_words() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "out_of_scope", "confidence": 0.4},
        {"name": "ask_trigger_points", "confidence": 0.35},
        {"name": "ask_nmt_tools", "confidence": 0.3},
    ]
    messages, slots = await unclear("write me a poem about trigger points", ranking=ranking)
    assert slots == {}
    assert "I don't know that one" in messages[0]["text"]


async def test_unclear_message_naming_only_a_therapy_gets_its_overview() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "greet", "confidence": 0.35},
        {"name": "ask_nmt_overview", "confidence": 0.2},
    ]
    _, slots = await unclear(
        "hey can u explain what nmt is", ranking=ranking, entities=[therapy_entity("nmt")]
    )
    assert slots == {"last_topic": "nmt_overview", "therapy": "NMT"}


async def test_unclear_answer_takes_the_perspective_of_the_therapy_named() -> None:
    _, slots = await unclear(
        "what does the nmt therapist do with hyperirritable knots",
        entities=[therapy_entity("nmt")],
    )
    assert slots["last_topic"] == "trigger_points_nmt"
    _, slots = await unclear(
        "does fmm hold the muscle in a shortened position of ease",
        entities=[therapy_entity("fmm")],
    )
    assert slots["last_topic"] == "positional_release"


def test_technique_phrase_yields_to_a_therapy_named_outright() -> None:
    text = "does fmm use trigger point therapy"
    entities = [
        {"entity": "therapy", "value": "FMM", "start": 5, "end": 8},
        {"entity": "therapy", "value": "NMT", "start": 13, "end": 34},
    ]
    assert therapies_in(entities, text) == ["FMM"]
    assert therapies_in(entities[1:], text) == ["NMT"]


def test_invalid_content_stops_the_action_server_with_the_message(monkeypatch) -> None:
    import actions.answers as answers
    from actions.knowledge import ContentError

    def broken():
        raise ContentError("content/topics/x.yml: entry 'y': 'answer' is missing or empty")

    monkeypatch.setattr(answers, "knowledge_base", broken)
    with pytest.raises(ImportError, match=r"x\.yml: entry 'y'"):
        answers.warm_up()


async def test_follow_up_without_context_that_is_really_a_question_is_answered() -> None:
    ranking = [{"name": "ask_more", "confidence": 0.9}, {"name": "ask_location", "confidence": 0.05}]
    _, slots = await answer(intent="ask_more", text="which neighbourhood is your clinic in",
                            ranking=ranking)
    assert slots["last_topic"] == "location"


async def test_asking_for_the_view_already_given_tells_more() -> None:
    messages, slots = await answer(
        intent="ask_other_therapy",
        text="and in nmt?",
        entities=[therapy_entity("nmt")],
        last_topic="myofascial_release",
    )
    assert slots["last_topic"] == "myofascial_release"
    assert messages[0]["text"].startswith(knowledge_base().topics["myofascial_release"].more)


# --- long messages with two subjects --------------------------------------------------


def test_a_long_message_with_a_second_subject_offers_it_as_the_first_button() -> None:
    from actions.knowledge_replies import offer_second_topic, second_topic

    kb = knowledge_base()
    text = "my arm goes numb at night and I am also stressed all the time, is that related"
    ranking = [
        {"name": "ask_nerve_entrapment", "confidence": 0.55},
        {"name": "ask_autonomic_regulation", "confidence": 0.30},
    ]
    other = second_topic(kb, ranking, [], "nerve_entrapment", text)
    assert other is not None and other != "nerve_entrapment"
    reply = offer_second_topic(kb, topic_reply(kb, "nerve_entrapment", PLACEHOLDER_CONFIG), other)
    assert reply.buttons[0]["payload"] == kb.topics[other].payload
    assert len({b.get("payload") for b in reply.buttons}) == len(reply.buttons)


def test_a_short_message_or_a_weak_second_guess_offers_nothing_more() -> None:
    from actions.knowledge_replies import second_topic

    kb = knowledge_base()
    ranking = [
        {"name": "ask_nerve_entrapment", "confidence": 0.85},
        {"name": "ask_autonomic_regulation", "confidence": 0.05},
    ]
    assert second_topic(kb, ranking, [], "nerve_entrapment", "numb arm and stress?") is None
    long_text = "my arm goes numb at night and I wonder whether a nerve is squeezed somewhere"
    assert second_topic(kb, ranking, [], "nerve_entrapment", long_text) is None


# --- a condition named beside a question or a complaint -----------------------------------


@pytest.mark.parametrize("text, category", [
    ("i am 6 months pregnant and my hips are really tight", "pregnancy"),
    ("I take warfarin, which therapy would help my stiff neck", "blood thinners"),
])
async def test_an_answer_adds_the_doctor_advice_for_a_condition_it_names(
        text: str, category: str) -> None:
    """Whatever intent the classifier picked, a named condition gets the advice and the
    offer of a note for the clinic (actions.safety.offer_health_note), after the answer."""
    from clinic.safety.contraindications import format_note

    messages, slots = await answer(intent="ask_which_therapy", text=text)
    assert messages[0]["text"].startswith(answer_of("which_therapy")[:40])
    assert len(messages) >= 2 and messages[-1]["buttons"]  # the note offer: yes / no
    assert slots["contraindication_pending"] == format_note([category])


async def test_a_spanish_complaint_with_a_condition_gets_the_advice_in_spanish() -> None:
    """"estoy embarazada y me duele la espalda" reads as which-therapy (spanish_complaints.yml);
    the answer, the advice and the note offer are all Spanish."""
    from clinic.safety.contraindications import format_note

    track = tracker("ask_which_therapy", "estoy embarazada y me duele mucho la espalda")
    track.slots["language"] = "es"
    messages, slots = await run(ActionAnswerQuestion(), track)
    assert slots["contraindication_pending"] == format_note(["pregnancy"])
    assert len(messages) >= 2 and messages[-1]["buttons"]
    english_advice = (await answer(intent="ask_which_therapy",
                                   text="i am pregnant and my back hurts a lot"))[0]
    assert messages[1]["text"] != english_advice[1]["text"]  # not the English advice
    assert any(word in messages[1]["text"].lower() for word in ("médico", "doctor"))


async def test_an_answer_without_a_condition_adds_nothing() -> None:
    messages, slots = await answer(intent="ask_which_therapy", text="my hips are really tight")
    assert len(messages) == 1 and "contraindication_pending" not in slots


async def test_an_unclear_message_naming_a_condition_gets_the_advice_too() -> None:
    from clinic.safety.contraindications import format_note

    messages, slots = await unclear("im on blood thinners and my neck is stiff")
    assert slots["contraindication_pending"] == format_note(["blood thinners"])
    messages, slots = await unclear("my neck is stiff and i dont know why")
    assert "contraindication_pending" not in slots
