"""The console's tables, in the same database as the FAQ store (``DATABASE_URL``).

* ``console_users``: name, role, argon2 hash, failed sign-ins, locked;
* ``console_sessions``: sha256 of the session token (never the token), user, CSRF token,
  last activity;
* ``console_audit``: who did what when (never a password or a token);
* ``console_draft`` / ``console_draft_faqs``: the draft, a working copy of the FAQs based on
  a store version; every FAQ row has a revision, so a stale save is refused;
* ``console_review_handled``: the review inbox's handled messages, as the sha256 of their
  normalised (already redacted) text, never the text: what was added, turned into an FAQ or
  dismissed does not come back.
"""

from __future__ import annotations

from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

users_table = sa.Table(
    "console_users", metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions_table = sa.Table(
    "console_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user", sa.String(80), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)

audit_table = sa.Table(
    "console_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

draft_table = sa.Table(
    "console_draft", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    # the store version the draft was started from, and the newest version it has seen
    sa.Column("base_version", sa.Integer, nullable=True),
    sa.Column("seen_version", sa.Integer, nullable=True),
)

draft_faqs_table = sa.Table(
    "console_draft_faqs", metadata,
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("record", sa.Text, nullable=False),  # JSON, as clinic.faq.model.faq_to_record
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(80), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

review_handled_table = sa.Table(
    "console_review_handled", metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # sha256 of the normalised text
    sa.Column("action", sa.String(20), nullable=False),  # added, new faq, dismissed
    sa.Column("handled_by", sa.String(80), nullable=False),
    sa.Column("handled_at", sa.Float, nullable=False),
)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the console's tables created (idempotent)."""
    connect_args: Dict[str, Any] = {"timeout": 10} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, future=True)
    metadata.create_all(engine, checkfirst=True)
    return engine
