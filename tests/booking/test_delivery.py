"""Delivery: real webhook and SMTP clients against local servers, the worker's outbox logic."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from actions.booking.delivery import DeliveryError, retry_delay
from actions.booking.email_client import EmailError, SmtpClient
from actions.booking.fakes import FakeChannel
from actions.booking.local_client import LocalFileChannel
from actions.booking.settings import BookingConfigError, BookingSettings
from actions.booking.store import STATUS_DELIVERED, STATUS_PENDING, BookingRequest, BookingStore
from actions.booking.webhook_client import WebhookClient, WebhookError, sign
from actions.booking.worker import build_channels, deliver_due, main
from tests.booking.targets import SmtpTarget, WebhookTarget, free_port

SECRET = "test-secret-123"
NOW = datetime(2025, 3, 5, 18, 0, 0)
LATER = NOW + timedelta(hours=2)


def booking(sender: str = "visitor-1") -> BookingRequest:
    return BookingRequest(
        sender_id=sender,
        name="Dana Whitfield",
        phone="+13105550134",
        email="dana@example.com",
        therapy="NMT",
        preferred_times="next tuesday afternoon",
        preferred_times_parsed={"raw": "next tuesday afternoon", "date": "2025-03-11"},
        concern="tension headaches",
        consent=True,
    )


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[BookingStore]:
    store = BookingStore.from_url(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "out.jsonl")
    yield store
    store.dispose()


def webhook_client(url: str, retries: int = 2, timeout: float = 5.0) -> WebhookClient:
    return WebhookClient(url, SECRET, timeout=timeout, retries=retries, backoff_seconds=0.01)


# --------------------------------------------------------------------------- webhook


def test_webhook_down_then_up_delivers_exactly_once(store: BookingStore) -> None:
    port = free_port()
    target = WebhookTarget(SECRET, port)
    channels = {"webhook": webhook_client(target.url)}
    request_id = store.save_request(booking(), ["webhook"], now=NOW)

    report = deliver_due(store, channels, now=NOW, retry_base_seconds=60)
    assert (report.delivered, report.failed) == (0, 1)
    [row] = store.deliveries_for(request_id)
    assert (row.status, row.attempts, row.last_error) == (STATUS_PENDING, 1, "webhook_unreachable")
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    # not due yet: nothing is tried
    assert deliver_due(store, channels, now=NOW + timedelta(seconds=30)).failed == 0

    target.start()
    try:
        target.fail_next = 1  # one 503 first: retried inside the same call
        report = deliver_due(store, channels, now=LATER)
        assert (report.delivered, report.failed) == (1, 0)
        assert deliver_due(store, channels, now=LATER + timedelta(days=1)).delivered == 0
    finally:
        target.stop()

    [row] = store.deliveries_for(request_id)
    assert row.status == STATUS_DELIVERED
    assert target.received_keys == [row.id, row.id]  # the 503 try and the accepted one
    assert list(target.processed) == [row.id]  # processed once, by key
    assert target.bad_signatures == 0
    body = target.processed[row.id]
    assert (body["id"], body["name"], body["phone"]) == (
        request_id,
        "Dana Whitfield",
        "+13105550134",
    )


def test_webhook_redelivery_with_the_same_key_is_ignored_by_the_target() -> None:
    target = WebhookTarget(SECRET, free_port()).start()
    try:
        client = webhook_client(target.url)
        client.deliver({"id": "r1"}, "key-1")
        client.deliver({"id": "r1"}, "key-1")  # e.g. the worker died before marking it
        assert target.received_keys == ["key-1", "key-1"]
        assert list(target.processed) == ["key-1"]
    finally:
        target.stop()


def test_webhook_signature_is_checked_by_the_target() -> None:
    target = WebhookTarget("another-secret", free_port()).start()
    try:
        with pytest.raises(WebhookError) as error:
            webhook_client(target.url).deliver({"id": "r1"}, "key-1")
        assert (error.value.status, error.value.retryable) == (401, False)
        assert target.bad_signatures == 1  # not retried: a 4xx will not get better
        assert target.processed == {}
    finally:
        target.stop()
    body = b'{"a":1}'
    assert sign(SECRET, "1700000000", body) == sign(SECRET, "1700000000", body)
    assert sign(SECRET, "1700000000", body) != sign(SECRET, "1700000001", body)
    assert sign(SECRET, "1700000000", body).startswith("sha256=")


def test_webhook_5xx_exhausts_retries_with_a_typed_error() -> None:
    target = WebhookTarget(SECRET, free_port()).start()
    try:
        target.fail_next = 5
        with pytest.raises(WebhookError) as error:
            webhook_client(target.url, retries=3).deliver({"id": "r1"}, "key-1")
        assert (error.value.code, error.value.status, error.value.retryable) == (
            "webhook_http_503",
            503,
            True,
        )
        assert len(target.received_keys) == 3
    finally:
        target.stop()


def test_webhook_timeout_is_explicit() -> None:
    target = WebhookTarget(SECRET, free_port()).start()
    try:
        target.delay = 2.0
        with pytest.raises(WebhookError) as error:
            webhook_client(target.url, retries=1, timeout=0.3).deliver({"id": "r1"}, "key-1")
        assert error.value.code == "webhook_timeout"
    finally:
        target.stop()


# --------------------------------------------------------------------------- email


def test_email_down_then_up_is_delivered_once(sqlite_store: BookingStore) -> None:
    port = free_port()
    client = SmtpClient(
        "127.0.0.1",
        port,
        "assistant@clinic.example",
        ["desk@clinic.example"],
        security="none",
        timeout=5,
    )
    request_id = sqlite_store.save_request(booking(), ["email"], now=NOW)
    assert deliver_due(sqlite_store, {"email": client}, now=NOW).failed == 1
    [row] = sqlite_store.deliveries_for(request_id)
    assert (row.status, row.last_error) == (STATUS_PENDING, "smtp_unreachable")

    smtp = SmtpTarget(port).start()
    try:
        assert deliver_due(sqlite_store, {"email": client}, now=LATER).delivered == 1
        assert (
            deliver_due(sqlite_store, {"email": client}, now=LATER + timedelta(days=1)).delivered
            == 0
        )
    finally:
        smtp.stop()
    [message] = smtp.messages
    assert message["Message-ID"] == f"<{row.id}@booking.clinic-assistant>"
    assert message["To"] == "desk@clinic.example"
    assert message["Reply-To"] == "dana@example.com"
    text = message.get_payload(decode=True).decode()
    for expected in (
        "Dana Whitfield",
        "+13105550134",
        "NMT",
        "next tuesday afternoon",
        "tension headaches",
        request_id,
    ):
        assert expected in text
    assert "Dana" not in message["Subject"]  # no personal data in the subject line


def test_email_unreachable_is_a_typed_error() -> None:
    client = SmtpClient(
        "127.0.0.1",
        free_port(),
        "a@clinic.example",
        ["b@clinic.example"],
        security="none",
        timeout=2,
    )
    with pytest.raises(EmailError) as error:
        client.deliver(booking().payload(), "key-1")
    assert error.value.code == "smtp_unreachable"


# --------------------------------------------------------------------------- worker logic


def test_each_channel_is_delivered_once_independently(
    sqlite_store: BookingStore, tmp_path: Path
) -> None:
    webhook = FakeChannel("webhook", down=True)
    local = LocalFileChannel(tmp_path / "local.jsonl")
    channels = {"webhook": webhook, "local": local}
    request_id = sqlite_store.save_request(booking(), ["webhook", "local"], now=NOW)

    report = deliver_due(sqlite_store, channels, now=NOW)
    assert (report.delivered, report.failed) == (1, 1)
    webhook.down = False
    report = deliver_due(sqlite_store, channels, now=LATER)
    assert (report.delivered, report.failed) == (1, 0)
    assert deliver_due(sqlite_store, channels, now=LATER + timedelta(days=3)).delivered == 0

    statuses = {d.channel: d.status for d in sqlite_store.deliveries_for(request_id)}
    assert statuses == {"webhook": STATUS_DELIVERED, "local": STATUS_DELIVERED}
    assert len(webhook.accepted) == 1 and len(webhook.calls) == 2
    lines = (tmp_path / "local.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["request"]["id"] == request_id


def test_local_channel_is_idempotent(tmp_path: Path) -> None:
    channel = LocalFileChannel(tmp_path / "deliveries.jsonl")
    channel.deliver({"id": "r1"}, "key-1")
    channel.deliver({"id": "r1"}, "key-1")
    channel.deliver({"id": "r2"}, "key-2")
    keys = [
        json.loads(line)["delivery_id"]
        for line in (tmp_path / "deliveries.jsonl").read_text().splitlines()
    ]
    assert keys == ["key-1", "key-2"]


def test_a_channel_that_is_no_longer_configured_keeps_the_request_pending(
    sqlite_store: BookingStore,
) -> None:
    request_id = sqlite_store.save_request(booking(), ["email"], now=NOW)
    assert deliver_due(sqlite_store, {}, now=NOW).failed == 1
    [row] = sqlite_store.deliveries_for(request_id)
    assert (row.status, row.last_error) == (STATUS_PENDING, "channel_email_not_configured")


def test_backoff_grows_exponentially_and_is_capped() -> None:
    assert [retry_delay(n, 30, 3600).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20, 30, 3600).total_seconds() == 3600
    assert isinstance(DeliveryError("x"), RuntimeError)


def test_worker_once_uses_the_local_channel_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    monkeypatch.setenv("BOOKING_LOCAL_OUTBOX", str(tmp_path / "deliveries.jsonl"))
    store = BookingStore.from_url(url)
    store.save_request(booking(), BookingSettings.from_env().channels)
    assert main(["--once"]) == 0
    assert "1 delivered, 0 failed" in capsys.readouterr().out
    assert len((tmp_path / "deliveries.jsonl").read_text().splitlines()) == 1
    assert main(["--once"]) == 0
    assert "0 delivered, 0 failed" in capsys.readouterr().out


# --------------------------------------------------------------------------- settings


def test_channels_are_inferred_and_checked() -> None:
    assert BookingSettings.from_env({}).channels == ("local",)
    settings = BookingSettings.from_env(
        {
            "BOOKING_WEBHOOK_URL": "https://crm.example/hook",
            "BOOKING_WEBHOOK_SECRET": "s3cr3t-v4lue",
            "BOOKING_SMTP_HOST": "smtp.example",
            "BOOKING_SMTP_FROM": "a@x.example",
            "BOOKING_SMTP_TO": "b@x.example, c@x.example",
            "BOOKING_SMTP_PORT": "2525",
        }
    )
    assert settings.channels == ("webhook", "email")
    assert settings.smtp_to == ("b@x.example", "c@x.example") and settings.smtp_port == 2525
    assert set(build_channels(settings)) == {"webhook", "email"}
    assert "s3cr3t-v4lue" not in repr(settings)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"BOOKING_WEBHOOK_URL": "https://crm.example/hook"}, "BOOKING_WEBHOOK_SECRET"),
        (
            {"BOOKING_WEBHOOK_URL": "http://crm.example/hook", "BOOKING_WEBHOOK_SECRET": "s"},
            "https",
        ),
        ({"BOOKING_SMTP_HOST": "smtp.example"}, "BOOKING_SMTP_FROM"),
        ({"BOOKING_CHANNELS": "fax"}, "BOOKING_CHANNELS"),
        ({"BOOKING_WEBHOOK_TIMEOUT": "soon"}, "BOOKING_WEBHOOK_TIMEOUT"),
        ({"BOOKING_SMTP_SECURITY": "tls13"}, "BOOKING_SMTP_SECURITY"),
    ],
)
def test_wrong_settings_name_the_variable(env: dict, message: str) -> None:
    with pytest.raises(BookingConfigError, match=message):
        BookingSettings.from_env(env)


def test_relative_sqlite_paths_are_relative_to_the_project() -> None:
    settings = BookingSettings.from_env({"BOOKING_DATABASE_URL": "sqlite:///var/x.db"})
    assert settings.database_url.startswith("sqlite:////") and settings.database_url.endswith(
        "/var/x.db"
    )


def test_worker_loop_delivers_reports_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'b.db'}"
    deliveries = tmp_path / "deliveries.jsonl"
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST")
    }
    env.update(
        BOOKING_DATABASE_URL=url,
        BOOKING_LOCAL_OUTBOX=str(deliveries),
        BOOKING_WORKER_POLL_SECONDS="0.2",
        PYTHONPATH=str(root),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.booking.worker", "--health-port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while health is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    health = json.loads(r.read())
            except OSError:
                time.sleep(0.2)
        assert health is not None and health["status"] == "ok"
        BookingStore.from_url(url).save_request(booking(), ["local"])
        while not deliveries.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(deliveries.read_text().splitlines()) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0
    assert "booking worker stopped" in output
    assert "Dana" not in output and "3105550134" not in output


def test_the_email_says_when_the_visitor_chatted_in_spanish() -> None:
    from actions.booking.email_client import render_email

    request = booking()
    request.id, request.created_at = "req-1", NOW
    english = render_email(request.payload(), "a@clinic.example", ["b@clinic.example"], "key-1")
    assert "Spanish" not in english.get_payload()
    request.language = "es"
    spanish = render_email(request.payload(), "a@clinic.example", ["b@clinic.example"], "key-1")
    assert "Language:         Spanish" in spanish.get_payload()
    assert "Spanish" not in spanish["Subject"]
