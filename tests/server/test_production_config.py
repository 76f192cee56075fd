"""The production configuration: PostgreSQL tracker store and Redis lock store.

A second stack is started with DATABASE_URL and REDIS_URL pointing at real servers.
"""

from __future__ import annotations

import threading
import uuid
from typing import Iterator, List

import pytest
import redis
import sqlalchemy as sa

from tests.conftest import Stack, start_stack, stop_stack


def _drop_faq_tables(url: str) -> None:
    """A fresh FAQ store: the stack seeds it from faq/ as a fresh install does."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in ("faq_head", "faq_versions", "faq_activations", "faq_vectors"):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


@pytest.fixture(scope="module")
def production_stack(tmp_path_factory, postgres_url: str, redis_url: str) -> Iterator[Stack]:
    _drop_faq_tables(postgres_url)
    running = start_stack(
        tmp_path_factory.mktemp("prod"),
        {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url},
    )
    yield running
    stop_stack(running)


def _watch_redis(url: str, seen: List[str], stop: threading.Event) -> None:
    client = redis.Redis.from_url(url)
    with client.monitor() as monitor:
        for command in monitor.listen():
            seen.append(command.get("command", ""))
            if stop.is_set():
                return


def test_conversation_uses_postgres_and_redis(production_stack: Stack, postgres_url: str,
                                              redis_url: str) -> None:
    seen: List[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_redis, args=(redis_url, seen, stop), daemon=True)
    watcher.start()
    sender = f"prod-{uuid.uuid4().hex}"
    replies = production_stack.rest(sender, "hello")
    assert "virtual assistant" in replies[0]["text"]
    production_stack.rest(sender, "thanks!")
    stop.set()
    redis.Redis.from_url(redis_url).ping()  # one more command so the watcher wakes up
    watcher.join(timeout=10)

    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        users = conn.execute(
            sa.text("SELECT COUNT(*) FROM events WHERE sender_id=:s AND type_name='user'"),
            {"s": sender},
        ).scalar()
    assert users == 2
    assert any(f"clinic:lock:{sender}" in command for command in seen), seen[:20]


def test_faqs_are_answered_from_the_postgres_faq_store(production_stack: Stack,
                                                      postgres_url: str) -> None:
    reply = production_stack.rest(f"prod-faq-{uuid.uuid4().hex}", "how much does a session cost")
    assert "current prices" in reply[0]["text"], reply
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        live = conn.execute(sa.text("SELECT live_version FROM faq_head")).scalar()
        author = conn.execute(sa.text("SELECT author FROM faq_versions WHERE version = :v"),
                              {"v": live}).scalar()
    engine.dispose()
    assert live == 1 and author  # the faq/ files, seeded as a fresh install's first version
