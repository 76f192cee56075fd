"""Log redaction: personal data and secrets never reach a log handler."""

from __future__ import annotations

import io
import json
import logging
from typing import Iterator

import pytest

from clinic import privacy
from clinic.privacy import install_log_redaction, redact

NAME = "Zebulon Quartermaine"
PHONE = "(310) 555-0199"
EMAIL = "zq.test@example.org"


@pytest.mark.parametrize(
    "phone",
    ["(310) 555-0199", "310-555-0199", "310.555.0199", "3105550199", "+1 310 555 0199",
     "1-310-555-0199", "+44 20 7946 0958", "555-0199"],
)
def test_phone_numbers_in_any_usual_format_are_removed(phone: str) -> None:
    out = redact(f"call me on {phone} tomorrow")
    assert "0199" not in out and "0958" not in out
    assert "[phone]" in out


def test_emails_are_removed() -> None:
    out = redact(f"mail {EMAIL} or ZQ+spam@Example.co.uk")
    assert "example" not in out.lower() and out.count("[email]") == 2


@pytest.mark.parametrize(
    "line",
    [
        "Starting Rasa server on http://127.0.0.1:5005",
        "2024-11-23 19:46:01 INFO loaded model in 12.5 s",
        "rasa 3.6.21, rasa-sdk 3.6.2, port 5055",
        "deleted 12 event(s) from 3 conversation(s)",
    ],
)
def test_ordinary_server_lines_stay_readable(line: str) -> None:
    assert redact(line) == line


@pytest.mark.parametrize(
    "line",
    [
        json.dumps({"event": "rest.message.received.failure", "text": f"I'm {NAME}, pregnant"}),
        "rest.message.received.failure text='I am " + NAME + ", pregnant' level=error",
        "slots {'name': '" + NAME + "', 'concern': 'pregnant'}",
        'Received user message \'my name is ' + NAME + '\' with intent "inform"',
        json.dumps({"event": "slot", "name": "visitor_name", "value": NAME}),
    ],
)
def test_message_text_fields_are_removed(line: str) -> None:
    out = redact(line)
    assert "Zebulon" not in out and "pregnant" not in out
    assert "[redacted]" in out


def test_tokens_in_urls_are_removed() -> None:
    out = redact("GET /status?token=s3cret-value&x=1 200")
    assert "s3cret" not in out and "token=[redacted]&x=1" in out


@pytest.fixture()
def captured() -> Iterator[io.StringIO]:
    """A logger whose handler writes into a buffer, with redaction installed."""
    original_factory = logging.getLogRecordFactory()
    original_flag = privacy._installed
    privacy._installed = False
    install_log_redaction()
    install_log_redaction()  # idempotent: must not wrap twice
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(original_factory)
        privacy._installed = original_flag


def test_installed_redaction_scrubs_arguments_of_any_logger(captured: io.StringIO) -> None:
    logger = logging.getLogger("test.privacy")
    logger.info("booking for %s, phone %s, mail %s", "someone", PHONE, EMAIL)
    logger.info({"text": "not a string message"})
    out = captured.getvalue()
    assert "555" not in out and EMAIL not in out
    assert "[phone]" in out and "[email]" in out
    assert "not a string message" not in out


def test_installed_redaction_scrubs_tracebacks(captured: io.StringIO) -> None:
    logger = logging.getLogger("test.privacy")
    try:
        raise ValueError(f"duplicate key (email)=({EMAIL}) phone {PHONE}")
    except ValueError:
        logger.exception("could not store the request")
    out = captured.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert EMAIL not in out and "555-0199" not in out


def test_a_broken_format_string_does_not_leak_its_arguments(captured: io.StringIO) -> None:
    logger = logging.getLogger("test.privacy")
    logger.info("only %s placeholder", "one", PHONE)
    out = captured.getvalue()
    assert "555" not in out and "placeholder" in out


def test_the_factory_is_installed_only_once(captured: io.StringIO) -> None:
    record = logging.getLogRecordFactory()(
        "x", logging.INFO, __file__, 1, "mail %s", (EMAIL,), None
    )
    assert record.getMessage() == "mail [email]"
