"""The cluster's lock store: Rasa's ``RedisLockStore``, with two repairs.

Rasa serialises the turns of one conversation with a ticket lock. Across replicas that lock
lives in Redis (``REDIS_URL``, built by ``clinic.stores``); its tickets expire after
``TICKET_LOCK_LIFETIME`` seconds, so the ticket of a replica killed mid-turn is released.

* **A waiter whose own ticket expired.** Rasa's wait loop then waits for ever (its ticket
  is gone, so it is never "now serving"): when a replica is killed, the request HAProxy
  sends again to another replica takes a ticket right after the dead one, both expire
  together, and the visitor got a 504 after 60 s (measured). Here the waiter takes a new
  ticket instead and is served as soon as the dead one has expired.
* **Redis down.** With Rasa's store every turn fails; here a turn whose ticket cannot be
  issued because Redis does not answer takes an in-process lock instead, and Redis is
  tried again after ``RETRY_REDIS_AFTER_S``. Lost meanwhile is only the cross-replica
  ordering of two messages of the *same* conversation sent before the first was answered,
  which the widget never does (it waits for the reply; socket.io keeps a visitor on one
  replica).

docs/reliability.md describes both; tests/cluster tests both.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import AsyncGenerator, List, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from clinic.settings import Settings
from clinic.stores import lock_store_from_settings

logger = logging.getLogger(__name__)
RETRY_REDIS_AFTER_S = 5.0


def redis_unreachable(error: BaseException) -> bool:
    """True when ``error`` (or what it wraps) says Redis could not be reached."""
    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, (RedisConnectionError, RedisTimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def acquire(store: LockStore, conversation_id: Text, held: List[int],
                  lifetime: float, wait_s: float) -> TicketLock:
    """Waits until ticket ``held[0]`` is served; a ticket that expired while waiting is
    replaced by a new one (``held[0]`` is updated, for the clean-up)."""
    while True:
        lock = store.get_lock(conversation_id)
        if lock is None:  # deleted meanwhile: start again with a new ticket
            held[0] = store.issue_ticket(conversation_id, lifetime)
            continue
        if not lock.is_locked(held[0]):
            return lock
        if all(ticket.number != held[0] for ticket in lock.tickets):
            held[0] = store.issue_ticket(conversation_id, lifetime)
            continue
        await asyncio.sleep(wait_s)
        store.update_lock(conversation_id)


class FallbackLockStore(LockStore):
    """Redis lock store with an in-process fallback (``lock_store: type:`` in endpoints)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 primary: Optional[LockStore] = None) -> None:
        self.primary = primary or lock_store_from_settings(Settings.from_env())
        self.local = InMemoryLockStore()
        self.redis_down_until = 0.0

    def _active(self) -> LockStore:
        return self.local if time.monotonic() < self.redis_down_until else self.primary

    def _redis_is_down(self) -> None:
        if time.monotonic() >= self.redis_down_until:
            logger.error("Redis (lock store) cannot be reached: this server uses in-process "
                         "locks and tries Redis again in %.0f s.", RETRY_REDIS_AFTER_S)
        self.redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_S

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, on Redis when it answers, else in this process."""
        store = self._active()
        try:
            ticket = store.issue_ticket(conversation_id, lock_lifetime)
        except LockError as error:
            if store is self.local or not redis_unreachable(error):
                raise
            self._redis_is_down()
            store = self.local
            ticket = store.issue_ticket(conversation_id, lock_lifetime)
        held = [ticket]
        try:
            yield await acquire(store, conversation_id, held, lock_lifetime,
                                wait_time_in_seconds)
        finally:
            try:
                store.cleanup(conversation_id, held[0])
            except RedisError as error:
                if not redis_unreachable(error):
                    raise
                self._redis_is_down()  # its ticket expires in Redis by itself

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The lock of ``conversation_id`` in the store in use."""
        return self._active().get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        """Deletes the lock of ``conversation_id`` in the store in use."""
        self._active().delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Saves ``lock`` in the store in use."""
        self._active().save_lock(lock)
