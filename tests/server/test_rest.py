"""REST round trips against the real servers started by the launcher."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

from clinic.config import load_clinic_config
from clinic.settings import PROJECT_ROOT
from tests.server.helpers import domain_response


def test_hello_gets_the_greeting_with_quick_replies(stack) -> None:
    replies = stack.rest(f"rest-{uuid.uuid4().hex}", "hello")
    clinic_name = load_clinic_config(PROJECT_ROOT / "clinic.yml").clinic_name
    expected = domain_response("utter_greet", clinic_name=clinic_name)
    assert replies[0]["text"] == expected["text"]
    assert [b["payload"] for b in replies[0]["buttons"]] == [
        b["payload"] for b in expected["buttons"]
    ]


def test_all_servers_answer_health_checks(stack) -> None:
    for url in (stack.rasa_url + "/", stack.action_url.replace("/webhook", "/health"),
                stack.web_url + "/"):
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            assert response.status == 200, url


def test_conversation_is_stored_in_the_tracker_store(stack) -> None:
    import sqlalchemy as sa

    sender = f"stored-{uuid.uuid4().hex}"
    stack.rest(sender, "hi")
    engine = sa.create_engine(stack.database_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender},
        ).scalar()
    assert count == 1
