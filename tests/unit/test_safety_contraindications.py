"""Contraindication detection and the clinic's note (categories only, never free text)."""

from __future__ import annotations

import pytest

from clinic.safety.contraindications import (
    CATEGORIES,
    describe,
    detect_contraindications,
    format_note,
    merge_notes,
    parse_note,
)
from clinic.safety.measure import measure_contraindications

#: Known false alarms in tests/safety/contraindications.yml (documented in docs/safety.md).
MAX_FALSE_ALARMS = 1


def test_every_category_is_found_exactly_on_the_set() -> None:
    counts = measure_contraindications()
    assert counts.positives >= 40
    assert counts.missed_categories == []
    assert counts.extra_categories == []
    assert counts.exact == counts.positives


def test_false_alarms_on_the_set_stay_within_budget() -> None:
    counts = measure_contraindications()
    assert counts.negatives >= 30
    assert len(counts.false_alarms) <= MAX_FALSE_ALARMS, counts.false_alarms


def test_each_category_is_covered_by_the_set() -> None:
    from clinic.safety.measure import CONTRAINDICATIONS
    import yaml

    data = yaml.safe_load(CONTRAINDICATIONS.read_text(encoding="utf-8"))
    covered = {c for item in data["positives"] for c in item["categories"]}
    assert covered == set(CATEGORIES)


@pytest.mark.parametrize(
    "text",
    [
        "I'm not pregnant",
        "no fever, just a stiff neck",
        "I don't take any blood thinners",
        "I had knee surgery ten years ago and it's fine",
        "",
        None,
    ],
)
def test_negated_long_past_and_empty_mentions_do_not_count(text: str) -> None:
    assert detect_contraindications(text) == ()


def test_history_still_counts_for_clots() -> None:
    assert detect_contraindications("I had a DVT years ago") == ("blood clot",)


def test_categories_come_back_in_a_fixed_order() -> None:
    found = detect_contraindications("I'm on warfarin and I'm pregnant")
    assert found == ("pregnancy", "blood thinners")


def test_the_note_holds_category_names_only() -> None:
    assert format_note(["blood thinners", "pregnancy"]) == "pregnancy; blood thinners"
    assert format_note([]) is None
    assert format_note(["my name is Zebulon"]) is None
    assert parse_note("pregnancy; I'm 20 weeks; blood thinners") == (
        "pregnancy", "blood thinners"
    )
    assert parse_note(None) == ()


def test_notes_merge_without_duplicates() -> None:
    assert merge_notes("pregnancy", ["blood thinners", "pregnancy"]) == (
        "pregnancy; blood thinners"
    )
    assert merge_notes(None, ["skin condition"]) == "skin condition"
    assert merge_notes(None, []) is None


def test_categories_are_described_for_people() -> None:
    assert describe(["pregnancy"]) == "pregnancy"
    assert describe(["skin condition", "pregnancy"]) == "pregnancy and skin condition"
    assert describe(["pregnancy", "blood thinners", "blood clot"]) == (
        "pregnancy, blood thinners and blood clot"
    )
    assert describe([]) == "your health condition"
