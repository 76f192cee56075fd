"""Token fingerprints remembered during ``rasa train`` (Rasa 3.6; the training only).

After each component of the NLU pipeline, Rasa's training cache fingerprints the whole
training data (``TrainingHook.on_after_node``): every message, and in it every token,
whose ``Token.fingerprint`` dumps the token's text, offsets, lemma and data to JSON and
hashes it, again after every component although a token rarely changes. On this project's
3,874 examples that was 3.5 s of a 52 s cold training (py-spy, docs/benchmarks.md).

:func:`install` makes ``Token.fingerprint`` remember its value with the token, keyed on
what the value is computed from: the text, offsets and lemma (the typo corrector assigns
text and lemma directly), and a count of the ``Token.set`` calls that changed its data
(Rasa's components change a token's data through ``set``; nothing in Rasa 3.6 or here
writes ``token.data`` directly). The value is Rasa's own, so the training cache's keys are
the same as without this; a unit test compares them.

Installed by ``clinic.rasa_main`` for ``train`` only; the servers never fingerprint.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Text

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
_REMEMBERED = "_clinic_fingerprint"  # (key, fingerprint) on the token
_CHANGES = "_clinic_changes"  # how many times set() changed the token's data
_rasa_own: Dict[str, Callable[..., Any]] = {}


def _key(token: Any) -> tuple:
    return (token.text, token.start, token.end, token.lemma, token.__dict__.get(_CHANGES, 0))


def remembered_fingerprint(token: Any) -> Text:
    """Rasa's ``Token.fingerprint``, computed again only when its inputs changed."""
    key = _key(token)
    remembered = token.__dict__.get(_REMEMBERED)
    if remembered is not None and remembered[0] == key:
        return remembered[1]
    value = rasa_token_fingerprint()(token)
    token.__dict__[_REMEMBERED] = (key, value)
    return value


def counted_set(token: Any, prop: Text, info: Any) -> None:
    """Rasa's ``Token.set``, counted so that the remembered fingerprint is dropped."""
    rasa_token_set()(token, prop, info)
    token.__dict__[_CHANGES] = token.__dict__.get(_CHANGES, 0) + 1


def rasa_token_fingerprint() -> Callable[[Any], Text]:
    """Rasa's own ``Token.fingerprint`` (also after :func:`install`)."""
    from rasa.nlu.tokenizers.tokenizer import Token

    return _rasa_own.get("fingerprint", Token.fingerprint)


def rasa_token_set() -> Callable[[Any, Text, Any], None]:
    """Rasa's own ``Token.set`` (also after :func:`install`)."""
    from rasa.nlu.tokenizers.tokenizer import Token

    return _rasa_own.get("set", Token.set)


def install() -> bool:
    """Installs the remembered fingerprints into Rasa's ``Token``; True when installed."""
    import rasa
    from rasa.nlu.tokenizers.tokenizer import Token

    if not rasa.__version__.startswith(SUPPORTED_RASA):
        logger.warning("clinic.training_speedups was written for Rasa %s*, this is %s: "
                       "not installed", SUPPORTED_RASA, rasa.__version__)
        return False
    if Token.fingerprint is not remembered_fingerprint:
        _rasa_own.setdefault("fingerprint", Token.fingerprint)
    if Token.set is not counted_set:
        _rasa_own.setdefault("set", Token.set)
    Token.fingerprint = remembered_fingerprint  # type: ignore[assignment]
    Token.set = counted_set  # type: ignore[assignment]
    return True
