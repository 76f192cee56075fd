"""Reading past typos (clinic/nlu/typo_corrector.py) and the misspelled held-out set
(staff/typos.py)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.nlu.typo_corrector import (
    CORRECTED_TEXT,
    TypoCorrector,
    correction,
    one_edit,
    protected_words,
    text_for_encoders,
)
from staff.evaluation_scores import HeldOutQuestion
from staff.typos import typo_questions, with_typo

VOCABULARY: Dict[str, Tuple[int, str]] = {
    "nerve": (40, "nerve"), "entrapment": (30, "entrapment"), "points": (20, "point"),
    "trigger": (50, "trigger"), "tight": (25, "tight"), "knots": (9, "knot"),
    "fascia": (12, "fascia"), "have": (80, "have"), "cancel": (15, "cancel"),
}


def test_one_edit_covers_drop_swap_change_and_add() -> None:
    edits = one_edit("nerve")
    assert {"nrve", "nevre", "nerbe", "nerves"} <= edits
    assert "nerve" not in edits and "nrvee" not in edits


@pytest.mark.parametrize("typed, meant", [
    ("nevre", "nerve"),          # swapped
    ("entrapmnt", "entrapment"),  # dropped
    ("pionts", "points"),
    ("tigger", "trigger"),
    ("nrve", "nerve"),           # a four-letter word gets its letter back
    ("knts", "knots"),
])
def test_a_typo_one_edit_from_a_training_word_is_read_as_it(typed: str, meant: str) -> None:
    assert correction(typed, VOCABULARY) == meant


@pytest.mark.parametrize("typed", [
    "light",   # protected: a real word is never corrected
    "cancelo",  # protected: Spanish
    "dave",    # would change the first letter ("have")
    "fasc",    # a four-letter word is only ever given a letter back
    "nerve",   # in the vocabulary
    "nmt",     # too short
    "n3rve",   # not letters
    "zebra",   # nothing one edit away
])
def test_other_words_are_left_alone(typed: str) -> None:
    assert correction(typed, VOCABULARY, protected=frozenset({"light", "cancelo"})) is None


def test_the_most_frequent_training_word_wins() -> None:
    vocabulary = {"point": (5, "point"), "print": (50, "print")}
    assert correction("pount", vocabulary) == "point"  # the only one edit away
    assert correction("pint", {**vocabulary, "pinto": (1, "pinto")}) in ("point", "print")
    assert correction("pint", vocabulary) == "print"  # both one edit away: the more frequent


def test_protected_words_are_the_real_words_near_the_vocabulary() -> None:
    real = {"light", "night", "cancelo", "zebra"}.__contains__
    assert protected_words(["tight", "cancel"], known=real) == {"light", "night", "cancelo"}


def test_the_lookup_tables_protect_english_and_spanish_words() -> None:
    protected = protected_words(["tight", "cancel", "session"])
    assert {"light", "night", "cancelo", "sesion"} <= protected
    assert "tigth" not in protected


def _tokenized(texts: List[str]) -> List[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={"text": text}) for text in texts]
    return tokenizer.process(messages)


def _trained(tmp_path: Path) -> TypoCorrector:
    storage, resource = LocalModelStorage(tmp_path), Resource("typos")
    context = ExecutionContext(GraphSchema({}), "test")
    corrector = TypoCorrector.create({}, storage, resource, context)
    examples = _tokenized(["what is nerve entrapment", "trigger points please",
                           "my neck is tight", "tight knots"])
    corrector.train(TrainingData(examples))
    return TypoCorrector.load({}, storage, resource, context)


def test_corrected_tokens_and_text_reach_the_featurizers_the_text_stays(tmp_path: Path) -> None:
    corrector = _trained(tmp_path)
    message = corrector.process(_tokenized(["what is nevre entrapmnt ?"]))[0]
    assert message.get("text") == "what is nevre entrapmnt ?"
    assert message.get(CORRECTED_TEXT) == "what is nerve entrapment ?"
    assert text_for_encoders(message) == "what is nerve entrapment ?"
    assert [t.text for t in message.get("text_tokens")][2:4] == ["nerve", "entrapment"]
    assert CORRECTED_TEXT not in message.as_dict(only_output_properties=True)


def test_a_message_without_typos_is_untouched(tmp_path: Path) -> None:
    corrector = _trained(tmp_path)
    message = corrector.process(_tokenized(["the light on my neck"]))[0]
    assert message.get(CORRECTED_TEXT) is None
    assert text_for_encoders(message) == "the light on my neck"


def test_an_untrained_corrector_corrects_nothing(tmp_path: Path) -> None:
    corrector = TypoCorrector.load({}, LocalModelStorage(tmp_path), Resource("none"),
                                   ExecutionContext(GraphSchema({}), "test"))
    message = corrector.process(_tokenized(["what is nevre entrapmnt"]))[0]
    assert message.get(CORRECTED_TEXT) is None


def test_a_typo_swaps_or_drops_one_inner_letter_of_a_long_word() -> None:
    rng = random.Random(1)
    swapped = with_typo("what is nerve entrapment", "swap", rng)
    dropped = with_typo("what is nerve entrapment", "drop", rng)
    for typo in (swapped, dropped):
        assert typo is not None and typo != "what is nerve entrapment"
        assert typo.split(" ")[:2] == ["what", "is"]
    assert sorted(swapped.replace(" ", "")) == sorted("whatisnerveentrapment")
    assert len(dropped) == len("what is nerve entrapment") - 1
    assert with_typo("is it ok", "swap", rng) is None


def test_the_typo_set_is_the_same_every_run_and_skips_none_questions() -> None:
    questions = [HeldOutQuestion("what are trigger points", "trigger_points"),
                 HeldOutQuestion("write me a poem please", "none")]
    first, second = typo_questions(questions), typo_questions(questions)
    assert first == second
    assert [q.topic for q in first] == ["trigger_points", "trigger_points"]
    assert {q.source for q in first} == {"swap typo", "drop typo"}


def test_a_long_message_is_corrected_only_in_its_first_words(tmp_path: Path) -> None:
    from clinic.nlu.typo_corrector import MAX_WORDS

    corrector = _trained(tmp_path)
    words = ["nevre"] + ["blah"] * MAX_WORDS + ["nevre"]
    message = corrector.process(_tokenized([" ".join(words)]))[0]
    corrected = message.get(CORRECTED_TEXT).split(" ")
    assert corrected[0] == "nerve" and corrected[-1] == "nevre"


def test_words_longer_than_max_length_are_never_looked_at() -> None:
    from clinic.nlu.typo_corrector import MAX_LENGTH

    at_limit = "n" + "e" * (MAX_LENGTH - 2)  # + one letter: MAX_LENGTH letters
    over = "n" + "e" * (MAX_LENGTH - 1)  # + one letter: one too many
    assert correction(at_limit + "y", {at_limit + "x": (3, "x")}) == at_limit + "x"
    assert correction(over + "y", {over + "x": (3, "x")}) is None
