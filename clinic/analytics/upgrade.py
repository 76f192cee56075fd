"""Brings analytics tables made by an earlier version up to date (the consumer, on start).

Follows the booking store (actions/booking/store.py): a column added after the first release
is added to an existing table with ``ALTER TABLE … ADD COLUMN`` (``schema.ADDED_COLUMNS``).
Here the new columns also need filling from the stored turns, with the per-day counters they
feed, so that the dashboard has the new figures for past days too:

* ``analytics_turns.first_in_language``: the conversation's first message in its language;
* ``analytics_conversations.languages``: the languages of a conversation's messages so far;
* the counters ``lang_convs`` and ``lang_fallbacks`` (``clinic.analytics.rollup``).

All of it runs in the caller's transaction, in SQL whatever the number of turns, and ends
with a row in ``analytics_upgrades``. That row, not the columns, says the upgrade is done:
SQLite runs an ``ALTER TABLE`` that comes first in a transaction outside of it, so after a
crash in between the columns may exist unfilled; the next start fills them. A fresh database
is "upgraded" at once (nothing to fill).
"""

from __future__ import annotations

import time
from typing import Dict, List, Set

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clinic.analytics import rollup
from clinic.analytics.schema import ADDED_COLUMNS, conversations, daily, turns, upgrades

LANGUAGES = "languages-per-conversation"  # the name of this upgrade in analytics_upgrades
_ROWS = 3000  # conversation states updated per statement


def missing_columns(conn: Connection) -> List[sa.Column]:
    """The columns of ``ADDED_COLUMNS`` that the database's tables lack."""
    inspector = sa.inspect(conn)
    present = {table.name: {c["name"] for c in inspector.get_columns(table.name)}
               for table in {table for table, _name in ADDED_COLUMNS}}
    return [table.c[name] for table, name in ADDED_COLUMNS if name not in present[table.name]]


def is_done(conn: Connection) -> bool:
    """True when this database has had the upgrade."""
    if not sa.inspect(conn).has_table(upgrades.name):
        return False
    return bool(conn.execute(sa.select(sa.func.count()).select_from(upgrades)
                             .where(upgrades.c.name == LANGUAGES)).scalar())


def upgrade(conn: Connection) -> bool:
    """Adds and fills what an older database lacks (see the module docstring) in the
    caller's transaction; returns True when there was something to do."""
    if is_done(conn):
        return False
    upgrades.create(conn, checkfirst=True)
    preparer = conn.dialect.identifier_preparer
    for column in missing_columns(conn):
        ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE {preparer.format_table(column.table)} "
                             f"ADD COLUMN {ddl}"))
    backfill_languages(conn)
    conn.execute(upgrades.insert().values(name=LANGUAGES, at=time.time()))
    return True


def ensure_upgraded(engine: Engine) -> bool:
    """``upgrade`` in a transaction of its own, unless already done (a cheap look first)."""
    with engine.connect() as conn:
        if is_done(conn):
            return False
    with engine.begin() as conn:
        return upgrade(conn)


def backfill_languages(conn: Connection) -> None:
    """``first_in_language`` of every turn, the ``languages`` of every conversation's state
    and the ``lang_convs`` / ``lang_fallbacks`` counters, exactly as
    ``rollup.contributions`` and ``translate`` make them."""
    has_language = sa.and_(turns.c.language.is_not(None), turns.c.language != "")
    earlier = turns.alias("earlier")
    first = ~sa.exists().where(earlier.c.conversation == turns.c.conversation,
                               earlier.c.language == turns.c.language,
                               earlier.c.turn < turns.c.turn)
    conn.execute(turns.update().values(first_in_language=sa.and_(has_language, first)))
    seen: Dict[str, Set[str]] = {}
    for conversation, language in conn.execute(
            sa.select(turns.c.conversation, turns.c.language).where(has_language).distinct()):
        seen.setdefault(conversation, set()).add(language)
    rows = [{"cid": cid, "found": ",".join(sorted(codes))} for cid, codes in seen.items()]
    statement = (conversations.update().where(conversations.c.id == sa.bindparam("cid"))
                 .values(languages=sa.bindparam("found")))
    for start in range(0, len(rows), _ROWS):
        conn.execute(statement, rows[start:start + _ROWS])
    metrics = (rollup.LANGUAGE_CONVERSATIONS, rollup.LANGUAGE_FALLBACKS)
    conn.execute(daily.delete().where(daily.c.metric.in_(metrics)))
    for metric, condition in zip(metrics, (turns.c.first_in_language, turns.c.fallback)):
        counted = (sa.select(turns.c.day, sa.literal(metric), turns.c.language,
                             sa.func.count())
                   .where(has_language, condition)
                   .group_by(turns.c.day, turns.c.language))
        conn.execute(daily.insert().from_select(["day", "metric", "key", "n"], counted))
