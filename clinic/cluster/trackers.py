"""The cluster's tracker store: ``CachedSQLTrackerStore``, surviving a database restart.

Rasa's own store keeps pooled connections that are dead after PostgreSQL restarts, and a
turn whose ``save`` fails still sends its reply: the visitor is answered, but the
conversation forgets that turn (measured: after a restart a visitor who had given their
phone number was asked for it again). This subclass checks a pooled connection before
using it (``pool_pre_ping``) and retries ``retrieve`` and ``save`` for up to about
``sum(RETRY_DELAYS_S)`` seconds when the database cannot be reached, so a restart shows as
a slower turn. Events go to the event broker once per ``save``, never again on a retry.

It is :class:`clinic.tracker_store.CachedSQLTrackerStore` (no re-reads of a conversation
whose version in the database is unchanged), so replicas get the same savings as ``make
run``; the version check keeps a conversation answered by several replicas correct.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, List, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, OperationalError

from clinic.tracker_store import CachedSQLTrackerStore

logger = logging.getLogger(__name__)
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0)
T = TypeVar("T")
_streamed: ContextVar[bool] = ContextVar("clinic_tracker_events_streamed", default=False)


def unreachable(error: BaseException) -> bool:
    """True when ``error`` means the database could not be reached (worth a retry)."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


async def retrying(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``await call()``, again after each delay of ``RETRY_DELAYS_S`` while unreachable."""
    for delay in RETRY_DELAYS_S:
        try:
            return await call()
        except DBAPIError as error:
            if not unreachable(error):
                raise
            logger.warning("Tracker store: %s failed (%s); trying again in %.1f s.",
                           what, type(error).__name__, delay)
            await asyncio.sleep(delay)
    return await call()


class ResilientSQLTrackerStore(CachedSQLTrackerStore):
    """The cached SQL store with pre-pinged connections and retries (``tracker_store:
    type:``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            return  # the cached store's pooled SQLite engine (the cluster uses PostgreSQL)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Rasa's ``retrieve``, retried while the database is unreachable."""
        return await retrying(lambda: super(ResilientSQLTrackerStore, self)
                              .retrieve(sender_id), "reading a conversation")

    async def retrieve_full_tracker(self, conversation_id: Text
                                    ) -> Optional[DialogueStateTracker]:
        """Rasa's ``retrieve_full_tracker``, retried while the database is unreachable."""
        return await retrying(lambda: super(ResilientSQLTrackerStore, self)
                              .retrieve_full_tracker(conversation_id),
                              "reading a whole conversation")

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's diff and publishing, unless this ``save`` has published already."""
        if not _streamed.get():
            await super().stream_events(tracker)
            _streamed.set(True)

    async def publish(self, events: List[Event], sender_id: Text) -> None:
        """The cached store's publishing, unless this ``save`` has published already."""
        if not _streamed.get():
            await super().publish(events, sender_id)
            _streamed.set(True)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the new events, retrying while the database is unreachable; they go to
        the event broker once, on the first try that gets that far."""
        token = _streamed.set(False)
        try:
            await retrying(lambda: super(ResilientSQLTrackerStore, self).save(tracker),
                           "saving a conversation")
        finally:
            _streamed.reset(token)
