"""Typed slash commands reach only what a button offers (clinic/channels/slash_commands.py).

Three groups: the rule itself; the policy covers every button the assistant can send
(domain, content, FAQs, the actions' code, the widget), so a new button cannot be refused
by accident; and both channels apply it before Rasa sees the text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, Set

import pytest
import yaml

from clinic.channels.rest import ClinicRestInput
from clinic.channels.slash_commands import (
    SlashCommandGuard,
    as_plain_text,
    build_policy,
    parse_slash_command,
)
from clinic.channels.socketio import ClinicSocketIOInput

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = re.compile(r"^/[a-z_]+(\{.*\})?$")

REFUSED = [
    "/emergency",
    "/crisis",
    "/restart",
    "/session_start",
    "/back",
    "/nlu_fallback",
    "/inform_booking",
    "/mention_contraindication",
    '/request_booking{"name": "x"}',
    '/request_booking{"therapy":"NMT","name":"Mallory"}',
    '/request_booking{"therapy":"XYZ"}',
    '/request_booking{"therapy":["NMT","FMM"]}',
    '/choose_language{"language":"fr"}',
    "/choose_language",
    '/change_booking_field{"booking_field":"consent"}',
    '/faq{"faq_name":"../../etc"}',
    '/faq{"faq_name":"x","therapy":"NMT"}',
    "/faq",
    "/affirm@0.99",
    '/affirm{"booking_confirmed":"true"}',
    '/affirm{"a":1}\nand more',
    "/affirm extra words",
    "/affirm trailing{",
    "/ emergency",
    "//emergency",
    "/ /emergency",
    "  /emergency  ",
    "/",
    '/{"language":"es"}',
    "/not_an_intent{\"broken\"",
]

ALLOWED = [
    "/affirm",
    "/deny",
    "/request_booking",
    '/request_booking{"therapy":"FMM"}',
    '/request_booking{"therapy": "NMT"}',      # the same JSON, spaced
    '/choose_language{"language":"es"}',
    '/choose_therapy{"therapy":"NMT"}',
    '/change_booking_field{"booking_field":"times"}',
    '/faq{"faq_name":"session_length"}',
    "/ask_nmt_overview",
    '/ask_trigger_points{"therapy":"FMM"}',
    "/consent_health_note",
    "/what_can_you_do",
    "  /affirm  ",                             # Rasa strips the text too
]


@pytest.fixture(scope="module")
def rasa_domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain"))


def _rasa_reads(text: str, domain: Any) -> Any:
    """What Rasa's RegexMessageHandler makes of ``text``: the intent, or None for NLU."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.training_data.message import Message

    original = Message(data={"text": text})
    unpacked = YAMLStoryReader.unpack_regex_message(original, domain)
    if unpacked is original:
        return None
    return (unpacked.get("intent") or {}).get("name")


# ---- the rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", REFUSED)
def test_a_command_no_button_offers_becomes_plain_text(text: str, rasa_domain: Any) -> None:
    screened = SlashCommandGuard().screen(text, rasa_domain)
    assert not screened.strip().startswith("/"), screened
    assert _rasa_reads(screened, rasa_domain) is None, "Rasa must run NLU on it"


@pytest.mark.parametrize("text", ALLOWED)
def test_a_button_payload_passes_unchanged(text: str, rasa_domain: Any) -> None:
    assert SlashCommandGuard().screen(text, rasa_domain) == text
    assert _rasa_reads(text, rasa_domain) == parse_slash_command(text).intent


@pytest.mark.parametrize("text", ["hello", "", "  ", "what is NMT? /x", "50/50 chance"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert SlashCommandGuard().screen(text) == text


def test_plain_text_keeps_the_words() -> None:
    assert as_plain_text('/request_booking{"name": "x"}') == 'request_booking{"name": "x"}'
    assert as_plain_text("  / /emergency") == "emergency"
    assert as_plain_text("/") == ""


def test_parse_matches_rasas_reading(rasa_domain: Any) -> None:
    command = parse_slash_command('/choose_language{"language":"es"}')
    assert command.intent == "choose_language"
    assert dict(command.entities) == {"language": "es"}
    assert parse_slash_command("/affirm@0.5") is None
    deep = '/faq{"faq_name":' + "[" * 5000 + "]" * 5000 + "}"  # json.loads: RecursionError
    assert parse_slash_command(deep) is None
    assert parse_slash_command('/affirm{"a": 1}') is None        # not a string value
    assert parse_slash_command('/affirm{"a": "' + "x" * 101 + '"}') is None


# ---- the policy covers every button ---------------------------------------------------------

def _payload_constants(path: Path) -> List[str]:
    """String constants of ``{"payload": "..."}`` and of ``*PAYLOAD* = "..."``."""
    found: List[Any] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            found += [value for key, value in zip(node.keys, node.values)
                      if isinstance(key, ast.Constant) and key.value == "payload"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and "PAYLOAD" in t.id for t in targets):
                found.append(node.value)
    return [n.value for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _action_payloads() -> Set[str]:
    """Every payload the action server can send, from its code and its data."""
    from actions.booking import messages as booking
    from actions.faq_replies import choice_payload
    from actions.knowledge import knowledge_base
    from actions.short_replies import _therapy_choice_reply
    from actions.clinic_info import clinic_config

    found: Set[str] = set()
    for path in (ROOT / "actions").rglob("*.py"):
        found.update(s for s in _payload_constants(path) if PAYLOAD.match(s))
    for callback in (False, True):
        for confirm in (False, True):
            found.update(b["payload"] for b in booking.change_buttons(confirm, callback))
    for buttons in (booking.THERAPY_BUTTONS, booking.THERAPY_BUTTONS_AFTER_HELP,
                    booking.CONSENT_BUTTONS, [booking.RETRY_BUTTON, booking.BOOK_BUTTON]):
        found.update(b["payload"] for b in buttons if b["payload"].startswith("/"))
    kb = knowledge_base()
    found.update(topic.payload for topic in kb.topics.values())
    for therapy in ("NMT", "FMM"):
        reply = _therapy_choice_reply(kb, clinic_config(), f"book {therapy} please")
        found.update(b["payload"] for b in reply.buttons)
    for path in (ROOT / "faq").glob("*.yml"):
        found.add(choice_payload(path.stem))
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found.update(b["payload"] for b in data.get("buttons") or [] if b.get("payload"))
    return found


def _widget_payloads() -> Set[str]:
    found = set(re.findall(r'data-initial-payload="([^"]+)"',
                           (ROOT / "web" / "index.html").read_text(encoding="utf-8")))
    widget = (ROOT / "web" / "widget" / "widget.js").read_text(encoding="utf-8")
    assert "'/choose_language{\"language\":\"' + ui + '\"}'" in widget
    found.update('/choose_language{"language":"%s"}' % ui for ui in ("en", "es"))
    return found


def _yaml_button_payloads() -> Set[str]:
    found: Set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("payload"), str) and node["payload"].startswith("/"):
                found.add(node["payload"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in [*(ROOT / "domain").glob("*.yml"), ROOT / "clinic" / "language" / "messages.yml",
                 *(ROOT / "clinic" / "safety").glob("*.yml")]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_every_button_the_assistant_can_send_is_allowed(rasa_domain: Any) -> None:
    policy = build_policy(rasa_domain)
    payloads = _action_payloads() | _widget_payloads() | _yaml_button_payloads()
    assert len(payloads) > 30
    refused = sorted(p for p in payloads
                     if not (parse_slash_command(p) and policy.allows(parse_slash_command(p))))
    assert refused == [], "add these buttons to clinic/channels/slash_commands.py"


def test_every_faq_follow_up_the_console_offers_is_allowed(rasa_domain: Any) -> None:
    from staff.console.buttons import follow_ups

    policy = build_policy(rasa_domain)
    offered = follow_ups(rasa_domain.intents)
    assert "/request_booking" in offered
    assert all(policy.allows(parse_slash_command(p)) for p in offered)


def test_the_loaded_models_domain_gives_the_same_policy_as_the_files(rasa_domain: Any) -> None:
    assert build_policy(rasa_domain).payloads() == build_policy(None).payloads()


def test_the_policy_follows_a_new_model_s_domain(rasa_domain: Any) -> None:
    guard = SlashCommandGuard()
    assert guard.screen("/ask_new_topic", rasa_domain) == "ask_new_topic"
    new_domain = SimpleNamespace(
        intents=list(rasa_domain.intents),
        responses={"utter_x": [{"text": "x", "buttons": [
            {"title": "New", "payload": '/new_button{"therapy":"NMT"}'}]}]},
    )
    assert guard.screen('/new_button{"therapy":"NMT"}', new_domain) == (
        '/new_button{"therapy":"NMT"}')
    assert guard.screen('/new_button{"therapy":"FMM"}', new_domain) == (
        'new_button{"therapy":"FMM"}')


# ---- both channels apply it -----------------------------------------------------------------

def _route_handler(blueprint: Any, name: str) -> Any:
    for route in blueprint._future_routes:
        if route.handler.__name__ == name:
            return route.handler
    raise AssertionError(f"no route {name}")


async def test_the_rest_channel_screens_the_text(rasa_domain: Any) -> None:
    seen: List[str] = []

    async def on_message(message: Any) -> None:
        seen.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    receive = _route_handler(ClinicRestInput().blueprint(on_message), "receive")
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=rasa_domain)))
    for text in ("/emergency", '/request_booking{"therapy":"NMT"}', "hello"):
        request = SimpleNamespace(json={"sender": "s", "message": text}, app=app)
        answer = await receive(request)
        assert answer.status == 200
    assert seen == ["emergency", '/request_booking{"therapy":"NMT"}', "hello"]


async def test_the_socketio_channel_screens_the_text() -> None:
    seen: List[str] = []

    async def on_message(message: Any) -> None:
        seen.append(message.text)

    channel = ClinicSocketIOInput(allowed_origins=["http://localhost:8080"])
    channel.blueprint(on_message)
    handler = channel.sio.handlers["/"]["user_uttered"]
    for text in ('/request_booking{"name": "x"}', "/deny"):
        await handler("sid", {"message": text, "session_id": "abc"})
    assert seen == ['request_booking{"name": "x"}', "/deny"]
