"""Session start: clinic facts in, half-finished booking data out."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart, carry_over


def _tracker(slots: dict) -> Tracker:
    return Tracker("s", slots, {}, [], False, None, {}, "action_listen")


async def test_session_start_sets_clinic_name_and_drops_booking_data() -> None:
    events = await ActionSessionStart().run(
        CollectingDispatcher(),
        _tracker({"last_topic": "fmm_overview", "booking_name": "Zed", "requested_slot": "x",
                  "clinic_name": "old"}),
        {},
    )
    names = [e["event"] for e in events]
    assert names[0] == "session_started"
    assert events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["last_topic"] == "fmm_overview"
    assert "booking_name" not in slots and "requested_slot" not in slots
    assert slots["clinic_name"] and "PLACEHOLDER" not in slots["clinic_name"]


def test_carry_over_rules() -> None:
    assert carry_over("therapy")
    assert not carry_over("booking_contact")
    assert not carry_over("requested_slot")
