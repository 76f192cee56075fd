"""Token fingerprints remembered in training (clinic/training_speedups.py, issue 20)."""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest
from rasa.nlu.tokenizers.tokenizer import Token

from clinic import training_speedups

RASAS = training_speedups.rasa_token_fingerprint()  # Rasa's own, before any install


@pytest.fixture
def installed() -> Iterator[List[Any]]:
    """The speed-up installed, with a count of Rasa's own fingerprint computations; Rasa's
    methods back afterwards (the servers and the other tests use them)."""
    own_fingerprint, own_set = Token.fingerprint, Token.set
    computed: List[Any] = []
    rasas = training_speedups.rasa_token_fingerprint()

    def counting(token: Any) -> str:
        computed.append(token)
        return rasas(token)

    assert training_speedups.install()
    assert training_speedups.install()  # idempotent: Rasa's methods are still the ones kept
    assert training_speedups.rasa_token_fingerprint() is rasas
    training_speedups._rasa_own["fingerprint"] = counting
    try:
        yield computed
    finally:
        training_speedups._rasa_own["fingerprint"] = rasas
        Token.fingerprint, Token.set = own_fingerprint, own_set


def _rasa_value(token: Token) -> str:
    original = Token(token.text, token.start, token.end, dict(token.data), token.lemma)
    return RASAS(original)


def test_the_fingerprint_is_rasas_and_computed_once(installed: List[Any]) -> None:
    token = Token("nerve", 8, lemma="nerve")
    first = token.fingerprint()
    assert first == _rasa_value(token)
    assert token.fingerprint() == token.fingerprint() == first
    assert len(installed) == 1


def test_a_changed_token_gets_a_new_fingerprint(installed: List[Any]) -> None:
    token = Token("nevre", 8, lemma="nevre")
    values = [token.fingerprint()]
    token.text, token.lemma = "nerve", "nerve"  # what the typo corrector does
    values.append(token.fingerprint())
    token.set("pattern", {"symptom": True})  # what Rasa's RegexFeaturizer does
    values.append(token.fingerprint())
    token.set("pattern", {"symptom": False})
    values.append(token.fingerprint())
    token.end = 20
    values.append(token.fingerprint())
    assert len(set(values)) == len(values) == 5
    assert values[-1] == _rasa_value(token)
    assert token.get("pattern") == {"symptom": False}  # set() still sets
