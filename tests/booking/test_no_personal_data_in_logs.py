"""What a visitor types into the booking form never reaches a log record.

Runs the action server's booking code paths (validation, interruption, submit, storage
failure) and the worker's (failed and successful deliveries) at DEBUG level with
recognisable personal data, then scans everything logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.booking.form import ValidateBookingForm
from actions.booking.local_client import LocalFileChannel
from actions.booking.store import BookingRequest, BookingStore
from actions.booking.submit import ActionSubmitBooking
from actions.booking.webhook_client import WebhookClient
from actions.booking.worker import deliver_due
from tests.booking.targets import free_port

NAME = "Zebulon Quarrington"
PHONE_TYPED = "(323) 555-0177"
PHONE = "+13235550177"
EMAIL = "zebulon.q@example.org"
CONCERN = "numbness in my fingertips since the accident"
NOTE = "recent spinal surgery"
SECRETS = (
    NAME,
    "Zebulon",
    "Quarrington",
    PHONE,
    "3235550177",
    "555-0177",
    EMAIL,
    "zebulon.q",
    CONCERN,
    "fingertips",
    NOTE,
)


def tracker(requested: str, text: str, intent: str, slots: dict) -> Tracker:
    events = [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "booking_form"},
        {"event": "slot", "name": requested, "value": text},
    ]
    return Tracker(
        "visitor-log",
        {**slots, "requested_slot": requested, requested: text},
        {"text": text, "intent": {"name": intent}, "entities": []},
        events,
        False,
        None,
        {"name": "booking_form"},
        "booking_form",
    )


async def test_booking_code_paths_log_no_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    monkeypatch.setenv("BOOKING_LOCAL_OUTBOX", str(tmp_path / "out.jsonl"))

    validator = ValidateBookingForm()
    domain = {"forms": {"booking_form": {"required_slots": list(m.FORM_SLOTS)}}}
    for requested, text, intent in [
        (m.NAME, NAME, "inform_booking"),
        (m.NAME, f"{NAME} 123", "nlu_fallback"),
        (m.NAME, f"is {NAME} ok?", "out_of_scope"),  # interruption path
        (m.CONTACT, PHONE_TYPED, "inform_booking"),
        (m.CONTACT, "zebulon.q@example", "nlu_fallback"),
        (m.CONTACT, f"{EMAIL} or {PHONE_TYPED}", "inform_booking"),
        (m.CONCERN, CONCERN, "ask_nerve_entrapment"),
    ]:
        await validator.run(CollectingDispatcher(), tracker(requested, text, intent, {}), domain)

    slots = {
        m.NAME: NAME,
        m.CONTACT: {"phone": PHONE, "email": EMAIL},
        m.THERAPY: "NMT",
        m.TIMES: "weekday evenings",
        m.CONCERN: CONCERN,
        m.CONSENT: True,
        m.CONFIRMED: True,
        "contraindication_note": NOTE,
    }
    submit_tracker = Tracker(
        "visitor-log", slots, {"intent": {"name": "affirm"}}, [], False, None, {}, "action_listen"
    )
    dispatcher = CollectingDispatcher()
    await ActionSubmitBooking().run(dispatcher, submit_tracker, {})
    assert NAME in dispatcher.messages[0]["text"]  # the visitor sees it; logs must not

    monkeypatch.setenv(
        "BOOKING_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"
    )
    await ActionSubmitBooking().run(CollectingDispatcher(), submit_tracker, {})

    store = BookingStore.from_url(url, tmp_path / "out.jsonl")
    store.save_request(
        BookingRequest(
            sender_id="visitor-log",
            name=NAME,
            phone=PHONE,
            email=EMAIL,
            therapy="NMT",
            preferred_times="mornings",
            concern=CONCERN,
            contraindication_note=NOTE,
            consent=True,
        ),
        ["webhook", "local"],
    )
    down = WebhookClient(f"http://127.0.0.1:{free_port()}/x", "secret", retries=1, timeout=1)
    channels = {"webhook": down, "local": LocalFileChannel(tmp_path / "out.jsonl")}
    deliver_due(store, channels)
    deliver_due(store, channels, now=datetime.utcnow() + timedelta(days=1))
    assert store.delete_by_sender("visitor-log") == 2

    logged = caplog.text
    assert "booking request" in logged and "could not be stored" in logged
    assert "failed (webhook_unreachable" in logged and "delivered" in logged
    leaks = [secret for secret in SECRETS if secret.lower() in logged.lower()]
    assert leaks == [], f"personal data in logs: {leaks}"
