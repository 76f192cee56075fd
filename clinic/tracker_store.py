"""Rasa's SQL tracker store without the reads it repeats on every visitor message.

Rasa 3.6's ``SQLTrackerStore`` costs, per message (issue 20's profile, docs/benchmarks.md):
the conversation read from the database and rebuilt event by event; before the write, the
same read again (to find the events new since then for the event broker) and a count
query; and on SQLite a new connection for each of those steps (SQLAlchemy 1.4 does not
pool file databases) plus a synced commit.

:class:`CachedSQLTrackerStore` keeps the same table, the same rows and the same events for
the broker, and avoids the repeats:

- it keeps, per conversation, a copy of the tracker it last read or wrote, with the
  conversation's *version* in the database: the id of its newest event and its number of
  events. One indexed query reads the version; while it matches, the copy is what Rasa's
  read would return, so it is handed out (as a copy) without reading or rebuilding, and a
  write only inserts the events after it. When the version differs (another replica
  answered, retention deleted the conversation) or the tracker to write does not continue
  the copy, it does exactly what Rasa's store does. A write that starts a new session
  drops the copy, so the next read is Rasa's own (from the latest session start on);
- on SQLite: pooled connections and the write-ahead log with ``synchronous=NORMAL`` (a
  commit no longer waits for the disk; a power cut can lose the last moments of
  conversations, never corrupt the file). PostgreSQL keeps SQLAlchemy's pool and its own
  durability.

Several replicas stay correct because the version is checked on every read and write
(turns of one conversation are serialised by the lock store, as in Rasa).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from clinic.sqlite import sqlite_engine

logger = logging.getLogger(__name__)

#: Conversations whose tracker copy is kept (least recently used ones are dropped).
CACHED_CONVERSATIONS = 500

Version = Tuple[Optional[int], int]  # (id of the newest event, number of events)


@dataclass
class _Entry:
    version: Version
    tracker: Optional[DialogueStateTracker]  # None: no events stored yet


def _continues(tracker: DialogueStateTracker, stored: Optional[DialogueStateTracker]) -> bool:
    """True when ``tracker``'s events start with exactly ``stored``'s events."""
    if stored is None:
        return True
    old, new = stored.events, tracker.events
    if len(new) < len(old):
        return False
    return not old or (new[0] == old[0] and new[len(old) - 1] == old[-1])


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with a checked per-conversation copy (see the module docs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url, extra_pragmas=("synchronous=NORMAL",),
                                        future=False)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._cache: "OrderedDict[str, _Entry]" = OrderedDict()

    # -- the version of a conversation and the cache -------------------------------------

    def _version(self, session: Any, sender_id: Text) -> Version:
        newest, count = session.query(
            sa.func.max(self.SQLEvent.id), sa.func.count(self.SQLEvent.id)
        ).filter(self.SQLEvent.sender_id == sender_id).one()
        return newest, int(count)

    def _remember(self, sender_id: Text, version: Version,
                  tracker: Optional[DialogueStateTracker]) -> None:
        self._cache[sender_id] = _Entry(version, tracker.copy() if tracker else None)
        self._cache.move_to_end(sender_id)
        while len(self._cache) > CACHED_CONVERSATIONS:
            self._cache.popitem(last=False)

    def _valid_entry(self, session: Any, sender_id: Text) -> Tuple[Optional[_Entry], Version]:
        version = self._version(session, sender_id)
        entry = self._cache.get(sender_id)
        if entry is None or entry.version != version:
            return None, version
        self._cache.move_to_end(sender_id)
        return entry, version

    # -- TrackerStore ---------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's tracker: the checked copy, else read as Rasa reads it."""
        with self.session_scope() as session:
            entry, version = self._valid_entry(session, sender_id)
        if entry is not None:
            return entry.tracker.copy() if entry.tracker else None
        tracker = await super().retrieve(sender_id)
        self._remember(sender_id, version, tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Inserts the events after the stored ones and streams them to the broker."""
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            entry, (newest, count) = self._valid_entry(session, sender_id)
            if entry is not None and _continues(tracker, entry.tracker):
                stored = len(entry.tracker.events) if entry.tracker else 0
                new_events = list(itertools.islice(tracker.events, stored, None))
                await self.publish(new_events, sender_id)
                rows = self._insert(session, sender_id, new_events)
                session.flush()  # the rows get their ids: the version after this write
                version = (max((row.id for row in rows), default=newest), count + len(rows))
                session.commit()
                if any(isinstance(event, SessionStarted) for event in new_events):
                    # Rasa reads a conversation from its latest session start on: let the
                    # next read build that view from the database, as Rasa's store does
                    self._cache.pop(sender_id, None)
                else:
                    # derived, not read again: a write by anyone else in between makes the
                    # database's version differ, and the next read falls back to Rasa's
                    self._remember(sender_id, version, tracker)
                return
        self._cache.pop(sender_id, None)
        await super().save(tracker)  # Rasa's own path: read again, count, insert

    async def publish(self, events: List[Event], sender_id: Text) -> None:
        """Sends ``events`` to the event broker (when there is one), as Rasa's
        ``stream_events`` does after its diff."""
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, events, sender_id)

    def _insert(self, session: Any, sender_id: Text, events: Iterable[Event]) -> List[Any]:
        """Adds the rows Rasa's ``SQLTrackerStore.save`` writes, for ``events``; returns them."""
        rows: List[Any] = []
        for event in events:
            data = event.as_dict()
            rows.append(
                self.SQLEvent(
                    sender_id=sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
            )
        session.add_all(rows)
        return rows
