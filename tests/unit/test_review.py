"""``make review`` on a tracker store seeded through Rasa's own SQLTrackerStore."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from staff import review
from staff.review import clean_text, group_messages, read_events, unclear_messages

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
DIGIT_RUN = re.compile(r"\d{3}")
WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def said(text: str, intent: str, confidence: float, at: float,
         ranking: Optional[List[Dict[str, Any]]] = None) -> UserUttered:
    parse = {"intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    return UserUttered(text, intent={"name": intent, "confidence": confidence},
                       parse_data=parse, timestamp=at)


def did(action: str, at: float) -> ActionExecuted:
    return ActionExecuted(action, timestamp=at)


CONVERSATIONS: Dict[str, List[Event]] = {
    "visitor-a": [
        SessionStarted(timestamp=90.0),
        said("do you validate parking?", "nlu_fallback", 0.55, 100.0,
             [{"name": "nlu_fallback", "confidence": 0.55},
              {"name": "what_can_you_do", "confidence": 0.41}]),
        did("utter_please_rephrase", 100.5),
        BotUttered("Sorry, I didn't quite catch that.", timestamp=100.6),
        said("hello", "greet", 0.99, 200.0),
        did("utter_greet", 200.5),
        said("is parking validated", "what_can_you_do", 0.45, 300.0),
        did("utter_what_i_can_do", 300.5),
        said("/request_booking", "request_booking", 1.0, 400.0),
        did("booking_form", 400.5),
        ActiveLoop("booking_form", timestamp=400.6),
        SlotSet("requested_slot", "email", timestamp=400.7),
        # typed while the form collects contact details: never shown, even though unclear
        said("it's anna.lee@example.com", "nlu_fallback", 0.3, 410.0),
        did("utter_please_rephrase", 410.5),
        SlotSet("requested_slot", None, timestamp=420.0),
        ActiveLoop(None, timestamp=420.1),
        # confident, but the clarification handler asked "did you mean ...?"
        said("gift card for my mum", "faq", 0.8, 500.0),
        did("action_clarify_did_you_mean", 500.5),
        said("help I think I'm having a heart attack", "emergency", 1.0, 550.0),
        did("utter_emergency", 550.5),
    ],
    "visitor-b": [
        said("Do you validate parking", "nlu_fallback", 0.55, 600.0),
        did("utter_please_rephrase", 600.5),
        said("Hi, I'm Anna Lee, my number is 310 555 0100, what's your cancellation fee?",
             "nlu_fallback", 0.4, 50.0),
        did("utter_please_rephrase", 50.5),
    ],
}


async def seed(path: Path) -> str:
    url = f"sqlite:///{path}"
    store = SQLTrackerStore(host=url)
    for sender, events in CONVERSATIONS.items():
        tracker = DialogueStateTracker.from_events(
            sender, events, slots=[TextSlot("requested_slot", mappings=[])])
        await store.save(tracker)
    store.engine.dispose()
    return url


@pytest.fixture
async def database(tmp_path: Path) -> str:
    return await seed(tmp_path / "conversations.db")


def test_unclear_messages_are_found_and_private_ones_skipped(database: str) -> None:
    found = unclear_messages(read_events(database))
    assert sorted(message.text for message in found) == sorted([
        "do you validate parking?",
        "is parking validated",
        "gift card for my mum",
        "Do you validate parking",
        "Hi, I'm [name], my number is [phone], what's your cancellation fee?",
    ])
    guesses = {message.text: (message.guess, message.confidence) for message in found}
    assert guesses["do you validate parking?"] == ("what_can_you_do", 0.41)


def test_groups_are_ordered_by_frequency_then_recency(database: str) -> None:
    groups = group_messages(unclear_messages(read_events(database)))
    assert [(group.text, group.count) for group in groups] == [
        ("Do you validate parking", 3),  # two exact + "is parking validated"; newest wording
        ("gift card for my mum", 1),  # asked at 500
        ("Hi, I'm [name], my number is [phone], what's your cancellation fee?", 1),  # at 50
    ]
    assert groups[0].last_seen == 600.0
    assert groups[0].variants == ["is parking validated"]


def test_csv_export_has_no_contact_details(database: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "review.csv"
    assert review.main(["--database-url", database, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["question"] for row in rows][0] == "Do you validate parking"
    assert rows[0]["times_asked"] == "3"
    assert rows[0]["other_wordings"] == "is parking validated"
    # the scratch folder's name (e.g. pytest-100) is not visitor data
    printed = printed.replace(str(tmp_path), "<tmp>").replace(database, "<db>")
    for text in (printed, out.read_text(encoding="utf-8")):
        assert "Do you validate parking" in text
        assert not EMAIL.search(text)
        assert not DIGIT_RUN.search(WHEN.sub("", text))
        assert "Anna" not in text and "anna" not in text
        assert "heart attack" not in text
        assert "visitor-a" not in text  # never who asked


def test_spreadsheet_formulas_are_neutralised(tmp_path: Path) -> None:
    groups = group_messages([review.Unclear("=HYPERLINK(\"x\")", 1.0)])
    out = tmp_path / "review.csv"
    review.write_csv(groups, out)
    assert list(csv.DictReader(out.open()))[0]["question"].startswith("'=")


def test_no_database_yet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert review.main(["--database-url", url]) == 0
    assert "No conversations recorded yet" in capsys.readouterr().out
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("text, expected", [
    ("my name is anna, do you take cash?", "my name is [name], do you take cash?"),
    ("This is Sarah. Is there parking?", "This is [name]. Is there parking?"),
    ("I'm having neck pain", "I'm having neck pain"),
    ("write to a.b@example.org", "write to [email]"),
    ("anna@example.org", None),
])
def test_clean_text(text: str, expected: Optional[str]) -> None:
    assert clean_text(text) == expected


def test_relative_sqlite_paths_are_the_projects() -> None:
    assert review.resolve_database_url("sqlite:///var/conversations.db", Path("/srv/app")) == \
        "sqlite:////srv/app/var/conversations.db"
    assert review.resolve_database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert review.resolve_database_url("postgresql://u:p@h/db") == "postgresql://u:p@h/db"
