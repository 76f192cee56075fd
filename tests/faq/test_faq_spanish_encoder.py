"""Spanish FAQ wordings with the real sentence encoder (models/minilm-l6), the trained
model's other-topic vectors (models/clinic.tar.gz) and config.yml's thresholds, as the gate
and the running assistant decide: a Spanish message close to a listed Spanish wording finds
its FAQ; Spanish questions about other topics are not taken by the seed FAQs' Spanish
wordings (tests/language/paraphrases.yml, written for the encoder measurement, never
training data); English messages go where they went without the Spanish fields."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest
import yaml

from clinic.faq.model import Faq
from clinic.faq.retrieval import FaqIndex, decide_message, faq_texts
from clinic.language.detect import detect_language
from clinic.settings import PROJECT_ROOT
from staff.faq.load import load_faq_folder
from staff.faq.publish import ENCODER_DIR, model_others, retrieval_settings

PARAPHRASES = PROJECT_ROOT / "tests" / "language" / "paraphrases.yml"
FAQ_TOPICS = {"faq"}  # paraphrase intents an FAQ may rightly answer


@pytest.fixture(scope="module")
def encode():
    from clinic.nlu.multilingual import RetrievalEncoder

    encoder = RetrievalEncoder.load(ENCODER_DIR, numpy_only=True)
    cache: Dict[str, np.ndarray] = {}

    def cached(texts: Sequence[str]) -> List[np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, encoder.encode(missing)))
        return [cache[t] for t in texts]

    return cached


@pytest.fixture(scope="module")
def seed() -> List[Faq]:
    faqs, _ = load_faq_folder(PROJECT_ROOT / "faq")
    return faqs


def english_only(faqs: Sequence[Faq]) -> List[Faq]:
    return [dataclasses.replace(f, question_es="", asked_as_es=(), answer_es="") for f in faqs]


def outcomes(faqs: Sequence[Faq], messages: Sequence[str], encode) -> List[Tuple[str, ...]]:
    """Per message: () when no FAQ takes it, else the FAQ names answered or offered."""
    texts = [t for faq in faqs for t in faq_texts(faq)]
    index = FaqIndex.build(None, faqs, dict(zip(texts, encode(texts))))
    others, settings = model_others(), retrieval_settings()
    found = []
    for message, vector in zip(messages, encode(messages)):
        decision = decide_message(index, vector, others, settings,
                                  detect_language(message).code == "es")
        found.append(() if decision.kind == "none"
                     else tuple(m.name for m in decision.matches))
    return found


def test_a_spanish_message_close_to_a_listed_wording_finds_its_faq(seed, encode) -> None:
    messages = {
        "¿Cuánto dura una sesión de NMT?": "session_length",  # listed, accents and case
        "QUE ROPA ME PONGO PARA EL MASAJE": "what_to_wear",
        "cuánto cuesta una sesion de FMM?": "prices",
    }
    found = outcomes(seed, list(messages), encode)
    assert [names[:1] for names in found] == [(name,) for name in messages.values()]
    # without the Spanish fields the same messages find nothing (the English-only encoder)
    # or, with a multilingual one, the same FAQ
    for names, name in zip(outcomes(english_only(seed), list(messages), encode),
                           messages.values()):
        assert names in ((), (name,))


def test_spanish_questions_about_other_topics_are_not_taken(seed, encode) -> None:
    pairs = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    spanish = [p["es"] for p in pairs if p["intent"] not in FAQ_TOPICS]
    with_spanish = outcomes(seed, spanish, encode)
    without = outcomes(english_only(seed), spanish, encode)
    taken = [(text, names) for text, names, before in zip(spanish, with_spanish, without)
             if names and names != before]
    assert len(spanish) >= 100
    assert taken == [], f"Spanish messages of other topics now taken by an FAQ: {taken}"


def test_english_messages_go_where_they_went(seed, encode) -> None:
    pairs = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    english = [p["en"] for p in pairs]
    english += [p.text for faq in seed for p in faq.asked_as]
    assert outcomes(seed, english, encode) == outcomes(english_only(seed), english, encode)
