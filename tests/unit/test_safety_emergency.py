"""The deterministic emergency check on the phrasing set (tests/safety/phrasings.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
import yaml

from clinic.safety.emergency import CRISIS, MEDICAL, detect_emergency, rules
from clinic.safety.measure import PHRASINGS, measure_emergencies
from clinic.settings import PROJECT_ROOT

#: The false-alarm budget stated in docs/safety.md.
MAX_FALSE_ALARMS = 2
MIN_POSITIVES = 80
MIN_NEGATIVES = 80
SIGN_GROUPS = {
    "chest", "stroke", "headache", "meningitis", "cauda_equina", "head_neck_injury",
    "breathing", "other", "crisis",
}


def test_the_set_is_large_and_covers_every_group() -> None:
    data = yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))
    groups = data["positives"]
    assert set(groups) == SIGN_GROUPS
    assert sum(len(g["examples"]) for g in groups.values()) >= MIN_POSITIVES
    assert len(data["negatives"]) >= MIN_NEGATIVES
    for name, group in groups.items():
        assert len(group["examples"]) >= 5, name
        assert group["intent"] in (MEDICAL, CRISIS), name


def test_no_emergency_is_missed() -> None:
    counts = measure_emergencies()
    assert counts.missed == [], "missed or wrong kind of alarm:\n" + "\n".join(counts.missed)


def test_false_alarms_stay_within_the_stated_budget() -> None:
    counts = measure_emergencies()
    assert len(counts.false_alarms) <= MAX_FALSE_ALARMS, counts.false_alarms
    doc = (PROJECT_ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    assert f"at most {MAX_FALSE_ALARMS} false alarms" in doc


@pytest.mark.parametrize(
    "text",
    [
        "is FMM good for neck pain?",
        "I had a headache last week",
        "my tingling comes and goes when I type",
        "the chest workout made my pecs sore",
    ],
)
def test_the_briefs_negatives_raise_no_alarm(text: str) -> None:
    assert detect_emergency(text) is None


@pytest.mark.parametrize(
    "text, intent, sign",
    [
        ("I have chest pain and my left arm hurts", MEDICAL, "chest"),
        ("my face is drooping on one side", MEDICAL, "stroke"),
        ("worst headache of my life", MEDICAL, "headache"),
        ("headache, fever and a stiff neck", MEDICAL, "headache"),
        ("I lost control of my bladder and my back hurts", MEDICAL, "cauda_equina"),
        ("I hit my head and now my hands are tingling", MEDICAL, "head_neck_injury"),
        ("I can't breathe", MEDICAL, "breathing"),
        ("I want to kill myself", CRISIS, "crisis"),
    ],
)
def test_each_group_reports_its_kind_and_sign(text: str, intent: str, sign: str) -> None:
    match = detect_emergency(text)
    assert match is not None
    assert (match.intent, match.sign) == (intent, sign)
    assert match.rule


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_not_an_emergency(text: str) -> None:
    assert detect_emergency(text) is None


def test_crisis_wins_over_a_medical_sign_in_the_same_message() -> None:
    match = detect_emergency("my chest hurts and I want to die")
    assert match is not None and match.intent == CRISIS


def test_negation_past_and_questions_are_respected_but_now_overrides_the_past() -> None:
    assert detect_emergency("no chest pain, no shortness of breath") is None
    assert detect_emergency("I had a stroke two years ago") is None
    assert detect_emergency("what are the signs of a stroke?") is None
    assert detect_emergency(
        "I had a stroke two years ago and now my face is drooping again"
    ) is not None


def test_typing_variants_are_recognised() -> None:
    for text in ("cant breath", "im suicidal", "I CAN'T BREATHE", "i want to kill my self",
                 "I can\u2019t breathe"):
        assert detect_emergency(text) is not None, text


def test_every_rule_is_exercised_by_the_set() -> None:
    data = yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))
    fired = set()
    for group in data["positives"].values():
        for text in group["examples"]:
            match = detect_emergency(text)
            if match is not None:
                fired.add(match.rule)
    unused = [rule.name for rule in rules() if rule.name not in fired]
    assert unused == []


def _nlu_examples(path: Path) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in data.get("nlu") or []:
        for line in (item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(line[2:])
    return examples


def test_no_other_training_example_or_heldout_question_raises_an_alarm() -> None:
    texts = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        if path.name != "safety.yml":  # the emergency and crisis examples themselves
            texts += _nlu_examples(path)
    for heldout in sorted((PROJECT_ROOT / "tests" / "heldout").glob("questions*.yml")):
        questions = (yaml.safe_load(heldout.read_text(encoding="utf-8")) or {}).get("questions")
        texts += [q["text"] for q in questions or []]
    assert len(texts) > 100
    alarms = [t for t in texts if detect_emergency(t) is not None]
    assert alarms == []


def test_every_safety_training_example_is_recognised() -> None:
    texts = _nlu_examples(PROJECT_ROOT / "data" / "nlu" / "safety.yml")
    assert len(texts) >= 40
    assert [t for t in texts if detect_emergency(t) is None] == []
