"""Lock store chosen from settings: Redis when ``REDIS_URL`` is set, else in-process.

Rasa's ``endpoints.yml`` cannot switch store types on an environment variable, so this
small adapter does it; everything else is Rasa's own ``RedisLockStore`` or
``InMemoryLockStore``.
"""

from __future__ import annotations

from typing import Optional, Text
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from clinic.settings import Settings


def lock_store_from_settings(settings: Settings) -> LockStore:
    """Builds the lock store the settings ask for."""
    if not settings.redis_url:
        return InMemoryLockStore()
    url = urlparse(settings.redis_url)
    if url.scheme not in ("redis", "rediss"):
        raise ValueError(f"REDIS_URL must start with redis:// or rediss://, got {url.scheme!r}")
    db = int(url.path.lstrip("/") or 0)
    return RedisLockStore(
        host=url.hostname or "localhost",
        port=url.port or 6379,
        db=db,
        password=url.password,
        use_ssl=url.scheme == "rediss",
        key_prefix="clinic",
    )


class ConfiguredLockStore(LockStore):
    """Delegates to the lock store selected by ``REDIS_URL``."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        self.inner = lock_store_from_settings(Settings.from_env())

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.inner.save_lock(lock)
