"""Event broker chosen from settings: RabbitMQ when ``EVENT_BROKER_URL`` is set, else SQLite.

endpoints.yml cannot switch broker types on an environment variable, so this small adapter
does it (like ``clinic.stores.ConfiguredLockStore`` for the lock store); the brokers are
Rasa's own ``PikaEventBroker`` and ``SQLEventBroker``. Publishing never fails or slows a
visitor's conversation:

* **RabbitMQ** (``amqp://user:pass@host:5672/vhost``): the connection is made in the
  background, retried with backoff (1 s ... 30 s) for as long as it takes, so the Rasa
  server starts and answers while RabbitMQ is down. Events published meanwhile wait in
  memory (Rasa's own buffer of unpublished events, capped at ``MAX_BUFFERED``; beyond that
  the oldest are dropped) and are sent once connected. After a connection loss, Rasa's
  robust connection reconnects and sends what failed meanwhile. Messages are persistent and
  the queue (``EVENT_BROKER_QUEUE``, bound to a fanout exchange of the same name) durable.
* **Embedded** (unset): Rasa's ``SQLEventBroker`` on a SQLite file of its own
  (``ANALYTICS_EVENTS_DB``; its table is called ``events`` like the tracker store's, so it
  never shares the tracker's database). ``publish`` only puts the event in a bounded
  in-memory queue (``MAX_BUFFERED``; beyond it events are dropped and counted in the log); a
  writer thread commits batches, so no conversation waits for a disk. Events still in
  memory when the Rasa server is killed are lost (not counted). The consumer deletes the
  rows it applied, so the file holds events (personal data included) only until then.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from asyncio import AbstractEventLoop
from collections import deque
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
import rasa.shared.core.events  # noqa: F401 (PikaEventBroker._publish uses it, unimported)
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.exc import SQLAlchemyError

from clinic.analytics.queue import (
    CONNECT_ERRORS,
    pika_arguments,
    prepare_queue,
    queue_engine,
    sqlite_pragmas,
    sqlite_url,
)
from clinic.settings import Settings

logger = logging.getLogger(__name__)

MAX_BUFFERED = 50_000  # events kept in memory while the broker is unreachable
BATCH = 500  # events per SQLite commit
RECONNECT_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


def open_sql_queue(path: Path) -> SQLEventBroker:
    """Rasa's SQLEventBroker on ``path``, in WAL mode."""
    engine = queue_engine(path)
    prepare_queue(engine)
    engine.dispose()
    broker = SQLEventBroker(host=sqlite_url(path))
    sa.event.listen(broker.engine, "connect", sqlite_pragmas)
    return broker


class BackgroundSQLBroker(EventBroker):
    """Rasa's SQLEventBroker, written by a thread so that ``publish`` never waits."""

    def __init__(self, path: Path, max_buffered: int = MAX_BUFFERED) -> None:
        self.inner = open_sql_queue(path)
        self.dropped = 0
        self._queue: "queue.Queue[Optional[Dict[Text, Any]]]" = queue.Queue(max_buffered)
        self._thread = threading.Thread(target=self._write_loop, name="sql-event-broker",
                                        daemon=True)
        self._thread.start()

    def publish(self, event: Dict[Text, Any]) -> None:
        """Queues ``event`` for the writer thread (dropped and counted when the queue is full)."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.warning("analytics event queue full: %d event(s) dropped", self.dropped)

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            batch: List[Dict[Text, Any]] = [] if first is None else [first]
            stop = first is None
            while not stop and len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                stop = item is None
                if item is not None:
                    batch.append(item)
            if batch:
                self._write(batch)
            if stop:
                return

    def _write(self, batch: List[Dict[Text, Any]]) -> None:
        for attempt in range(3):
            try:
                with self.inner.session_scope() as session:
                    session.add_all([
                        self.inner.SQLBrokerEvent(sender_id=e.get("sender_id"),
                                                  data=json.dumps(e)) for e in batch])
                    session.commit()
                return
            except SQLAlchemyError as error:
                logger.error("analytics events not written (%s), attempt %d",
                             type(error).__name__, attempt + 1)
                threading.Event().wait(0.5 * (attempt + 1))
        self.dropped += len(batch)
        logger.warning("analytics: %d event(s) dropped (%d in all)", len(batch), self.dropped)

    async def close(self) -> None:
        """Writes what is queued (up to 10 s), then closes the database."""
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join, 10)
        self.inner.engine.dispose()


class ResilientPikaBroker(PikaEventBroker):
    """Rasa's PikaEventBroker, connected in the background and buffering until it is."""

    def __init__(self, url: str, queue_name: str, loop: Optional[AbstractEventLoop] = None,
                 max_buffered: int = MAX_BUFFERED) -> None:
        super().__init__(**pika_arguments(url), queues=[queue_name], exchange_name=queue_name,
                         connection_attempts=1, retry_delay_in_seconds=0, event_loop=loop)
        self._unpublished_events = deque(maxlen=max_buffered)
        self._connector: Optional[asyncio.Task] = None

    def start(self) -> None:
        """Starts connecting in the background (returns at once)."""
        self._connector = self._loop.create_task(self._connect_forever())

    async def _connect_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self.connect()
            except CONNECT_ERRORS as error:
                await self._drop_connection()
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                logger.warning("RabbitMQ not reachable (%s); analytics events wait in memory "
                               "(%d), next try in %.0f s", type(error).__name__,
                               len(self._unpublished_events), delay)
                await asyncio.sleep(delay)
                continue
            self._publish_unpublished_messages()
            return

    async def _drop_connection(self) -> None:
        """Closes a connection whose set-up failed half-way (it is made again next try)."""
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except CONNECT_ERRORS:
                pass  # already broken: nothing left to close

    def is_ready(self) -> bool:
        """True once connected and the exchange and queue are declared."""
        return self._exchange is not None and super().is_ready()

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Publishes in the background, or keeps the event until the first connection."""
        if self._exchange is None:
            self._unpublished_events.append(event)
            return
        super().publish(event, headers)

    async def close(self) -> None:
        """Sends what is being published (up to 5 s), stops connecting, closes the connection."""
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
        if self._background_tasks:
            await asyncio.wait(list(self._background_tasks), timeout=5)
        await super().close()


def broker_from_settings(settings: Settings,
                         loop: Optional[AbstractEventLoop] = None) -> EventBroker:
    """The broker the settings ask for, already connecting or writing in the background."""
    if settings.event_broker_url:
        broker = ResilientPikaBroker(settings.event_broker_url, settings.event_broker_queue,
                                     loop or asyncio.get_event_loop())
        broker.start()
        return broker
    return BackgroundSQLBroker(settings.analytics_events_db)


class ConfiguredEventBroker(EventBroker):
    """Delegates to the broker selected by ``EVENT_BROKER_URL`` (see the module docstring)."""

    def __init__(self, inner: EventBroker) -> None:
        self.inner = inner

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Optional[EndpointConfig] = None,
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> "ConfiguredEventBroker":
        """Builds the broker from the environment (``endpoints.yml`` only names this class)."""
        return cls(broker_from_settings(Settings.from_env(), event_loop))

    def publish(self, event: Dict[Text, Any]) -> None:
        """Hands the event over; returns at once whatever the broker's state."""
        self.inner.publish(event)

    def is_ready(self) -> bool:
        """True when the broker can take events right now (the embedded queue always can)."""
        return self.inner.is_ready()

    async def close(self) -> None:
        """Sends or writes what waits, within a few seconds, then closes."""
        await self.inner.close()
