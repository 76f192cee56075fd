"""The real stack with ``EVENT_BROKER_URL`` set: it starts and answers promptly while nothing
listens on the RabbitMQ port, and once RabbitMQ is reachable the events of those
conversations reach the analytics tables through it, exactly once."""

from __future__ import annotations

import time
import uuid
from typing import Iterator

import pytest

from clinic.devstack import free_port
from tests.analytics.tcp_proxy import TcpProxy
from tests.analytics.traffic import analytics_messages, make_analytics, wait_for
from tests.conftest import start_stack, stop_stack

PROMPT_S = 2.0  # a REST answer normally takes about 0.1 s


@pytest.fixture(scope="module")
def rabbit_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    port = free_port()
    proxy = TcpProxy(port)  # stands for RabbitMQ: not started yet, nothing listens
    queue = f"test_analytics_{uuid.uuid4().hex[:10]}"
    running = start_stack(tmp_path_factory.mktemp("analytics-rabbitmq"), {
        "EVENT_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{port}/",
        "EVENT_BROKER_QUEUE": queue})
    yield running, proxy, queue
    stop_stack(running)
    proxy.close()
    _delete_queue(queue)


def _delete_queue(name: str) -> None:
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)

    asyncio.run(delete())


def test_conversations_answer_promptly_with_rabbitmq_down_then_events_arrive(
        rabbit_stack: tuple) -> None:
    stack, proxy, _queue = rabbit_stack
    assert "RabbitMQ not reachable" in stack.log_text()
    run = uuid.uuid4().hex[:8]
    conversations = [["hello", "what is nmt?"], ["how much does a session cost?"],
                     ["I have crushing chest pain and my left arm is numb"]]
    for n, messages in enumerate(conversations):
        for text in messages:
            started = time.monotonic()
            assert stack.rest(f"rabbit-{run}-{n}", text)
            assert time.monotonic() - started < PROMPT_S, f"{text!r} was slow"
    time.sleep(2)
    assert analytics_messages(stack) == 0  # nothing can arrive while RabbitMQ is away
    proxy.start()
    wait_for(lambda: analytics_messages(stack) >= 4, 90,
             "the events to arrive through RabbitMQ")
    figures = make_analytics(stack)
    assert {k: figures[k] for k in ("conversations", "messages", "emergencies",
                                    "bookings_started")} == {
        "conversations": 3, "messages": 4, "emergencies": 1, "bookings_started": 0}
    assert figures["top_topics"] == [["emergency", 1], ["faq:prices", 1], ["greet", 1],
                                     ["nmt_overview", 1]]
