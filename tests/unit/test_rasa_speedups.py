"""The prebuilt validator of action server responses behaves exactly like Rasa's own."""

from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from clinic import rasa_speedups

ORIGINAL = rasa_speedups.rasa_original()  # Rasa's own method, even if installed already


def test_the_reference_is_rasas_own_method() -> None:
    assert ORIGINAL is not rasa_speedups.validate_action_result
    assert ORIGINAL.__module__ == "rasa.core.actions.action"

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "last_topic", "value": "nmt_overview"}],
     "responses": [{"text": "NMT is ...", "buttons": [{"title": "FMM?", "payload": "/x"}]}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"events": [{"no_event_key": 1}]},
    {"responses": "hello"},
    {"responses": ["not an object"]},
]


def _outcome(method: Any, result: Dict[str, Any]) -> Any:
    try:
        return method(RemoteAction("action_x", None), result)
    except jsonschema.ValidationError as error:
        return ("invalid", error.message, list(error.path))


@pytest.mark.parametrize("result", VALID + INVALID)
def test_same_verdict_and_message_as_rasa(result: Dict[str, Any]) -> None:
    expected = _outcome(ORIGINAL, result)
    assert _outcome(rasa_speedups.validate_action_result, result) == expected


def test_invalid_responses_are_rejected() -> None:
    for result in INVALID:
        assert _outcome(rasa_speedups.validate_action_result, result)[0] == "invalid"


def test_install_replaces_the_method_on_this_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", ORIGINAL)
    assert rasa_speedups.install() is True
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result


def test_install_refuses_other_rasa_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(RemoteAction, "_validate_action_result", ORIGINAL)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert rasa_speedups.install() is False
    assert RemoteAction._validate_action_result is ORIGINAL
