"""Lock store selection; the Redis variant runs against a real Redis server."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from clinic.settings import Settings
from clinic.stores import ConfiguredLockStore, lock_store_from_settings


def test_default_is_in_process() -> None:
    assert isinstance(lock_store_from_settings(Settings.from_env({})), InMemoryLockStore)


def test_bad_redis_url_is_explained() -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        lock_store_from_settings(Settings.from_env({"REDIS_URL": "http://x"}))


async def test_redis_lock_store_locks_a_conversation(redis_url: str, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = ConfiguredLockStore()
    assert isinstance(store.inner, RedisLockStore)
    key = "clinic:lock:unit-test-conversation"
    async with store.lock("unit-test-conversation", wait_time_in_seconds=0.01):
        lock = store.get_lock("unit-test-conversation")
        assert lock is not None and not lock.is_locked(lock.now_serving)
        assert store.inner.red.exists(key) == 1  # the lock really lives in Redis
    # released and cleaned up once nobody waits
    assert store.get_lock("unit-test-conversation") is None
    assert store.inner.red.exists(key) == 0
