"""The embedded event queue's file and the RabbitMQ URL: helpers shared by the Rasa server's
broker (``clinic.analytics.broker``) and the consumer, without importing Rasa."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any, Dict
from urllib.parse import urlsplit

import aio_pika.exceptions
import sqlalchemy as sa
from sqlalchemy.engine import Engine

# What connecting to an unreachable or refusing RabbitMQ raises.
CONNECT_ERRORS = (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPError,
                  *aio_pika.exceptions.CONNECTION_EXCEPTIONS)


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of the embedded broker's file."""
    return f"sqlite:///{path}"


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL (readers never block the writer) and a short busy timeout, per connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # the consumer reads while Rasa writes
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def queue_engine(path: Path) -> Engine:
    """An engine on the embedded queue's file (WAL mode, created with its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(sqlite_url(path), future=True, poolclass=sa.pool.QueuePool,
                              connect_args={"timeout": 15, "check_same_thread": False})
    sa.event.listen(engine, "connect", sqlite_pragmas)
    return engine


def prepare_queue(engine: Engine) -> str:
    """Creates the queue's tables if needed and returns the queue's identity.

    The ``events`` table has Rasa's ``SQLEventBroker`` columns, with AUTOINCREMENT so that an
    id is never handed out twice even after the consumer deleted every applied row. The
    identity (a random token, made once per file) tells the consumer when the file was
    replaced, so that it reads the new one from its beginning. Safe to call from the Rasa
    server and the consumer at the same time.
    """
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "sender_id VARCHAR(255), data TEXT)"))
        conn.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS queue_identity (id INTEGER PRIMARY KEY, token TEXT)"))
        conn.execute(sa.text("INSERT OR IGNORE INTO queue_identity (id, token) "
                             "VALUES (1, :token)"), {"token": uuid.uuid4().hex})
        return str(conn.execute(sa.text("SELECT token FROM queue_identity")).scalar_one())


def pika_arguments(url: str) -> Dict[str, Any]:
    """PikaEventBroker's arguments for ``url``; the host keeps no password (Rasa logs it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ValueError("EVENT_BROKER_URL must look like amqp://user:pass@host:5672/vhost")
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    host = f"{parts.scheme}://{parts.hostname}:{port}{parts.path}"
    return {
        "host": host,
        "port": port,
        "username": parts.username or "guest",  # still URL-encoded: Rasa puts them in a URL
        "password": parts.password or "guest",
    }
