"""``python -m clinic.analytics.consumer``: turns Rasa's events into the ``analytics_*`` tables.

Reads the same settings as the Rasa server: ``EVENT_BROKER_URL`` (RabbitMQ) or, unset, the
embedded queue ``ANALYTICS_EVENTS_DB``; writes to ``DATABASE_URL``. The launcher supervises it
(``make run``) and checks ``GET /health`` on 127.0.0.1:``ANALYTICS_PORT``. Run exactly one
per database. Stopping or killing it loses nothing: events wait in the broker, and what was
applied is never applied again (clinic/analytics/writer.py). ``--once`` applies what is
waiting in the embedded queue and exits.

Logs counts only, never what anybody typed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional

from clinic.analytics import schema
from clinic.analytics.sources import PikaSource, SqlQueueSource
from clinic.analytics.writer import AnalyticsWriter, BatchResult
from clinic.health import start_health_server
from clinic.privacy import install_log_redaction
from clinic.settings import Settings

logger = logging.getLogger("clinic.analytics.consumer")


class ConsumerStatus:
    """What ``GET /health`` reports."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.applied = 0
        self.duplicates = 0
        self.last_batch: Optional[float] = None
        self.available = True

    def record(self, result: Optional[BatchResult]) -> None:
        """Counts one batch (``None``: the database or the broker was unavailable)."""
        self.available = result is not None
        if result is not None:
            self.applied += result.applied
            self.duplicates += result.duplicates
            self.last_batch = time.time()

    def as_dict(self) -> Dict[str, Any]:
        """JSON body of ``GET /health``."""
        return {"status": "ok" if self.available else "unavailable", "source": self.source,
                "events_applied": self.applied, "duplicates_skipped": self.duplicates,
                "last_poll_unix": self.last_batch}


def run_pika(settings: Settings, writer: AnalyticsWriter, status: ConsumerStatus,
             stop: threading.Event) -> None:
    """Consumes RabbitMQ until ``stop`` is set."""
    assert settings.event_broker_url
    source = PikaSource(settings.event_broker_url, settings.event_broker_queue, writer)

    async def main() -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (stop.wait(), loop.call_soon_threadsafe(done.set)),
                         daemon=True).start()
        await source.run(done, status.record)

    asyncio.run(main())


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Turn Rasa's events into analytics tables.")
    parser.add_argument("--once", action="store_true",
                        help="apply what waits in the embedded queue, then exit")
    args = parser.parse_args(argv)
    install_log_redaction()
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aio_pika", "aiormq"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    writer = AnalyticsWriter(schema.create_engine(settings.database_url),
                             settings.clinic_timezone)
    queue = SqlQueueSource(settings.analytics_events_db, writer)
    if args.once:
        total = 0
        while (result := queue.poll()).applied or result.duplicates:
            total += result.applied
        print(f"{total} event(s) applied")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    status = ConsumerStatus("rabbitmq" if settings.event_broker_url else "sqlite-queue")
    server = start_health_server(settings.analytics_port, status)
    logger.info("analytics consumer started: reading %s", status.source)
    try:
        if settings.event_broker_url:
            run_pika(settings, writer, status, stop)
        else:
            queue.run(stop, status.record)
    finally:
        server.shutdown()
        queue.dispose()
        writer.engine.dispose()
    logger.info("analytics consumer stopped: %d event(s) applied", status.applied)
    return 0


if __name__ == "__main__":
    sys.exit(main())
