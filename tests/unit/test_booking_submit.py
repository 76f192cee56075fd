"""Submitting a request: stored before "received", slots cleared, no health data in links."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict
from urllib.parse import urlparse

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import messages as m
from actions.booking.store import BookingStore
from actions.booking.submit import ActionSubmitBooking, request_from_slots
from clinic.config import ClinicConfig

SLOTS: Dict[str, Any] = {
    m.NAME: "Dana Whitfield",
    m.CONTACT: {"phone": "+13105550134", "email": "dana@example.com"},
    m.THERAPY: "FMM",
    m.TIMES: "next tuesday afternoon",
    m.TIMES_PARSED: {"raw": "next tuesday afternoon", "date": "2025-03-11"},
    m.CONCERN: "sciatica down my left leg",
    m.CONSENT: True,
    m.CONFIRMED: True,
    "contraindication_note": "blood thinners",
}


def tracker(slots: Dict[str, Any]) -> Tracker:
    return Tracker(
        "visitor-42",
        dict(slots),
        {"intent": {"name": "affirm"}, "text": "/affirm"},
        [],
        False,
        None,
        {},
        "action_listen",
    )


def clinic(template: str = "") -> ClinicConfig:
    return ClinicConfig(
        raw={
            "clinic": {
                "name": "Test Studio",
                "phone": "(310) 555-0100",
                "email": "desk@x.example",
                "address": "PLACEHOLDER",
            },
            "booking": {"scheduler_url_template": template},
        }
    )


@pytest.fixture
def booking_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    monkeypatch.setenv("BOOKING_LOCAL_OUTBOX", str(tmp_path / "deliveries.jsonl"))
    return url


async def test_submit_stores_then_confirms_and_clears_personal_slots(
    booking_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actions.booking.submit.clinic_config", lambda: clinic())
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker(SLOTS), {})
    [stored] = BookingStore.from_url(booking_db).list_requests()
    r = stored.request
    assert (r.sender_id, r.name, r.phone, r.email, r.therapy) == (
        "visitor-42",
        "Dana Whitfield",
        "+13105550134",
        "dana@example.com",
        "FMM",
    )
    assert r.concern == "sciatica down my left leg"
    assert r.contraindication_note == "blood thinners"
    assert [d.channel for d in stored.deliveries] == ["local"]
    assert dispatcher.messages[0]["text"] == m.RECEIVED.format(name="Dana Whitfield")
    assert len(dispatcher.messages) == 1  # no scheduler configured: no link
    cleared = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert set(cleared) == set(m.ALL_BOOKING_SLOTS) | {"contraindication_note"}
    assert all(value is None for value in cleared.values())


async def test_storage_failure_apologises_gives_contact_and_keeps_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "BOOKING_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"
    )
    monkeypatch.setattr("actions.booking.submit.clinic_config", lambda: clinic())
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker(SLOTS), {})
    assert events == []  # nothing cleared: "Try again" works
    [message] = dispatcher.messages
    assert "(310) 555-0100" in message["text"] and "sorry" in message["text"].lower()
    assert message["buttons"] == [m.RETRY_BUTTON]
    assert m.RECEIVED.split(",")[0] not in message["text"]


async def test_scheduler_link_is_prefilled_with_name_and_email_only(
    booking_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = "https://calendly.com/x/60min?name={name}&email={email}"
    monkeypatch.setattr("actions.booking.submit.clinic_config", lambda: clinic(template))
    dispatcher = CollectingDispatcher()
    await ActionSubmitBooking().run(dispatcher, tracker(SLOTS), {})
    [button] = dispatcher.messages[1]["buttons"]
    url = button["url"]
    assert url == "https://calendly.com/x/60min?name=Dana%20Whitfield&email=dana%40example.com"
    assert urlparse(url).scheme == "https"
    for health in ("FMM", "sciatica", "leg", "blood", "thinners", "tuesday", "3105550134"):
        assert health.lower() not in url.lower()


async def test_incomplete_or_unconsented_requests_are_not_submitted(booking_db: str) -> None:
    assert request_from_slots("s", {**SLOTS, m.CONSENT: None}) is None
    assert request_from_slots("s", {**SLOTS, m.CONTACT: None}) is None
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker({}), {})
    assert events == [] and dispatcher.messages[0]["text"] == m.NOTHING_TO_SUBMIT
    assert BookingStore.from_url(booking_db).list_requests() == []


def test_a_callback_request_is_stored_as_a_callback_without_therapy_or_concern() -> None:
    slots = {
        m.KIND: m.CALLBACK,
        m.NAME: "Dana Whitfield",
        m.CONTACT: {"phone": "+13105550134", "email": None},
        m.TIMES: "weekday mornings",
        m.CONCERN: "left over from an earlier booking",
        m.CONSENT: True,
    }
    request = request_from_slots("sender-1", slots)
    assert request is not None
    assert (request.kind, request.therapy, request.concern) == ("callback", "undecided", None)
    assert request.payload()["kind"] == "callback"
