"""What ``make purge`` and ``make forget`` do to the analytics tables (staff/retention.py).

* ``purge_before`` clears the message texts of turns older than the retention period and
  forgets their replay keys; the anonymous counts stay, so a 90-day dashboard still adds up
  with ``RETENTION_DAYS=30``;
* ``forget_sender`` deletes one visitor's turns, funnel steps and state, and takes their
  turns out of the per-day counters.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clinic.analytics.rollup import add, apply_deltas, totals_of
from clinic.analytics.schema import conversations, funnel, has_tables, seen, turns
from clinic.analytics.translate import conversation_key
from clinic.analytics.upgrade import upgrade


def purge_before(conn: Connection, cutoff: float) -> int:
    """Clears the texts of turns before ``cutoff`` (Unix seconds); returns how many turns."""
    if not has_tables(conn):
        return 0
    old_text = sa.and_(turns.c.at < cutoff,
                       sa.or_(turns.c.user_text.is_not(None), turns.c.bot_text.is_not(None)))
    cleared = conn.execute(turns.update().where(old_text).values(user_text=None, bot_text=None))
    conn.execute(seen.delete().where(seen.c.at < cutoff))  # never redelivered that late
    return int(cleared.rowcount or 0)


def forget_sender(conn: Connection, sender_id: str) -> int:
    """Deletes every analytics row of one visitor; returns how many rows went."""
    if not has_tables(conn):
        return 0
    upgrade(conn)  # a database the consumer has not upgraded yet (it reads every column)
    key = conversation_key(sender_id)
    removed: dict = {}
    add(removed, totals_of(conn, turns.c.conversation == key), sign=-1)
    apply_deltas(conn, removed)
    deleted = 0
    for table in (turns, funnel):
        deleted += int(conn.execute(table.delete().where(table.c.conversation == key)).rowcount
                       or 0)
    deleted += int(conn.execute(conversations.delete().where(conversations.c.id == key))
                   .rowcount or 0)
    return deleted
