"""Rasa's own FormAction and slot extraction driving our booking actions on a real action server.

No trained model is needed: each turn does what Rasa's MessageProcessor does (extract slots
from the user message, then run the actions the rules predict), with the real domain, the
real ``FormAction`` and our actions served by ``python -m clinic.action_server``. This
checks the parts unit tests cannot: slot mappings and ``not_intent``, the form rejecting
an interruption, resuming, pre-filling, and the summary loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from actions.booking import messages as m
from actions.booking.store import BookingStore
from tests.booking.targets import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """``python -m clinic.action_server`` on a free port with a throwaway booking DB."""
    tmp = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = dict(os.environ)
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        env.pop(name, None)
    env.update(
        ACTION_PORT=str(port),
        ACTION_HOST="127.0.0.1",
        BOOKING_DATABASE_URL=f"sqlite:///{tmp / 'bookings.db'}",
        BOOKING_LOCAL_OUTBOX=str(tmp / "deliveries.jsonl"),
        PYTHONPATH=str(ROOT),
    )
    log = open(tmp / "actions.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "clinic.action_server"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "action server did not start:\n"
                        + (tmp / "actions.log").read_text(errors="replace")[-3000:]
                    )
                time.sleep(0.3)
        yield {
            "url": f"http://127.0.0.1:{port}/webhook",
            "db": env["BOOKING_DATABASE_URL"],
            "log": str(tmp / "actions.log"),
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


class Conversation:
    """One conversation, advanced the way Rasa's MessageProcessor does it."""

    def __init__(self, action_url: str, sender: str) -> None:
        from rasa.core.nlg import TemplatedNaturalLanguageGenerator
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.utils.endpoints import EndpointConfig

        self.domain = Domain.load(str(ROOT / "domain"))
        self.endpoint = EndpointConfig(url=action_url)
        self.nlg = TemplatedNaturalLanguageGenerator(self.domain.responses)
        self.tracker = DialogueStateTracker.from_events(sender, [], slots=self.domain.slots)
        self.rejected = False

    async def user(
        self, text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None
    ) -> None:
        from rasa.core.actions.action import ActionExtractSlots
        from rasa.core.channels.channel import CollectingOutputChannel
        from rasa.shared.core.events import ActionExecuted, UserUttered

        self.tracker.update(ActionExecuted("action_listen"))
        self.tracker.update(UserUttered(text, {"name": intent, "confidence": 1.0}, entities or []))
        events = await ActionExtractSlots(self.endpoint).run(
            CollectingOutputChannel(), self.nlg, self.tracker, self.domain
        )
        self.tracker.update_with_events(events, self.domain)

    async def run(self, name: str, prediction_events: Optional[List[Any]] = None) -> List[str]:
        """Runs one action; returns what the bot said. ``self.rejected`` tells a rejection."""
        from rasa.core.actions.action import ActionExecutionRejection, action_for_name_or_text
        from rasa.core.channels.channel import CollectingOutputChannel
        from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, BotUttered

        action = action_for_name_or_text(name, self.domain, self.endpoint)
        temporary = self.tracker.copy()
        temporary.update_with_events(prediction_events or [], self.domain)
        try:
            events = await action.run(CollectingOutputChannel(), self.nlg, temporary, self.domain)
        except ActionExecutionRejection:
            self.tracker.update(ActionExecutionRejected(name))
            self.rejected = True
            return []
        self.rejected = any(isinstance(e, ActionExecutionRejected) for e in events)
        if not self.rejected:
            self.tracker.update_with_events(prediction_events or [], self.domain)
            self.tracker.update(ActionExecuted(name))
        self.tracker.update_with_events(events, self.domain)
        return [e.text for e in events if isinstance(e, BotUttered) and e.text]

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    async def respond(
        self,
        policy: Any,
        text: str,
        intent: str,
        entities: Optional[List[Dict[str, Any]]] = None,
    ) -> List[str]:
        """A whole turn: the rules pick each action, as the MessageProcessor does.

        Returns the actions run (a rejected one is marked ``!``); ``self.said`` holds the
        bot's messages of the turn.
        """
        await self.user(text, intent, entities)
        actions: List[str] = []
        self.said: List[str] = []
        for _ in range(10):
            prediction = policy.predict_action_probabilities(self.tracker, self.domain)
            best = max(
                range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__
            )
            assert prediction.probabilities[best] > 0, f"no rule after {actions}"
            name = self.domain.action_names_or_texts[best]
            if name == "action_listen":
                return actions
            self.said += await self.run(name, prediction.events)
            actions.append(name + ("!" if self.rejected else ""))
        raise AssertionError(f"no action_listen after {actions}")


async def test_booking_form_end_to_end_with_rasa_form_action(
    action_server: Dict[str, str]
) -> None:
    c = Conversation(action_server["url"], "mechanics-1")

    await c.user("book me in for FMM", "request_booking", [{"entity": "therapy", "value": "FMM"}])
    said = await c.run("action_booking_start")
    said += await c.run("booking_form")
    assert said == [m.START_WITH_THERAPY.format(therapy="FMM"), m.ASK[m.NAME]]
    assert c.tracker.active_loop_name == "booking_form"
    assert c.slot(m.THERAPY) == "FMM"  # pre-filled

    # a therapy question: the form hands over, the answer runs, the form asks again
    await c.user("what is FMM?", "ask_fmm_overview", [{"entity": "therapy", "value": "FMM"}])
    assert await c.run("booking_form") == [] and c.rejected
    assert c.slot(m.NAME) is None
    await c.run("utter_iamabot")  # stands in for the answer
    assert await c.run("booking_form") == [m.ASK[m.NAME]] and not c.rejected

    # an emergency is never taken as an answer
    await c.user("I have crushing chest pain", "emergency")
    assert await c.run("booking_form") == [] and c.rejected
    assert c.slot(m.NAME) is None
    await c.run("utter_emergency")
    assert await c.run("booking_form") == [m.ASK[m.NAME]]

    await c.user("Dana Whitfield", "nlu_fallback")
    assert await c.run("booking_form") == [m.ASK[m.CONTACT]]
    assert c.slot(m.NAME) == "Dana Whitfield"

    await c.user("555-0134", "inform_booking")
    assert await c.run("booking_form") == [
        m.ERRORS[m.CONTACT]["missing_area_code"],
        m.ASK[m.CONTACT],
    ]

    await c.user("(310) 555-0134", "inform_booking")
    assert await c.run("booking_form") == [m.ASK[m.TIMES]]  # therapy was pre-filled
    assert c.slot(m.CONTACT) == {"phone": "+13105550134", "email": None}

    await c.user("weekday evenings", "inform_booking")
    assert await c.run("booking_form") == [m.ASK[m.CONCERN]]
    assert c.slot(m.TIMES_PARSED)["part_of_day"] == ["evening"]

    await c.user("skip", "deny")
    said = await c.run("booking_form")
    assert said == [m.ASK[m.CONSENT].format(contact="+13105550134")]
    assert c.slot(m.CONCERN) == ""

    await c.user("/deny", "deny")
    assert (await c.run("booking_form"))[0] == m.ERRORS[m.CONSENT]["declined"]
    await c.user("/affirm", "affirm")
    [summary] = await c.run("booking_form")
    assert summary.startswith(m.SUMMARY_INTRO) and "weekday evenings" in summary

    # change the times from the summary
    await c.user(
        '/change_booking_field{"booking_field":"times"}',
        "change_booking_field",
        [{"entity": "booking_field", "value": "times"}],
    )
    assert await c.run("booking_form") == [] and c.rejected
    await c.run("action_change_booking_field")
    assert await c.run("booking_form") == [m.ASK[m.TIMES]]
    await c.user("next tuesday afternoon", "inform_booking")
    [summary] = await c.run("booking_form")
    assert "next tuesday afternoon" in summary and "Dana Whitfield" in summary

    await c.user("/affirm", "affirm")
    assert await c.run("booking_form") == []
    assert c.tracker.active_loop_name is None and c.slot("requested_slot") is None

    said = await c.run("action_submit_booking")
    assert said == [m.RECEIVED.format(name="Dana Whitfield")]
    assert all(c.slot(slot) is None for slot in m.ALL_BOOKING_SLOTS)
    [stored] = BookingStore.from_url(action_server["db"]).list_requests()
    assert (stored.request.sender_id, stored.request.name, stored.request.therapy) == (
        "mechanics-1",
        "Dana Whitfield",
        "FMM",
    )
    assert stored.request.preferred_times == "next tuesday afternoon"
    log = Path(action_server["log"]).read_text(errors="replace")
    assert "Dana" not in log and "3105550134" not in log


async def test_cancel_mid_form(action_server: Dict[str, str]) -> None:
    c = Conversation(action_server["url"], "mechanics-2")
    await c.user("I want to book", "request_booking")
    await c.run("action_booking_start")
    await c.run("booking_form")
    await c.user("Sam Lee", "inform_booking")
    await c.run("booking_form")
    await c.user("never mind", "cancel_booking")
    assert await c.run("booking_form") == [] and c.rejected
    assert c.slot(m.CONTACT) is None
    await c.run("action_deactivate_loop")
    assert await c.run("action_cancel_booking") == [m.CANCELLED]
    assert c.tracker.active_loop_name is None
    assert c.slot(m.NAME) is None


async def test_not_sure_gets_the_comparison_and_the_question_again(
    action_server: Dict[str, str]
) -> None:
    c = Conversation(action_server["url"], "mechanics-3")
    await c.user("I want to book", "request_booking")
    await c.run("action_booking_start")
    await c.run("booking_form")
    await c.user("Ana Ruiz", "inform_booking")
    await c.run("booking_form")
    await c.user("ana@example.com", "inform_booking")
    assert await c.run("booking_form") == [m.ASK[m.THERAPY]]
    await c.user("not sure, help me choose", "ask_which_therapy")
    assert await c.run("booking_form") == [m.THERAPY_COMPARISON, m.ASK[m.THERAPY]]
    await c.user(
        '/choose_therapy{"therapy":"NMT"}',
        "choose_therapy",
        [{"entity": "therapy", "value": "NMT"}],
    )
    assert await c.run("booking_form") == [m.ASK[m.TIMES]]
    assert c.slot(m.THERAPY) == "NMT"


@pytest.fixture(scope="module")
def rule_policy() -> Any:
    """RulePolicy trained on the project's rules and stories (no neural network involved)."""
    import tempfile

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain"), [str(ROOT / "data")]
    )
    domain = importer.get_domain()
    trackers = TrainingDataGenerator(
        importer.get_stories(), domain, augmentation_factor=0, use_story_concatenation=False
    ).generate()
    policy = RulePolicy.create(
        {**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3},
        LocalModelStorage(Path(tempfile.mkdtemp())),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "booking-test"),
    )
    policy.train(trackers, domain)
    return policy


async def test_the_rules_drive_the_whole_booking(
    action_server: Dict[str, str], rule_policy: Any
) -> None:
    c = Conversation(action_server["url"], "rules-1")
    say = c.respond

    assert await say(rule_policy, "I'd like to book", "request_booking") == [
        "action_booking_start",
        "booking_form",
    ]
    # a therapy question mid-form: the form hands over to the answer and comes back
    actions = await say(
        rule_policy, "what is FMM?", "ask_fmm_overview", [{"entity": "therapy", "value": "FMM"}]
    )
    assert actions == ["booking_form!", "action_answer_question", "booking_form"]
    assert c.said[-1] == m.ASK[m.NAME] and len(c.said) >= 2
    assert await say(rule_policy, "are you a bot?", "bot_challenge") == [
        "booking_form!",
        "utter_iamabot",
        "booking_form",
    ]
    assert await say(rule_policy, "Dana Whitfield", "nlu_fallback") == ["booking_form"]
    assert c.said == [m.ASK[m.CONTACT]]
    await say(rule_policy, "dana@example.com", "inform_booking")
    await say(
        rule_policy, "/choose_therapy", "choose_therapy", [{"entity": "therapy", "value": "NMT"}]
    )
    await say(rule_policy, "mornings", "inform_booking")
    await say(rule_policy, "my neck", "inform_booking")
    assert c.said == [m.ASK[m.CONSENT].format(contact="dana@example.com")]
    await say(rule_policy, "/affirm", "affirm")
    assert c.said[0].startswith(m.SUMMARY_INTRO)
    # change from the summary
    assert await say(
        rule_policy,
        "/change_booking_field",
        "change_booking_field",
        [{"entity": "booking_field", "value": "name"}],
    ) == ["booking_form!", "action_change_booking_field", "booking_form"]
    assert c.said == [m.ASK[m.NAME]]
    await say(rule_policy, "Dana W. Whitfield", "inform_booking")
    assert c.said[0].startswith(m.SUMMARY_INTRO) and "Dana W. Whitfield" in c.said[0]
    assert await say(rule_policy, "/affirm", "affirm") == ["booking_form", "action_submit_booking"]
    assert c.said == [m.RECEIVED.format(name="Dana W. Whitfield")]
    assert c.tracker.active_loop_name is None


async def test_the_rules_cancel_and_stop_for_an_emergency(
    action_server: Dict[str, str], rule_policy: Any
) -> None:
    c = Conversation(action_server["url"], "rules-2")
    await c.respond(rule_policy, "book me in", "request_booking")
    await c.respond(rule_policy, "Sam Lee", "inform_booking")
    assert await c.respond(rule_policy, "never mind", "cancel_booking") == [
        "booking_form!",
        "action_deactivate_loop",
        "action_cancel_booking",
    ]
    assert c.said == [m.CANCELLED] and c.slot(m.NAME) is None

    await c.respond(rule_policy, "book me in", "request_booking")
    actions = await c.respond(rule_policy, "I can't breathe", "emergency")
    assert actions[0] == "booking_form!" and "utter_emergency" in actions
    assert "booking_form" not in actions  # no booking question after 911


async def test_booking_without_a_therapy_starts_with_the_first_question_only(
    action_server: Dict[str, str]
) -> None:
    """Opening the form must not validate the empty therapy or confirmation slots."""
    c = Conversation(action_server["url"], "mechanics-start")
    await c.user("I want to book a session", "request_booking")
    assert await c.run("action_booking_start") == [m.START]
    assert await c.run("booking_form") == [m.ASK[m.NAME]]
    assert not (c.slot(m.STATE) or {}).get("failures")


async def test_a_spanish_conversation_books_in_spanish(
    action_server: Dict[str, str], rule_policy: Any
) -> None:
    """Issue 21 part 4: the same rules and FormAction, every question and reply in Spanish.

    The intents are those an English-trained model might give Spanish answers; the answers
    are read from their words.
    """
    from rasa.shared.core.events import SlotSet

    es = m.SPANISH_TEXTS
    c = Conversation(action_server["url"], "rules-es")
    c.tracker.update(SlotSet("language", "es"))
    say = c.respond

    assert await say(rule_policy, "quiero hacer una cita", "request_booking") == [
        "action_booking_start",
        "booking_form",
    ]
    assert c.said == [es.start, es.ask[m.NAME]]
    await say(rule_policy, "me llamo Ana Ruiz", "inform_booking")
    assert c.said == [es.ask[m.CONTACT]] and c.slot(m.NAME) == "Ana Ruiz"
    await say(rule_policy, "555-0134", "inform_booking")
    assert c.said == [es.errors[m.CONTACT]["missing_area_code"], es.ask[m.CONTACT]]
    await say(rule_policy, "mi cel es 213 555 0162", "inform_booking")
    assert c.said == [es.ask[m.THERAPY]]
    await say(rule_policy, "no sé, ¿cuál me recomienda?", "ask_which_therapy")
    assert c.said == [es.therapy_comparison, es.ask[m.THERAPY]]
    await say(rule_policy, "manipulación muscular funcional", "choose_therapy")
    assert c.said == [es.ask[m.TIMES]] and c.slot(m.THERAPY) == "FMM"
    await say(rule_policy, "el sábado en la mañana", "inform_booking")
    assert c.said == [es.ask[m.CONCERN]]
    assert c.slot(m.TIMES_PARSED)["days"] == ["saturday"]
    assert c.slot(m.TIMES_PARSED)["part_of_day"] == ["morning"]
    await say(rule_policy, "omitir", "deny")
    assert c.said == [es.ask[m.CONSENT].format(contact="+12135550162")]
    await say(rule_policy, "no", "deny")
    assert c.said[0] == es.errors[m.CONSENT]["declined"]
    await say(rule_policy, "sí, pueden llamarme", "affirm")
    [summary] = c.said
    assert summary.startswith(es.summary_intro)
    assert "- Terapia: Manipulación muscular funcional (FMM)" in summary
    assert "- Motivo principal: (omitido)" in summary
    # change a detail from the summary, named in Spanish
    assert await say(rule_policy, "quiero cambiar el día", "change_booking_field") == [
        "booking_form!",
        "action_change_booking_field",
        "booking_form",
    ]
    assert c.said == [es.ask[m.TIMES]]
    await say(rule_policy, "martes por la tarde", "inform_booking")
    assert c.said[0].startswith(es.summary_intro) and "martes por la tarde" in c.said[0]
    assert await say(rule_policy, "sí", "affirm") == ["booking_form", "action_submit_booking"]
    assert c.said == [es.received.format(name="Ana Ruiz")]
    assert c.tracker.active_loop_name is None
    stored = [
        r.request
        for r in BookingStore.from_url(action_server["db"]).list_requests()
        if r.request.sender_id == "rules-es"
    ]
    assert [(r.name, r.therapy, r.language) for r in stored] == [("Ana Ruiz", "FMM", "es")]
    log = Path(action_server["log"]).read_text(errors="replace")
    assert "Ana Ruiz" not in log and "2135550162" not in log


async def test_cancelling_a_spanish_booking(
    action_server: Dict[str, str], rule_policy: Any
) -> None:
    from rasa.shared.core.events import SlotSet

    c = Conversation(action_server["url"], "rules-es-2")
    c.tracker.update(SlotSet("language", "es"))
    await c.respond(rule_policy, "quiero una cita", "request_booking")
    await c.respond(rule_policy, "Soy Luis Ortega", "inform_booking")
    assert await c.respond(rule_policy, "cancelar", "cancel_booking") == [
        "booking_form!",
        "action_deactivate_loop",
        "action_cancel_booking",
    ]
    assert c.said == [m.SPANISH_TEXTS.cancelled] and c.slot(m.NAME) is None
