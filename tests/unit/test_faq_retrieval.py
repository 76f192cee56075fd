"""Finding the FAQ for a message (clinic/faq/retrieval.py) and keeping the live version
current in a running server (clinic/faq/live.py).

The vectors are made by hand: unit vectors of dimension 384 built from a few axes, so each
similarity is known exactly (``vec({0: 0.6, 2: 0.8}) @ vec({0: 1}) == 0.6``).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import numpy as np
import pytest

from clinic.faq.live import LiveFaqs
from clinic.faq.retrieval import (
    DIMENSION,
    ENCODER_ID,
    Decision,
    FaqIndex,
    FaqMatch,
    RetrievalSettings,
    decide,
    faq_texts,
    nearest_other,
)
from clinic.faq.store import FaqStore
from tests.unit.faq_vectors import SETTINGS, make_faq, vec





PARKING = make_faq("parking", "Is there parking?",
                   ["where can i park", "do you have a parking lot",
                    "where can i leave my car"])
PRICES = make_faq("prices", "How much does a session cost?",
                  ["what are your prices", "how much is nmt"])
HAND_MADE: Dict[str, np.ndarray] = {
    "Is there parking?": vec({0: 1.0}),
    "where can i park": vec({0: 1.0, 10: 0.3}),
    "do you have a parking lot": vec({0: 1.0, 11: 0.5}),
    "where can i leave my car": vec({0: 0.6, 2: 0.8}),
    "How much does a session cost?": vec({1: 1.0}),
    "what are your prices": vec({1: 1.0, 12: 0.2}),
    "how much is nmt": vec({1: 0.8, 3: 0.6}),
}


@pytest.fixture
def index() -> FaqIndex:
    return FaqIndex.build(7, [PARKING, PRICES], HAND_MADE)


# --------------------------------------------------------------------------- the index


def test_faq_texts_are_the_question_then_distinct_wordings() -> None:
    faq = make_faq("parking", "Is there parking?",
                   ["is there  parking?", "where can I park", "Where can i park", "park"])
    assert faq_texts(faq) == ["Is there parking?", "where can I park", "park"]


def test_build_keeps_every_text_with_its_faq(index: FaqIndex) -> None:
    assert len(index) == 2 and index.version == 7
    assert index.texts == ("Is there parking?", "where can i park",
                           "do you have a parking lot", "where can i leave my car",
                           "How much does a session cost?", "what are your prices",
                           "how much is nmt")
    assert index.owners.tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert index.matrix.shape == (7, DIMENSION)
    assert index.by_name["prices"] is PRICES


def test_build_needs_a_vector_for_every_text() -> None:
    with pytest.raises(KeyError):
        FaqIndex.build(1, [PARKING], {"Is there parking?": vec({0: 1.0})})


def test_an_empty_index_matches_nothing() -> None:
    empty = FaqIndex.empty()
    assert len(empty) == 0 and empty.version is None
    assert empty.matches(vec({0: 1.0})) == []
    assert decide(empty.matches(vec({0: 1.0})), 0.2, SETTINGS) == Decision("none", (), 0.2)


def test_matches_gives_each_faq_its_best_wording(index: FaqIndex) -> None:
    found = index.matches(vec({0: 0.6, 2: 0.8}))  # "where can i leave my car", exactly
    assert [m.name for m in found] == ["parking", "prices"]
    assert found[0].wording == "where can i leave my car"
    assert found[0].score == pytest.approx(1.0, abs=1e-6)
    assert found[0].question == "Is there parking?"
    assert found[1].score == pytest.approx(0.0, abs=1e-6)
    assert len(index.matches(vec({0: 1.0}), limit=1)) == 1


def test_exclude_text_leaves_one_wording_out(index: FaqIndex) -> None:
    car = HAND_MADE["where can i leave my car"]
    (best,) = index.matches(car, limit=1, exclude_text="where can i leave my car")
    assert best.name == "parking"
    assert best.wording == "Is there parking?"  # the next best wording of the same FAQ
    assert best.score == pytest.approx(0.6, abs=1e-6)
    assert index.matches(car, limit=1)[0].wording == "where can i leave my car"


def test_exclude_text_can_hand_a_message_to_another_faq() -> None:
    prices = make_faq("prices", "How much?", ["how much is nmt"])
    parking = make_faq("parking", "Is there parking?", ["nmt parking"])
    vectors = {"How much?": vec({5: 1.0}), "how much is nmt": vec({1: 0.8, 3: 0.6}),
               "Is there parking?": vec({0: 1.0}), "nmt parking": vec({3: 1.0})}
    lonely = FaqIndex.build(None, [prices, parking], vectors)
    message = vectors["how much is nmt"]
    assert [m.name for m in lonely.matches(message)] == ["prices", "parking"]
    found = lonely.matches(message, exclude_text="how much is nmt")
    assert [(m.name, m.wording) for m in found] == [("parking", "nmt parking"),
                                                    ("prices", "How much?")]
    assert found[0].score == pytest.approx(0.6, abs=1e-6)


def test_a_faq_with_many_wordings_does_not_hide_a_close_second() -> None:
    """The limit counts FAQs, not wordings: 40 near-identical wordings of one FAQ must not
    push the second FAQ, 0.01 behind, out of the matches (it would be a 'choose')."""
    many = [f"parking wording {i}" for i in range(40)]
    crowded = make_faq("parking", "Is there parking?", many)
    vectors = {"Is there parking?": vec({0: 0.9, 200: np.sqrt(1 - 0.81)}),
               "How much?": vec({1: 1.0}), "how much is parking": vec({0: 0.89, 300: 0.456})}
    vectors.update({text: vec({0: 0.9, 10 + i: np.sqrt(1 - 0.81)})
                    for i, text in enumerate(many)})
    crowded_index = FaqIndex.build(1, [crowded, make_faq("prices", "How much?",
                                                         ["how much is parking"])], vectors)
    found = crowded_index.matches(vec({0: 1.0}))
    assert [m.name for m in found] == ["parking", "prices"]
    assert decide(found, 0.0, SETTINGS).kind == "choose"


# --------------------------------------------------------------------------- the decision


def match(name: str, score: float) -> FaqMatch:
    return FaqMatch(name, f"Question of {name}?", score, f"a wording of {name}")


def test_answer_when_one_faq_is_clearly_best() -> None:
    decision = decide([match("parking", 0.80), match("prices", 0.60)], 0.30, SETTINGS)
    assert decision.kind == "answer"
    assert [m.name for m in decision.matches] == ["parking"]
    assert decision.confidence == pytest.approx(0.80)


def test_choose_when_two_faqs_are_within_the_choice_margin() -> None:
    decision = decide([match("parking", 0.80), match("prices", 0.78), match("wear", 0.77)],
                      0.30, SETTINGS)
    assert decision.kind == "choose"
    assert [m.name for m in decision.matches] == ["parking", "prices"]


def test_no_choice_with_a_second_faq_just_outside_the_margin() -> None:
    decision = decide([match("parking", 0.80), match("prices", 0.76)], 0.3, SETTINGS)
    assert decision.kind == "answer"


def test_no_choice_with_a_close_second_below_the_threshold() -> None:
    settings = RetrievalSettings(answer_threshold=0.46, choice_margin=0.03)
    decision = decide([match("parking", 0.47), match("prices", 0.455)], 0.0, settings)
    assert decision.kind == "answer"
    assert [m.name for m in decision.matches] == ["parking"]


def test_none_below_the_answer_threshold() -> None:
    decision = decide([match("parking", 0.44), match("prices", 0.43), match("wear", 0.1)],
                      0.0, SETTINGS)
    assert decision.kind == "none"
    assert [m.name for m in decision.matches] == ["parking", "prices"]  # kept for the log
    assert decision.confidence == pytest.approx(0.44)


def test_none_when_another_topic_is_closer() -> None:
    decision = decide([match("parking", 0.70)], other_score=0.75, settings=SETTINGS)
    assert decision.kind == "none"
    assert decision.other_score == 0.75
    assert decide([match("parking", 0.70)], 0.65, SETTINGS).kind == "answer"


def test_the_therapy_margin_is_required_above_other_topics() -> None:
    settings = RetrievalSettings(answer_threshold=0.45, therapy_margin=0.05)
    assert decide([match("parking", 0.70)], 0.66, settings).kind == "none"
    assert decide([match("parking", 0.70)], 0.64, settings).kind == "answer"


def test_decision_through_the_index(index: FaqIndex) -> None:
    parking_message = vec({0: 1.0, 20: 0.4})
    both = vec({0: 1.0, 1: 1.0})  # as close to parking as to prices
    unrelated = vec({100: 1.0})
    assert decide(index.matches(parking_message), 0.0, SETTINGS).kind == "answer"
    assert decide(index.matches(both), 0.0, SETTINGS).kind == "choose"
    assert decide(index.matches(unrelated), 0.0, SETTINGS).kind == "none"
    others = np.stack([vec({0: 1.0, 20: 0.5})])  # a training example of another topic
    other = nearest_other(parking_message, others)
    assert decide(index.matches(parking_message), other, SETTINGS).kind == "none"


def test_parse_data_carries_names_and_scores_only() -> None:
    decision = decide([match("parking", 0.812345), match("prices", 0.8)], 0.1, SETTINGS)
    assert decision.as_parse_data(4) == {
        "decision": "choose", "version": 4, "other_score": 0.1,
        "candidates": [
            {"name": "parking", "question": "Question of parking?", "score": 0.8123},
            {"name": "prices", "question": "Question of prices?", "score": 0.8},
        ],
    }


def test_nearest_other() -> None:
    message = vec({0: 1.0})
    others = np.stack([vec({1: 1.0}), vec({0: 0.6, 1: 0.8}), vec({0: -1.0})])
    assert nearest_other(message, others) == pytest.approx(0.6)
    assert nearest_other(message, np.zeros((0, DIMENSION), dtype=np.float32)) == 0.0


def test_settings_from_config_keep_missing_defaults() -> None:
    settings = RetrievalSettings.from_config(
        {"name": "FaqRetriever", "answer_threshold": "0.5", "choice_margin": 0.05})
    assert settings == RetrievalSettings(answer_threshold=0.5, therapy_margin=0.0,
                                         choice_margin=0.05)


# --------------------------------------------------------------------------- LiveFaqs


class HashEncoder:
    """A deterministic stand-in for the sentence encoder: one unit vector per text."""

    def __init__(self) -> None:
        self.calls: List[List[str]] = []

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        vector = np.random.default_rng(seed).normal(size=DIMENSION).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([self.vector(text) for text in texts])


V1 = [PARKING, PRICES]
V2 = [make_faq("parking", "Is there parking?",
               ["where can i park", "do you have a parking lot", "where can i leave my car",
                "is parking free"]),
      PRICES]


@pytest.fixture
def db_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "db"
    folder.mkdir()
    return folder


@pytest.fixture
def store(db_folder: Path) -> Iterator[FaqStore]:
    opened = FaqStore(f"sqlite:///{db_folder}/x.db")
    yield opened
    opened.close()


def wordings(live: LiveFaqs) -> List[str]:
    return [p.text for faq in live.index.faqs for p in faq.asked_as]


def test_refresh_on_an_empty_store_keeps_the_empty_index(store: FaqStore) -> None:
    live = LiveFaqs(store, HashEncoder())
    assert live.refresh() is False
    assert live.index.version is None and len(live.index) == 0
    assert live.last_error is None


def test_refresh_loads_a_new_version_and_a_rolled_back_one(store: FaqStore) -> None:
    encoder = HashEncoder()
    live = LiveFaqs(store, encoder)
    store.publish(V1, "ana", ["v1"], base=None)
    assert live.refresh() is True
    assert live.index.version == 1
    assert [faq.name for faq in live.index.faqs] == ["parking", "prices"]
    car = encoder.vector("where can i leave my car")
    assert live.index.matches(car, limit=1)[0].wording == "where can i leave my car"
    assert live.refresh() is False  # nothing new

    store.publish(V2, "ana", ["v2"], base=1)
    assert live.refresh() is True
    assert live.index.version == 2
    assert "is parking free" in wordings(live)
    free = encoder.vector("is parking free")
    assert live.index.matches(free, limit=1)[0].score == pytest.approx(1.0, abs=1e-5)
    assert encoder.calls[-1] == ["is parking free"]  # only the new wording was encoded

    store.rollback("ben")
    assert live.refresh() is True
    assert live.index.version == 1
    assert "is parking free" not in wordings(live)
    assert "is parking free" not in live.index.texts


def test_refresh_uses_the_vectors_the_publisher_stored(store: FaqStore) -> None:
    stored = HashEncoder()
    texts = [text for faq in V1 for text in faq_texts(faq)]
    store.save_vectors(ENCODER_ID, dict(zip(texts, stored(texts))))
    store.publish(V1, "ana", ["v1"], base=None)

    encoder = HashEncoder()
    live = LiveFaqs(store, encoder)
    assert live.refresh() is True
    assert encoder.calls == []
    np.testing.assert_allclose(live.index.matrix, stored(texts), atol=1e-6)


def test_the_last_index_stays_when_the_store_fails(store: FaqStore, db_folder: Path) -> None:
    live = LiveFaqs(store, HashEncoder())
    store.publish(V1, "ana", ["v1"], base=None)
    live.refresh()
    in_use = live.index

    store.engine.dispose()
    db_folder.rename(db_folder.with_name("moved"))  # the database cannot be opened
    try:
        assert live.refresh() is False
        assert live.index is in_use and live.index.version == 1
        assert live.last_error is not None and live.last_error.startswith("StoreError")
        assert live.refresh() is False
        assert live.index is in_use
    finally:
        db_folder.with_name("moved").rename(db_folder)

    assert live.refresh() is False  # the same version: nothing to load
    assert live.last_error is None
    store.publish(V2, "ana", ["v2"], base=1)
    assert live.refresh() is True and live.index.version == 2


def test_the_poller_picks_up_a_publish_by_itself(store: FaqStore) -> None:
    live = LiveFaqs(store, HashEncoder(), poll_seconds=0.02)
    store.publish(V1, "ana", ["v1"], base=None)
    live.start()
    try:
        assert live.index.version == 1  # loaded at start
        store.publish(V2, "ana", ["v2"], base=1)
        deadline = time.monotonic() + 5
        while live.index.version != 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert live.index.version == 2
    finally:
        live.stop()
