"""The delivery worker: forwards stored booking requests through the configured channels.

``python -m actions.booking.worker`` polls the outbox every ``BOOKING_WORKER_POLL_SECONDS``;
``--once`` delivers what is due and exits (used by tests and cron-style setups). A
delivery that fails stays pending and is retried with exponential backoff until the
target is back; each (request, channel) pair is marked delivered exactly once.

Logs name outbox ids, channels and error codes only, never what the visitor typed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional

from sqlalchemy.exc import SQLAlchemyError

from actions.booking.delivery import DeliveryChannel, DeliveryError, next_attempt_at
from actions.booking.email_client import SmtpClient
from actions.booking.local_client import LocalFileChannel
from actions.booking.settings import (
    CHANNEL_EMAIL,
    CHANNEL_LOCAL,
    CHANNEL_WEBHOOK,
    BookingConfigError,
    BookingSettings,
)
from actions.booking.store import BookingStore, BookingStoreError, utcnow
from actions.booking.webhook_client import WebhookClient
from clinic import health

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one pass of the worker did."""

    delivered: int = 0
    failed: int = 0


def build_channels(settings: BookingSettings) -> Dict[str, DeliveryChannel]:
    """One client per configured channel."""
    channels: Dict[str, DeliveryChannel] = {}
    for name in settings.channels:
        if name == CHANNEL_WEBHOOK:
            assert settings.webhook_url and settings.webhook_secret  # checked by settings
            channels[name] = WebhookClient(
                settings.webhook_url,
                settings.webhook_secret,
                timeout=settings.webhook_timeout,
                retries=settings.webhook_retries,
            )
        elif name == CHANNEL_EMAIL:
            assert settings.smtp_host and settings.smtp_from  # checked by settings
            channels[name] = SmtpClient(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                settings.smtp_to,
                user=settings.smtp_user,
                password=settings.smtp_password,
                security=settings.smtp_security,
                timeout=settings.smtp_timeout,
            )
        elif name == CHANNEL_LOCAL:
            channels[name] = LocalFileChannel(settings.local_outbox_path)
    return channels


def deliver_due(
    store: BookingStore,
    channels: Mapping[str, DeliveryChannel],
    now: Optional[datetime] = None,
    retry_base_seconds: float = 30.0,
    retry_max_seconds: float = 3600.0,
    limit: int = 50,
) -> DeliveryReport:
    """Delivers every outbox row that is due; returns the counts."""
    report = DeliveryReport()
    now = now or utcnow()
    for delivery in store.claim_due(now=now, limit=limit):
        channel = channels.get(delivery.channel)
        request = store.get_request(delivery.request_id)
        if request is None:  # deleted after the claim: nothing left to send
            continue
        try:
            if channel is None:
                raise DeliveryError(f"channel_{delivery.channel}_not_configured", retryable=False)
            channel.deliver(request.payload(), delivery.id)
        except DeliveryError as error:
            attempts = delivery.attempts + 1
            retry_at = next_attempt_at(now, attempts, retry_base_seconds, retry_max_seconds)
            store.mark_failed(delivery.id, error.code, retry_at)
            report.failed += 1
            logger.warning(
                "booking delivery %s via %s failed (%s, attempt %d); retrying at %s UTC",
                delivery.id,
                delivery.channel,
                error.code,
                attempts,
                retry_at.isoformat(),
            )
            continue
        store.mark_delivered(delivery.id, now=now)
        report.delivered += 1
        logger.info("booking delivery %s via %s delivered", delivery.id, delivery.channel)
    return report


def run_once(settings: BookingSettings, store: Optional[BookingStore] = None) -> DeliveryReport:
    """One pass with the configured channels."""
    store = store or BookingStore.from_url(settings.database_url, settings.local_outbox_path)
    return deliver_due(
        store,
        build_channels(settings),
        retry_base_seconds=settings.retry_base_seconds,
        retry_max_seconds=settings.retry_max_seconds,
    )


class WorkerStatus:
    """What the health endpoint reports: when the last pass finished and how it went."""

    def __init__(self) -> None:
        self.last_pass: Optional[datetime] = None
        self.database_ok = True

    def as_dict(self) -> Dict[str, Any]:
        """JSON body of ``GET /health``."""
        return {
            "status": "ok" if self.database_ok else "database_unavailable",
            "last_pass_utc": self.last_pass.isoformat() if self.last_pass else None,
        }


def run_forever(
    settings: BookingSettings,
    stop: threading.Event,
    status: Optional[WorkerStatus] = None,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Polls until ``stop`` is set; a database outage is logged and retried.

    ``clock`` tells the time (naive UTC, like ``utcnow``, the default): which deliveries
    are due, when a failed one is tried again and ``status.last_pass`` are reckoned from it.
    Tests pass a simulated clock to drive the worker through minutes of downtime in seconds
    (tests/booking/test_webhook_outage.py); the waits between passes stay real.
    """
    status = status or WorkerStatus()
    store = BookingStore.from_url(settings.database_url, settings.local_outbox_path)
    channels = build_channels(settings)
    logger.info(
        "booking worker started: channels %s, polling every %.1f s",
        ", ".join(settings.channels),
        settings.poll_seconds,
    )
    while not stop.is_set():
        try:
            report = deliver_due(
                store,
                channels,
                now=clock(),
                retry_base_seconds=settings.retry_base_seconds,
                retry_max_seconds=settings.retry_max_seconds,
            )
            status.database_ok = True
            if report.delivered or report.failed:
                logger.info(
                    "booking worker: %d delivered, %d failed", report.delivered, report.failed
                )
        except (SQLAlchemyError, BookingStoreError) as error:
            # The database may be restarting: keep polling, the next pass may succeed.
            status.database_ok = False
            logger.error("booking worker: database unavailable (%s)", type(error).__name__)
        status.last_pass = clock()
        stop.wait(settings.poll_seconds)
    store.dispose()
    logger.info("booking worker stopped")


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Deliver stored booking requests.")
    parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    parser.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="serve GET /health on 127.0.0.1:PORT (default: BOOKING_WORKER_HEALTH_PORT, off)",
    )
    args = parser.parse_args(argv)

    from clinic.privacy import install_log_redaction
    from clinic.settings import Settings

    install_log_redaction()
    logging.basicConfig(
        level=Settings.from_env().log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = BookingSettings.from_env()
    except BookingConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.once:
        report = run_once(settings)
        print(f"{report.delivered} delivered, {report.failed} failed")
        return 0 if report.failed == 0 else 1
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    status = WorkerStatus()
    port = args.health_port or settings.health_port
    server = health.start_health_server(port, status) if port else None
    try:
        run_forever(settings, stop, status)
    finally:
        if server is not None:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
