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


# ---------------------------------------------------------------------------- Spanish

#: Known false alarms in tests/safety/contraindications_es.yml (none).
MAX_FALSE_ALARMS_ES = 0


def _spanish_set_path():
    from clinic.safety.measure import PROJECT_ROOT

    return PROJECT_ROOT / "tests" / "safety" / "contraindications_es.yml"


def test_every_category_is_found_exactly_on_the_spanish_set() -> None:
    counts = measure_contraindications(_spanish_set_path())
    assert counts.positives >= 56
    assert counts.missed_categories == []
    assert counts.extra_categories == []
    assert counts.exact == counts.positives


def test_no_false_alarm_on_the_spanish_set() -> None:
    counts = measure_contraindications(_spanish_set_path())
    assert counts.negatives >= 30
    assert len(counts.false_alarms) <= MAX_FALSE_ALARMS_ES, counts.false_alarms


def test_each_category_has_eight_spanish_phrasings() -> None:
    import yaml

    data = yaml.safe_load(_spanish_set_path().read_text(encoding="utf-8"))
    for category in CATEGORIES:
        alone = [i for i in data["positives"] if i["categories"] == [category]]
        assert len(alone) >= 8, category


@pytest.mark.parametrize(
    "text, category",
    [
        ("estoy embarazada", "pregnancy"),
        ("ESTOY EMBARAZADA", "pregnancy"),
        ("tomo anticoagulantes", "blood thinners"),
        ("me operaron de la rodilla hace dos semanas", "recent surgery or fracture"),
        ("me fracturé la muñeca", "recent surgery or fracture"),
        ("me fracture la muneca", "recent surgery or fracture"),
        ("tengo un coágulo", "blood clot"),
        ("tengo un coagulo", "blood clot"),
        ("estoy en quimioterapia", "cancer treatment"),
        ("tengo fiebre", "fever or infection"),
        ("tengo culebrilla", "skin condition"),
        ("tengo herpes zóster", "skin condition"),
        ("tengo psoriasis desde hace años", "skin condition"),
        ("tuve un coágulo hace muchos años", "blood clot"),  # the history matters
    ],
)
def test_spanish_mentions_are_found(text: str, category: str) -> None:
    assert category in detect_contraindications(text)


@pytest.mark.parametrize(
    "text",
    [
        "no estoy embarazada",
        "ya no tomo anticoagulantes",
        "nunca he tenido un coágulo",
        "no tengo fiebre ni infección",
        "me operaron hace 10 años",
        "me fracturé la muñeca de niña",
        "tuve culebrilla hace mucho",
        "la prueba de embarazo salió negativa",
        "me puse la vacuna de la gripe",
        "tengo una lesión en la rodilla",
    ],
)
def test_spanish_denials_long_past_and_look_alikes_do_not_count(text: str) -> None:
    assert detect_contraindications(text) == ()


def test_spanish_categories_come_back_in_the_same_fixed_order() -> None:
    found = detect_contraindications("tomo warfarina y estoy embarazada")
    assert found == ("pregnancy", "blood thinners")
