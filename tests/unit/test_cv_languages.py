"""Cross-validation figures per language (staff/cv_languages.py), from Rasa's error lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from staff.cv_languages import (
    LanguageExamples,
    load_examples,
    plain_text,
    render,
    score_languages,
    score_run,
)

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - [NMT](therapy) hello
- intent: thank
  examples: |
    - thanks
    - thank you
"""
SPANISH = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hola
- intent: thank
  examples: |
    - gracias
"""


def test_plain_text_drops_entity_annotations() -> None:
    assert plain_text('[NMT](therapy) or [la funcional]{"entity": "therapy"}') == (
        "NMT or la funcional")


def test_examples_are_split_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "core.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "spanish_core.yml").write_text(SPANISH, encoding="utf-8")
    found = load_examples(tmp_path)
    assert found["English"].per_intent == {"greet": 2, "thank": 2}
    assert found["English"].texts == {"hi", "NMT hello", "thanks", "thank you"}
    assert found["Spanish"].per_intent == {"greet": 1, "thank": 1}


def test_one_run_counts_only_its_languages_errors() -> None:
    english = LanguageExamples({"greet": 2, "thank": 2}, {"hi", "hello", "thanks", "ty"})
    errors = [{"text": "hi", "intent": "greet", "intent_prediction": {"name": "thank"}},
              {"text": "hola", "intent": "greet", "intent_prediction": {"name": "thank"}}]
    macro_f1, accuracy = score_run(errors, english)
    # greet: 1 right of 2, nothing wrongly taken -> P 1, R .5, F1 2/3;
    # thank: 2 right, 1 wrongly taken -> P 2/3, R 1, F1 .8
    assert macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert accuracy == pytest.approx(0.75)
    assert score_run([], english) == (1.0, 1.0)


def test_runs_are_averaged_and_rendered(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "core.yml").write_text(NLU, encoding="utf-8")
    (nlu / "spanish_core.yml").write_text(SPANISH, encoding="utf-8")
    for seed, errors in ((1, []), (2, [{"text": "hola", "intent": "greet",
                                         "intent_prediction": {"name": "thank"}}])):
        run = tmp_path / f"seed-{seed}"
        run.mkdir()
        (run / "intent_errors.json").write_text(json.dumps(errors), encoding="utf-8")
    scores = {s.language: s for s in score_languages(
        [tmp_path / "seed-1", tmp_path / "seed-2", tmp_path / "seed-3"], nlu)}
    assert scores["English"].macro_f1 == 1.0 and scores["English"].runs == (1.0, 1.0)
    assert scores["Spanish"].accuracy == pytest.approx(0.75)  # (1.0 + 0.5) / 2
    assert scores["Spanish"].runs[1] == pytest.approx((0 + 2 / 3) / 2)
    rows = render(list(scores.values()), 0.95)
    assert rows[0].startswith("| … English examples only (4; runs 1.000, 1.000)")
    assert "≥ 0.95 (meets target)" in rows[0] and "≥" not in rows[1]
    assert score_languages([tmp_path / "nowhere"], nlu) == []
