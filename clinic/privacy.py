"""Keeps personal data out of logs.

``install_log_redaction`` wraps the logging record factory so that every log record, from
any library and through any handler, is rendered once and scrubbed before a handler sees
it: e-mail addresses, phone numbers, the values of message-text fields (``"text": "..."``
in Rasa's structured logs, ``text='...'``), the user message Rasa quotes in its debug
lines, API tokens in URLs, and the same in exception tracebacks.

Names and health details cannot be recognised by a pattern, so the project never logs
message text at all (Rasa runs at INFO, where it does not log user messages, and our
actions log categories and counts only). tests/server/test_log_privacy.py types a fake
name, phone, e-mail and health detail into a running stack and scans every log line.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any, Callable, Pattern, Tuple

REDACTED = "[redacted]"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# North-American numbers written any usual way, international "+" numbers, bare
# 10-11 digit runs and 7-digit local numbers. IP addresses, versions, dates and times do
# not have these shapes, so server logs stay readable.
PHONE = re.compile(
    r"(?<![\w.:/])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w.:/])"
    r"|(?<![\w.:/])\+\d[\d\s().-]{7,}\d(?![\w.:/])"
    r"|(?<![\w.:/-])\d{10,11}(?![\w.:/-])"
    r"|(?<![\w.:/-])\d{3}[\s.-]\d{4}(?![\w.:/-])"
)
# Fields whose value is what a visitor typed (Rasa's structlog keys among them).
_TEXT_KEYS = (
    r"text|message|user_text|user_message|response_text|parse_data_text|json_message|"
    r"user_uttered|bot_uttered|utter|name|value|email|phone|concern|note|contraindication_note"
)
_KEY_VALUE: Tuple[Tuple[Pattern[str], str], ...] = (
    # JSON: "text": "...", with escaped quotes inside
    (re.compile(r'("(?:' + _TEXT_KEYS + r')"\s*:\s*)"(?:[^"\\]|\\.)*"'), r'\1"' + REDACTED + '"'),
    # Python reprs: 'text': '...' or 'text': "..."
    (re.compile(r"('(?:" + _TEXT_KEYS + r")'\s*:\s*)'(?:[^'\\]|\\.)*'"), r"\1'" + REDACTED + "'"),
    (
        re.compile(r"('(?:" + _TEXT_KEYS + r")'\s*:\s*)\"(?:[^\"\\]|\\.)*\""),
        r"\1'" + REDACTED + "'",
    ),
    # key=value (structlog's console renderer, dataclass reprs)
    (re.compile(r"(\b(?:" + _TEXT_KEYS + r")=)'(?:[^'\\]|\\.)*'"), r"\1'" + REDACTED + "'"),
    (re.compile(r"(\b(?:" + _TEXT_KEYS + r")=)\"(?:[^\"\\]|\\.)*\""), r"\1'" + REDACTED + "'"),
    # Rasa's debug lines: Received user message '...' with intent ...
    (re.compile(r"((?:user message|user utterance|UserUttered\(text:)\s*)'(?:[^'\\]|\\.)*'"),
     r"\1'" + REDACTED + "'"),
    # secrets in URLs: ?token=..., &access_token=...
    (re.compile(r"([?&](?:token|access_token|auth_token|api_key)=)[^&\s\"']+"), r"\1" + REDACTED),
)

_installed = False


def redact(text: str) -> str:
    """Scrubs personal data and secrets from one rendered log message."""
    for pattern, replacement in _KEY_VALUE:
        text = pattern.sub(replacement, text)
    text = EMAIL.sub("[email]", text)
    return PHONE.sub("[phone]", text)


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        # A broken format string: keep only the template, never the arguments.
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install_log_redaction() -> None:
    """Installs the scrubbing record factory once per process."""
    global _installed
    if _installed:
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
