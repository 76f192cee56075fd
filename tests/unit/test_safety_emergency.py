"""The deterministic emergency check on the phrasing sets (tests/safety/phrasings*.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
import yaml

from clinic.safety.emergency import CRISIS, MEDICAL, detect_emergency, rules
from clinic.safety.measure import PHRASINGS, PHRASINGS_ES, measure_emergencies
from clinic.safety.text import ENGLISH, SPANISH, fold_accents
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
    fired = set()
    for path in (PHRASINGS, PHRASINGS_ES):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        # the emergency and crisis examples themselves
        if path.name not in ("safety.yml", "spanish_safety.yml"):
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


# ---------------------------------------------------------------------------- Spanish
#: The Spanish set (tests/safety/phrasings_es.yml) and its false-alarm budget (docs/safety.md).
MAX_FALSE_ALARMS_ES = 2
MIN_POSITIVES_ES = 40
MIN_NEGATIVES_ES = 25
SPANISH_GROUPS = SIGN_GROUPS  # the same red flags as in English


def _english_texts() -> List[str]:
    """Every English phrasing the project has: the safety set, NLU data, held-out questions."""
    data = yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))
    texts = [t for group in data["positives"].values() for t in group["examples"]]
    texts += list(data["negatives"])
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        if not path.name.startswith("spanish_"):
            texts += _nlu_examples(path)
    for heldout in sorted((PROJECT_ROOT / "tests" / "heldout").glob("questions*.yml")):
        questions = (yaml.safe_load(heldout.read_text(encoding="utf-8")) or {}).get("questions")
        texts += [q["text"] for q in questions or []]
    return texts


def test_the_spanish_set_is_large_and_covers_every_group() -> None:
    data = yaml.safe_load(PHRASINGS_ES.read_text(encoding="utf-8"))
    assert data["language"] == SPANISH
    groups = data["positives"]
    assert set(groups) == SPANISH_GROUPS
    assert sum(len(g["examples"]) for g in groups.values()) >= MIN_POSITIVES_ES
    assert len(data["negatives"]) >= MIN_NEGATIVES_ES
    for name, group in groups.items():
        assert len(group["examples"]) >= 5, name
        assert group["intent"] in (MEDICAL, CRISIS), name


def test_no_spanish_emergency_is_missed_or_answered_in_english() -> None:
    counts = measure_emergencies(PHRASINGS_ES)
    assert counts.language == SPANISH
    assert counts.missed == [], "missed, wrong kind or not Spanish:\n" + "\n".join(counts.missed)


def test_spanish_false_alarms_stay_within_the_stated_budget() -> None:
    counts = measure_emergencies(PHRASINGS_ES)
    assert len(counts.false_alarms) <= MAX_FALSE_ALARMS_ES, counts.false_alarms
    doc = " ".join((PROJECT_ROOT / "docs" / "safety.md").read_text(encoding="utf-8").split())
    assert f"at most {MAX_FALSE_ALARMS_ES} false alarms among the Spanish" in doc


@pytest.mark.parametrize(
    "text, intent, sign",
    [
        # the brief's example, with and without accents, and shouted
        ("me duele el pecho y se me va al brazo izquierdo", MEDICAL, "chest"),
        ("ME DUELE EL PECHO Y SE ME VA AL BRAZO IZQUIERDO", MEDICAL, "chest"),
        ("siento presión en el pecho y me duele la mandíbula", MEDICAL, "chest"),
        ("siento presion en el pecho y me duele la mandibula", MEDICAL, "chest"),
        ("a mi papá se le cayó la cara y no puede hablar", MEDICAL, "stroke"),
        ("a mi papa se le cayo la cara y no puede hablar", MEDICAL, "stroke"),
        ("creo que a mi mamá le está dando un derrame", MEDICAL, "stroke"),
        ("el peor dolor de cabeza de mi vida", MEDICAL, "headache"),
        ("tengo fiebre y el cuello rígido", MEDICAL, "headache"),
        ("tengo fiebre y el cuello rigido", MEDICAL, "headache"),
        ("no siento la entrepierna y me duele la espalda", MEDICAL, "cauda_equina"),
        ("me duele la espalda y no puedo controlar la vejiga", MEDICAL, "cauda_equina"),
        ("me caí y no puedo mover las piernas", MEDICAL, "head_neck_injury"),
        ("tuve un choque con mi troca y se me duermen los brazos", MEDICAL, "head_neck_injury"),
        ("no puedo respirar", MEDICAL, "breathing"),
        ("me falta el aire", MEDICAL, "breathing"),
        ("me quiero matar", CRISIS, "crisis"),
        ("quiero hacerme daño", CRISIS, "crisis"),
        ("quiero hacerme dano", CRISIS, "crisis"),
        ("ya no quiero vivir", CRISIS, "crisis"),
    ],
)
def test_spanish_signs_report_their_kind_sign_and_language(
    text: str, intent: str, sign: str
) -> None:
    match = detect_emergency(text)
    assert match is not None, text
    assert (match.intent, match.sign, match.language) == (intent, sign, SPANISH)
    assert match.rule.endswith("(es)")


@pytest.mark.parametrize(
    "text",
    [
        "me duele la espalda desde hace meses",
        "¿la terapia ayuda con el dolor de pecho muscular?",
        "la terapia ayuda con el dolor de pecho muscular",
        "tengo hormigueo en las manos",
        "no tengo dolor de pecho, solo los hombros tensos",
        "mi abuela tuvo un derrame hace dos años, ¿le pueden dar masaje?",
        "¿cuáles son los síntomas de un derrame?",
        "mi espalda me está matando",
        "me quiero morir de la vergüenza, se me olvidó mi cita",
        "quiero cortarme el pelo antes de la cita",
        "no soy suicida, solo estoy muy estresada",
    ],
)
def test_spanish_non_emergencies_raise_no_alarm(text: str) -> None:
    assert detect_emergency(text) is None


def test_spanish_negation_past_and_questions_are_respected_but_now_overrides_the_past() -> None:
    assert detect_emergency("no tengo fiebre ni el cuello rígido") is None
    assert detect_emergency("me duele el pecho desde hace meses") is None
    assert detect_emergency("si me duele el pecho en la sesión, ¿le aviso?") is None
    assert detect_emergency(
        "me duele el pecho desde hace meses y ahora se me va al brazo"
    ) is not None
    # "no puedo ..." and "no sé si ..." report a symptom, they do not deny one
    assert detect_emergency("no puedo dormir porque me aprieta el pecho") is not None
    assert detect_emergency("no sé si es un infarto") is not None
    # "sí" (yes) is not "si" (if) once the accent is gone
    assert detect_emergency("Sí me duele el pecho y el brazo") is not None


@pytest.mark.parametrize(
    "text",
    [
        "tengo chest pain y se me va al brazo",
        "my abuela no puede hablar bien y tiene la cara torcida",
        "no puedo breathe",
        "mi mamá is having a stroke creo",
    ],
)
def test_spanglish_is_recognised_and_answered_in_spanish(text: str) -> None:
    match = detect_emergency(text)
    assert match is not None and match.intent == MEDICAL
    assert match.language == SPANISH


def test_english_matches_stay_english_and_no_spanish_rule_fires_on_english() -> None:
    spanish_rules = {rule.name for rule in rules() if rule.language == SPANISH}
    assert spanish_rules
    for text in _english_texts():
        match = detect_emergency(text)
        if match is not None:
            assert match.language == ENGLISH, text
            assert match.rule not in spanish_rules, text


def test_accents_do_not_change_the_result() -> None:
    data = yaml.safe_load(PHRASINGS_ES.read_text(encoding="utf-8"))
    texts = [t for group in data["positives"].values() for t in group["examples"]]
    texts += list(data["negatives"])
    changed = [t for t in texts if fold_accents(t) != t]
    assert len(changed) > 40  # the set does use accents
    for text in changed:
        if "sí" in text.lower():
            continue  # "sí" (yes) and "si" (if) differ on purpose
        assert detect_emergency(text) == detect_emergency(fold_accents(text)), text
