"""Rasa's Pika broker and the consumer against the machine's real RabbitMQ (127.0.0.1:5672):
events flow into the analytics tables, a redelivered batch is not counted twice, and
publishing never waits for a RabbitMQ that is down (at start-up or later)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, List

import aio_pika
import pytest

from clinic.analytics.broker import ConfiguredEventBroker, ResilientPikaBroker
from clinic.analytics.sources import PikaSource
from clinic.analytics.writer import AnalyticsWriter, keyed
from clinic.devstack import free_port
from staff.analytics import queries as q
from staff.analytics.report import parse_period, summary
from tests.analytics.conftest import RABBITMQ_URL
from tests.analytics.events import DAY, SAMPLE_FIGURES, T0, Conversation, sample_traffic
from tests.analytics.tcp_proxy import TcpProxy

PERIOD = parse_period(DAY, DAY)


async def until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def consume_until(writer: AnalyticsWriter, queue: str, messages: int,
                        url: str = RABBITMQ_URL) -> None:
    """Runs the consumer until the analytics tables hold ``messages`` visitor messages."""
    stop = asyncio.Event()
    task = asyncio.create_task(PikaSource(url, queue, writer).run(stop, lambda _r: None))
    try:
        await until(lambda: q.message_count(writer.engine, PERIOD) >= messages, 30,
                    f"{messages} messages in analytics_turns")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_events_flow_from_rasas_pika_broker_into_analytics(
        rabbit_queue: str, writer: AnalyticsWriter) -> None:
    broker = ResilientPikaBroker(RABBITMQ_URL, rabbit_queue, asyncio.get_running_loop())
    broker.start()
    await until(broker.is_ready, 15, "the broker to connect")
    for event in sample_traffic():
        broker.publish(event)
    await consume_until(writer, rabbit_queue, SAMPLE_FIGURES["messages"])
    await broker.close()
    assert summary(writer.engine, PERIOD) == SAMPLE_FIGURES


async def test_a_redelivered_batch_is_not_counted_twice(rabbit_queue: str,
                                                        writer: AnalyticsWriter) -> None:
    broker = ResilientPikaBroker(RABBITMQ_URL, rabbit_queue, asyncio.get_running_loop())
    broker.start()
    await until(broker.is_ready, 15, "the broker to connect")
    events = sample_traffic()
    for event in events:
        broker.publish(event)
    await broker.close()
    # A consumer commits 30 events and is killed before acknowledging them.
    connection = await aio_pika.connect_robust(RABBITMQ_URL)
    channel = await connection.channel()
    queue = await channel.get_queue(rabbit_queue)
    taken: List[Dict[str, Any]] = []
    while len(taken) < 30:
        message = await queue.get(no_ack=False, timeout=10)
        taken.append(json.loads(message.body))
    writer.apply(keyed(taken))
    await connection.close()  # unacknowledged: RabbitMQ delivers all 30 again
    await consume_until(writer, rabbit_queue, SAMPLE_FIGURES["messages"])
    assert summary(writer.engine, PERIOD) == SAMPLE_FIGURES


async def test_publishing_never_waits_for_rabbitmq(rabbit_queue: str, writer: AnalyticsWriter,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    proxy = TcpProxy(port)  # nothing listens on the port yet: RabbitMQ is "down"
    monkeypatch.setenv("EVENT_BROKER_URL", f"amqp://guest:guest@127.0.0.1:{port}/")
    monkeypatch.setenv("EVENT_BROKER_QUEUE", rabbit_queue)
    started = time.monotonic()
    broker = await ConfiguredEventBroker.from_endpoint_config(None)
    assert time.monotonic() - started < 0.5 and not broker.is_ready()
    events = sample_traffic()
    slowest = 0.0
    for event in events:
        before = time.perf_counter()
        broker.publish(event)
        slowest = max(slowest, time.perf_counter() - before)
    assert slowest < 0.005
    try:
        proxy.start()  # RabbitMQ comes up: the broker connects and sends what waited
        await until(broker.is_ready, 40, "the broker to connect once RabbitMQ is up")
        await consume_until(writer, rabbit_queue, SAMPLE_FIGURES["messages"])
        assert summary(writer.engine, PERIOD) == SAMPLE_FIGURES
        proxy.stop()  # down again, after start-up: publishing still returns at once
        later = Conversation("later", T0 + 60)
        later.user("hello", "greet").action("utter_greet").bot("Hi!").listen()
        before = time.perf_counter()
        for event in later.events:
            broker.publish(event)
        assert time.perf_counter() - before < 0.05
        await asyncio.sleep(1)
        proxy.start()  # Rasa's robust connection reconnects and sends what failed
        await consume_until(writer, rabbit_queue, SAMPLE_FIGURES["messages"] + 1)
        assert q.conversation_count(writer.engine, PERIOD) == 5
    finally:
        await broker.close()
        proxy.close()


async def test_the_consumer_reconnects_after_losing_rabbitmq(rabbit_queue: str,
                                                             writer: AnalyticsWriter) -> None:
    port = free_port()
    proxy = TcpProxy(port)
    proxy.start()
    broker = ResilientPikaBroker(RABBITMQ_URL, rabbit_queue, asyncio.get_running_loop())
    broker.start()
    await until(broker.is_ready, 15, "the broker to connect")
    events = sample_traffic()
    half = len(events) // 2
    stop = asyncio.Event()
    consumer = PikaSource(f"amqp://guest:guest@127.0.0.1:{port}/", rabbit_queue, writer)
    task = asyncio.create_task(consumer.run(stop, lambda _r: None))
    try:
        for event in events[:half]:
            broker.publish(event)
        await until(lambda: q.message_count(writer.engine, PERIOD) >= 7, 30, "the first half")
        proxy.stop()  # the consumer's connection is cut
        for event in events[half:]:
            broker.publish(event)
        await asyncio.sleep(1)
        proxy.start()
        await until(lambda: q.message_count(writer.engine, PERIOD) >= 15, 60,
                    "the consumer to reconnect and catch up")
        assert summary(writer.engine, PERIOD) == SAMPLE_FIGURES
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await broker.close()
        proxy.close()
