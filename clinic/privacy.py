"""Keeps personal data out of logs.

``install_log_redaction`` wraps the logging record factory so that every log record, from
any library and through any handler, is rendered once and scrubbed of e-mail addresses and
phone numbers before a handler sees it. Names and health details cannot be recognised by a
pattern, so the code never logs message text at all (Rasa runs at INFO, where it does not
log user messages); the tests scan real server logs for the personal data they typed.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{7,}\d)(?!\w)")

_installed = False


def redact(text: str) -> str:
    """Replaces e-mail addresses and phone-number-like digit runs."""
    text = EMAIL.sub("[email]", text)
    return PHONE.sub("[phone]", text)


def install_log_redaction() -> None:
    """Installs the scrubbing record factory once per process."""
    global _installed
    if _installed:
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        record.msg = redact(message)
        record.args = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
