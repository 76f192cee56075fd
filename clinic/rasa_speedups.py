"""A measured fix for Rasa 3.6's per-call cost of custom actions.

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

It applies to Rasa 3.6 only (the version this project pins); on any other version it does
nothing and says so, so an upgrade falls back to Rasa's own code instead of a patch written
for different code.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Callable, Dict, Text

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
_rasa_own: Dict[str, Callable[..., bool]] = {}  # Rasa's method, kept when install() runs
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


def rasa_original() -> Callable[..., bool]:
    """Rasa's own ``_validate_action_result`` (also after :func:`install`)."""
    from rasa.core.actions.action import RemoteAction

    return _rasa_own.get("validate", RemoteAction._validate_action_result)


def install() -> bool:
    """Installs the faster validation into Rasa's ``RemoteAction``; True when installed."""
    import rasa
    from rasa.core.actions.action import RemoteAction

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
    return True
