"""Fixtures of the analytics tests: scratch databases (SQLite and a throwaway PostgreSQL
schema), a writer on them, and RabbitMQ at 127.0.0.1:5672 with a unique queue per test."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic.analytics import schema
from clinic.analytics.writer import AnalyticsWriter
from tests.analytics.events import TZ

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture()
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = schema.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    yield engine
    engine.dispose()


@pytest.fixture()
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine whose search path is a throwaway schema, dropped afterwards."""
    name = f"analytics_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, future=True)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine = schema.create_engine(postgres_url, schema=name)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite"
                                   else "pg_engine")


@pytest.fixture()
def writer(sqlite_engine: Engine) -> AnalyticsWriter:
    return AnalyticsWriter(sqlite_engine, TZ)


@pytest.fixture()
def rabbit_queue() -> Iterator[str]:
    """A unique queue (and fanout exchange) name, deleted from RabbitMQ afterwards."""
    name = f"test_analytics_{uuid.uuid4().hex[:10]}"
    yield name

    async def delete() -> None:
        import aio_pika

        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)

    asyncio.run(delete())
