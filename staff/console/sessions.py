"""Sign-in sessions: a random token in an HttpOnly cookie, its sha256 in the database.

Each session has its own CSRF token (a hidden field of every form). A session unused for
longer than the idle timeout ends.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff.console.db import sessions_table

COOKIE = "console_session"


def token_hash(token: str) -> str:
    """What is stored for a session token (a leaked table does not give sessions away)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(expected: Optional[str], given: Optional[str]) -> bool:
    """Constant-time comparison of two tokens; missing ones never match (pure)."""
    if not expected or not given:
        return False
    return secrets.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


@dataclass(frozen=True)
class Session:
    """A live session: whose, and its CSRF token."""

    user: str
    csrf: str


class Sessions:
    """Creates, finds (ending idle ones) and ends sessions."""

    def __init__(self, engine: Engine, idle_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.idle_seconds = idle_seconds
        self.clock = clock

    def create(self, user: str) -> Tuple[str, Session]:
        """A new session for ``user``: (the cookie's token, the session)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as connection:
            connection.execute(sessions_table.insert().values(
                token_hash=token_hash(token), user=user, csrf=csrf, created_at=now,
                last_seen=now))
        return token, Session(user, csrf)

    def find(self, token: Optional[str]) -> Tuple[Optional[Session], bool]:
        """The session of ``token`` (touched), and whether it just timed out."""
        if not token:
            return None, False
        key = token_hash(token)
        now = self.clock()
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(sessions_table).where(
                sessions_table.c.token_hash == key)).mappings().first()
            if row is None:
                return None, False
            if now - float(row["last_seen"]) > self.idle_seconds:
                connection.execute(sessions_table.delete().where(
                    sessions_table.c.token_hash == key))
                return None, True
            connection.execute(sessions_table.update().where(
                sessions_table.c.token_hash == key).values(last_seen=now))
        return Session(str(row["user"]), str(row["csrf"])), False

    def end(self, token: Optional[str]) -> None:
        """Ends the session of ``token`` (sign out)."""
        if token:
            with self.engine.begin() as connection:
                connection.execute(sessions_table.delete().where(
                    sessions_table.c.token_hash == token_hash(token)))
