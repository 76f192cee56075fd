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


# --- event types: a dictionary instead of walking Event's subclasses for every event ---

from rasa.shared.core.events import Event  # noqa: E402
from rasa.shared.utils.common import all_subclasses  # noqa: E402

ORIGINAL_RESOLVE = rasa_speedups.rasa_original_resolve_by_type()


def test_the_reference_resolver_is_rasas_own() -> None:
    assert ORIGINAL_RESOLVE is not rasa_speedups.resolve_by_type
    assert ORIGINAL_RESOLVE.__module__ == "rasa.shared.core.events"


def test_every_event_type_resolves_to_the_class_rasa_finds() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "session_started", "active_loop"} <= names
    for name in sorted(names):
        assert rasa_speedups.resolve_by_type(name) is ORIGINAL_RESOLVE(name), name


@pytest.mark.parametrize("name", ["topic", "no_such_event"])
def test_unknown_names_behave_as_in_rasa(name: str) -> None:
    def outcome(resolve: Any, *args: Any) -> Any:
        try:
            return resolve(name, *args)
        except ValueError as error:
            return ("error", str(error))

    assert outcome(rasa_speedups.resolve_by_type) == outcome(ORIGINAL_RESOLVE)
    assert outcome(rasa_speedups.resolve_by_type, Event) == outcome(ORIGINAL_RESOLVE, Event)


def test_an_event_class_defined_later_is_found() -> None:
    rasa_speedups.resolve_by_type("user")  # the dictionary exists now

    class LateEvent(Event):  # noqa: D401 - a throwaway subclass
        type_name = "clinic_test_late_event"

        def __eq__(self, other: Any) -> bool:
            return isinstance(other, LateEvent)

        def __hash__(self) -> int:
            return 1

        def as_story_string(self) -> str:
            return ""

    assert rasa_speedups.resolve_by_type("clinic_test_late_event") is LateEvent


def test_install_replaces_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(ORIGINAL_RESOLVE))
    assert rasa_speedups.install() is True
    assert Event.resolve_by_type is rasa_speedups.resolve_by_type
    event = Event.from_parameters({"event": "slot", "name": "language", "value": "es"})
    assert type(event).__name__ == "SlotSet" and event.value == "es"


def test_other_rasa_versions_keep_rasas_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(ORIGINAL_RESOLVE))
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert rasa_speedups.install() is False
    assert Event.resolve_by_type is ORIGINAL_RESOLVE


# --- skops imported before Rasa: the same trusted types, a shorter start-up ---

_TRUSTED = ("NUMPY_DTYPE_TYPE_NAMES", "NUMPY_UFUNC_TYPE_NAMES", "SCIPY_UFUNC_TYPE_NAMES",
            "SKLEARN_ESTIMATOR_TYPE_NAMES", "PRIMITIVE_TYPE_NAMES")
_LIST_TRUSTED = ("import json, sys; {first}; import skops.io._trusted_types as t; "
                 "print(json.dumps({{k: sorted(map(str, getattr(t, k))) for k in {names}}}))")


def test_skops_trusts_the_same_types_when_imported_before_rasa() -> None:
    import json

    from tests.fresh_python import last_line

    def trusted(first: str) -> Dict[str, Any]:
        code = _LIST_TRUSTED.format(first=first, names=repr(_TRUSTED))
        return json.loads(last_line(code))

    before = trusted("from clinic import rasa_speedups; rasa_speedups.import_before_rasa()")
    after = trusted("import rasa.core.agent")  # Rasa's own order: skops after TensorFlow
    assert before == after
    assert len(before["NUMPY_UFUNC_TYPE_NAMES"]) > 50 and before["SKLEARN_ESTIMATOR_TYPE_NAMES"]


def test_the_rasa_server_imports_skops_before_rasa() -> None:
    import inspect

    from clinic import rasa_main

    source = inspect.getsource(rasa_main.main)
    assert source.index("import_before_rasa()") < source.index("from rasa")
