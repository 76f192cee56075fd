"""The ``analytics_*`` tables (in the tracker store's database, ``DATABASE_URL``).

* ``analytics_turns``: one row per visitor message (``clinic.analytics.translate.Turn``);
* ``analytics_funnel``: booking funnel steps (``started``, ``completed``);
* ``analytics_daily``: per-day counters derived from the turns (``clinic.analytics.rollup``),
  what the dashboard reads;
* ``analytics_conversations``: what the consumer remembers between events of a conversation;
* ``analytics_offsets``: how far the embedded event queue has been read (same transaction as
  the rows derived from it, so a restart never counts anything twice);
* ``analytics_seen``: a hash of every event applied, so a redelivered RabbitMQ message is
  never counted twice.

Conversations appear only as a hash of the sender id. Purge and forget:
``clinic.analytics.retention``.

``ensure_schema`` creates what is missing; ``clinic.analytics.upgrade`` brings a database made
by an earlier version up to date: columns added since (``ADDED_COLUMNS``) are added with
``ALTER TABLE … ADD COLUMN`` and filled from the stored turns, with the per-day counters they
feed, so the dashboard has the new figures for past days too (``analytics_upgrades`` records
it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clinic.settings import PROJECT_ROOT
from clinic.sqlite import sqlite_engine

metadata = sa.MetaData()

turns = sa.Table(
    "analytics_turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(32), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),  # YYYY-MM-DD, clinic's time zone
    sa.Column("hour", sa.SmallInteger, nullable=False),
    sa.Column("intent", sa.String(128)),
    sa.Column("confidence", sa.Float),
    sa.Column("topic", sa.String(160)),
    sa.Column("faq", sa.String(128)),
    sa.Column("fallback", sa.Boolean, nullable=False, default=False),
    sa.Column("did_you_mean", sa.Boolean, nullable=False, default=False),
    sa.Column("emergency", sa.Boolean, nullable=False, default=False),
    sa.Column("language", sa.String(8)),
    # the conversation's first message in ``language`` (conversations per language)
    sa.Column("first_in_language", sa.Boolean, nullable=False, default=False,
              server_default=sa.false()),
    sa.Column("latency_ms", sa.Integer),
    sa.Column("sensitive", sa.Boolean, nullable=False, default=False),
    sa.Column("in_form", sa.Boolean, nullable=False, default=False),
    sa.Column("user_text", sa.Text),
    sa.Column("bot_text", sa.Text),
    sa.UniqueConstraint("conversation", "turn", name="uq_analytics_turns_conversation_turn"),
    sa.Index("ix_analytics_turns_day", "day", "conversation"),
    sa.Index("ix_analytics_turns_at", "at"),
)

funnel = sa.Table(
    "analytics_funnel", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(32), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.UniqueConstraint("conversation", "turn", "step", name="uq_analytics_funnel_step"),
    sa.Index("ix_analytics_funnel_day", "day", "step"),
)

conversations = sa.Table(
    "analytics_conversations", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False),
    sa.Column("turns", sa.Integer, nullable=False),
    sa.Column("active_loop", sa.String(64)),
    sa.Column("booking_kind", sa.String(32)),
    sa.Column("last_action", sa.String(128)),
    sa.Column("turn_open", sa.Boolean, nullable=False),
    sa.Column("languages", sa.String(64)),  # of its messages so far, e.g. "en,es"
)

daily = sa.Table(
    "analytics_daily", metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("metric", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(160), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_analytics_daily_metric_day", "metric", "day"),
)

offsets = sa.Table(
    "analytics_offsets", metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

seen = sa.Table(
    "analytics_seen", metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
)

# Which upgrades (clinic.analytics.upgrade) this database has had (not in ``TABLES``: a
# database without it is still readable, it only lacks the figures the upgrade adds).
upgrades = sa.Table(
    "analytics_upgrades", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
)

TABLES = (turns, funnel, daily, conversations, offsets, seen)
# Columns added after the tables were first released, which clinic.analytics.upgrade adds
# to an existing database (issue 21: the language of each message per conversation).
ADDED_COLUMNS = ((turns, "first_in_language"), (conversations, "languages"))
POSTGRESQL_SCHEMA_ENV = "POSTGRESQL_SCHEMA"  # Rasa's tracker store honours it too


def normalise_url(url: str, root: Path = PROJECT_ROOT) -> str:
    """A relative SQLite path is relative to the project; ``postgres://`` is accepted."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        url = prefix + str(root / url[len(prefix):])
    return url


def create_engine(url: str, schema: Optional[str] = None) -> Engine:
    """An engine for the analytics database (``DATABASE_URL``).

    On PostgreSQL, ``schema`` (default: ``POSTGRESQL_SCHEMA``) becomes the search path, as for
    Rasa's tracker store.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return sqlite_engine(url)  # pooled, WAL: Rasa reads conversations while we write
    schema = schema if schema is not None else os.environ.get(POSTGRESQL_SCHEMA_ENV)
    kwargs: dict = {}
    if schema:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    # values_plus_batch: psycopg2 sends many UPDATEs in one round trip (the consumer's batches)
    return sa.create_engine(url, future=True, pool_pre_ping=True,
                            executemany_mode="values_plus_batch", **kwargs)


def ensure_schema(engine: Engine) -> None:
    """Creates the tables and indexes that do not exist yet (idempotent). Tables made by an
    earlier version are brought up to date by ``clinic.analytics.upgrade`` (the writer runs
    both)."""
    metadata.create_all(engine)


def has_tables(conn: Connection) -> bool:
    """True when every analytics table exists in this database (SQLite creates them one by
    one, so a reader may look while the consumer is still creating them)."""
    return {t.name for t in TABLES} <= set(sa.inspect(conn).get_table_names())

