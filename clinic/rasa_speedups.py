"""Two measured fixes for Rasa 3.6's per-call costs: action responses and event types.

Rasa 3.6 checks every action server response with ``jsonschema.validate(result, schema)``
(``RemoteAction._validate_action_result``). That function first checks the *schema itself*
against JSON Schema's meta-schema, on every call; Rasa's events schema is large, so this
took 23.8 ms per custom action call on our 2-core machine, while validating the response
with a validator built once took 0.36 ms. A content answer in a new conversation makes two
such calls (``action_session_start`` and ``action_answer_question``), so this was most of
the cost of answering from content (docs/benchmarks.md).

:func:`install` replaces that one method with the same validation against the same schema,
raising the same ``jsonschema.ValidationError`` with the same message on a bad response,
using a validator that is built once per process. It is installed by the Rasa server
(``clinic.rasa_main``) and by the tools that load a model in-process (evaluation, retrain).

:func:`install` also replaces ``Event.resolve_by_type``, which turns an event's type name
("user", "slot", ...) into its class. Rasa walks the whole tree of ``Event`` subclasses
(``all_subclasses``, with ``inspect.isabstract`` on each) for every event it reads from the
tracker store or an action server: 1,635 calls of ``all_subclasses`` per visitor message,
2.7 ms of own time in the busy-machine profile (docs/benchmarks.md). :func:`resolve_by_type`
answers from a dictionary built from the same walk, in the same order (the first class of
a type name wins, as in Rasa's loop), and walks again when a name is not in it, so a class
defined later is still found; unknown names behave as in Rasa (``default``, ``None`` for the
old "topic", else ``ValueError``).

:func:`import_before_rasa` imports ``skops.io`` (with which Rasa's logistic regression
classifier loads its model) before Rasa: at import, skops lists the types it trusts and,
for each NumPy and SciPy ufunc, looks through every module in ``sys.modules``. After Rasa
and TensorFlow that took 5.1 s of the Rasa server's start-up, before them 1.1 s; the lists
are the same either way (checked when this was written, and by a unit test).

It applies to Rasa 3.6 only (the version this project pins); on any other version it does
nothing and says so, so an upgrade falls back to Rasa's own code instead of a patch written
for different code.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Text

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
_rasa_own: Dict[str, Callable[..., Any]] = {}  # Rasa's methods, kept when install() runs
_DOCS_HINT = (
    ". Failed to validate Action server response from API, make sure your response from "
    "the Action endpoint is valid. For more information about the format visit "
)


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """The jsonschema validator of Rasa's action response format, built (and checked) once."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call
    return validator_class(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with a prebuilt validator."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    validator = _response_validator()
    error = exceptions.best_match(validator.iter_errors(result))
    if error is not None:
        assert isinstance(error, ValidationError)
        error.message += f"{_DOCS_HINT}{DOCS_BASE_URL}/custom-actions"
        raise error
    return True


def import_before_rasa() -> None:
    """Imports what is much slower to import once Rasa and TensorFlow are loaded."""
    import skops.io  # noqa: F401


_event_types: Dict[str, Any] = {}


def _walk_event_types() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    found: Dict[str, Any] = {}
    for cls in all_subclasses(Event):
        found.setdefault(cls.type_name, cls)
    _event_types.clear()
    _event_types.update(found)


def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
    """Drop-in for ``Event.resolve_by_type``: the event class of ``type_name``."""
    cls = _event_types.get(type_name)
    if cls is None:
        _walk_event_types()  # first call, or a class defined since the last walk
        cls = _event_types.get(type_name)
    if cls is not None:
        return cls
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def rasa_original() -> Callable[..., bool]:
    """Rasa's own ``_validate_action_result`` (also after :func:`install`)."""
    from rasa.core.actions.action import RemoteAction

    return _rasa_own.get("validate", RemoteAction._validate_action_result)


def rasa_original_resolve_by_type() -> Callable[..., Any]:
    """Rasa's own ``Event.resolve_by_type`` (also after :func:`install`)."""
    from rasa.shared.core.events import Event

    return _rasa_own.get("resolve_by_type", Event.__dict__["resolve_by_type"].__func__)


def install() -> bool:
    """Installs the faster validation into Rasa's ``RemoteAction``; True when installed."""
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    if not rasa.__version__.startswith(SUPPORTED_RASA):
        logger.warning(
            "clinic.rasa_speedups was written for Rasa %s*, this is %s: not installed",
            SUPPORTED_RASA, rasa.__version__,
        )
        return False
    current = RemoteAction._validate_action_result
    if current is not validate_action_result:
        _rasa_own.setdefault("validate", current)
    method: Callable[..., bool] = validate_action_result
    RemoteAction._validate_action_result = method  # type: ignore[assignment]
    current_resolve = Event.__dict__["resolve_by_type"].__func__
    if current_resolve is not resolve_by_type:
        _rasa_own.setdefault("resolve_by_type", current_resolve)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]
    return True
