"""Where the consumer reads events: the embedded SQLite queue or RabbitMQ.

* ``SqlQueueSource`` reads the rows Rasa's ``SQLEventBroker`` wrote, by increasing id, and
  stores the last id it applied in the analytics database in the same transaction as the
  rows derived from them (``analytics_offsets``, one position per queue file identity, so a
  replaced file is read from its beginning). Applied rows are then deleted from the queue:
  it holds whole events, personal data included, only until they are applied.
* ``PikaSource`` consumes the durable RabbitMQ queue with manual acknowledgements: a batch is
  acknowledged only after its transaction committed; a redelivered message is recognised by
  its key (``analytics_seen``) and not counted again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import aio_pika
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from clinic.analytics.queue import (
    CONNECT_ERRORS,
    pika_arguments,
    prepare_queue,
    queue_engine,
)
from clinic.analytics.writer import AnalyticsWriter, BatchResult, keyed

logger = logging.getLogger(__name__)

SQL_SOURCE = "sql-queue"
BATCH = 500
BATCH_WAIT_S = 1.0  # how long a RabbitMQ batch may wait to fill up (fewer, bigger commits)
RETRY_S = 2.0
OnBatch = Callable[[Optional[BatchResult]], None]  # None: the database or broker is down


def _decode(raw: Any) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


class SqlQueueSource:
    """Reads the embedded queue (Rasa's ``SQLEventBroker`` table ``events``)."""

    def __init__(self, path: Path, writer: AnalyticsWriter) -> None:
        self.path = path
        self.writer = writer
        self._engine: Optional[Engine] = None
        self._source: Optional[str] = None
        self._position: Optional[int] = None  # we are the only writer of our position
        self._table = sa.table("events", sa.column("id"), sa.column("sender_id"),
                               sa.column("data"))

    @property
    def engine(self) -> Engine:
        """The queue's engine (WAL mode: Rasa keeps writing while we read)."""
        if self._engine is None:
            self._engine = queue_engine(self.path)
        return self._engine

    @property
    def source(self) -> str:
        """The name under which the read position is stored (includes the file's identity)."""
        if self._source is None:
            self._source = f"{SQL_SOURCE}:{prepare_queue(self.engine)}"
        return self._source

    def poll(self, limit: int = BATCH) -> BatchResult:
        """Applies the next ``limit`` events; an empty result when there are none."""
        source = self.source
        if self._position is None:
            self._position = self.writer.position(source)
        position = self._position
        e = self._table
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(e.c.id, e.c.data).where(e.c.id > position)
                                .order_by(e.c.id).limit(limit)).fetchall()
        if not rows:
            return BatchResult()
        events = [event for event in (_decode(row.data) for row in rows) if event]
        result = self.writer.apply(keyed(events), source, int(rows[-1].id))
        self._position = int(rows[-1].id)
        with self.engine.begin() as conn:  # applied: the queue need not keep them
            conn.execute(e.delete().where(e.c.id <= int(rows[-1].id)))
        return result

    def run(self, stop: threading.Event, on_batch: OnBatch,
            idle_s: float = 0.5) -> None:
        """Polls until ``stop`` is set; a database outage is logged and retried."""
        while not stop.is_set():
            try:
                result = self.poll()
            except SQLAlchemyError as error:
                logger.error("analytics: database unavailable (%s)", type(error).__name__)
                on_batch(None)
                stop.wait(RETRY_S)
                continue
            on_batch(result)
            if result.applied == 0 and result.duplicates == 0:
                stop.wait(idle_s)

    def dispose(self) -> None:
        """Closes the queue's connections."""
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class PikaSource:
    """Consumes the RabbitMQ queue that Rasa's ``PikaEventBroker`` publishes to."""

    url: str
    queue_name: str
    writer: AnalyticsWriter

    async def run(self, stop: asyncio.Event, on_batch: OnBatch) -> None:
        """Consumes until ``stop`` is set, reconnecting after any connection loss."""
        pika_arguments(self.url)  # checks the URL's shape
        while not stop.is_set():
            try:
                connection = await aio_pika.connect_robust(self.url)
            except CONNECT_ERRORS as error:
                logger.warning("analytics: RabbitMQ not reachable (%s); retrying",
                               type(error).__name__)
                on_batch(None)
                await _wait(stop, RETRY_S)
                continue
            try:
                async with connection:
                    await self._declare_and_consume(connection, stop, on_batch)
            except CONNECT_ERRORS as error:  # lost mid-way: unacknowledged ones come again
                logger.warning("analytics: RabbitMQ connection lost (%s); reconnecting",
                               type(error).__name__)
                on_batch(None)
                await _wait(stop, RETRY_S)

    async def _declare_and_consume(self, connection: Any, stop: asyncio.Event,
                                   on_batch: OnBatch) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=2 * BATCH)  # RabbitMQ keeps sending meanwhile
        # Declared exactly as Rasa's PikaEventBroker declares them.
        exchange = await channel.declare_exchange(self.queue_name,
                                                  type=aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(self.queue_name, durable=True)
        await queue.bind(exchange, "")
        await self._consume(queue, stop, on_batch)

    async def _consume(self, queue: Any, stop: asyncio.Event, on_batch: OnBatch) -> None:
        inbox: "asyncio.Queue[Any]" = asyncio.Queue()
        tag = await queue.consume(inbox.put)
        try:
            while not stop.is_set():
                try:
                    first = await asyncio.wait_for(inbox.get(), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                batch = [first]
                deadline = asyncio.get_running_loop().time() + BATCH_WAIT_S
                while len(batch) < BATCH:
                    while not inbox.empty() and len(batch) < BATCH:
                        batch.append(inbox.get_nowait())
                    if len(batch) >= BATCH or asyncio.get_running_loop().time() >= deadline:
                        break
                    await asyncio.sleep(0.005)
                await self._apply(batch, stop, on_batch)
        finally:
            await queue.cancel(tag)

    async def _apply(self, batch: List[Any], stop: asyncio.Event, on_batch: OnBatch) -> None:
        events = [event for event in (_decode(m.body) for m in batch) if event]
        while True:
            try:
                result = self.writer.apply(keyed(events))  # in the loop: no GIL ping-pong
                break
            except SQLAlchemyError as error:
                logger.error("analytics: database unavailable (%s)", type(error).__name__)
                on_batch(None)
                if stop.is_set():
                    return  # not acknowledged: RabbitMQ delivers the batch again
                await _wait(stop, RETRY_S)
        await batch[-1].ack(multiple=True)  # committed: now RabbitMQ may forget them
        on_batch(result)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass
