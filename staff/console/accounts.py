"""Staff accounts: create or reset (``make staff-user``), sign in with a lockout.

An account is locked after ``max_failed`` wrong passwords in a row; only a password reset
(``make staff-user`` again) unlocks it. There is no default account and no default password.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff.console.db import sessions_table, users_table
from staff.console.passwords import hash_password, password_problem, verify_password

ROLES = ("editor", "admin")


@dataclass(frozen=True)
class User:
    """A signed-in (or signing-in) staff member."""

    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Admins also read the audit log (and, later, manage accounts and bookings)."""
        return self.role == "admin"


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: ``ok``, ``wrong`` or ``locked``."""

    outcome: str
    user: Optional[User] = None
    just_locked: bool = False


def valid_name(name: str) -> bool:
    """Account names: 1-40 letters, digits, dots, dashes or underscores (pure)."""
    return 0 < len(name) <= 40 and all(c.isalnum() or c in "._-" for c in name)


class Accounts:
    """Reads and writes ``console_users``."""

    def __init__(self, engine: Engine, max_failed: int = 10) -> None:
        self.engine = engine
        self.max_failed = max_failed

    def count(self) -> int:
        """How many accounts exist (the login page explains how to create the first)."""
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(
                users_table)).scalar() or 0)

    def names(self) -> List[str]:
        """All account names."""
        with self.engine.connect() as connection:
            return list(connection.execute(sa.select(users_table.c.name)).scalars())

    def set_password(self, name: str, role: str, password: str) -> bool:
        """Creates the account or resets its password, role and lock; ends its sessions.

        Returns True when the account was new. ``ValueError`` with a plain message for a
        bad name, role or password.
        """
        if not valid_name(name):
            raise ValueError("the name may use letters, digits, '.', '-' and '_' "
                             "(at most 40).")
        if role not in ROLES:
            raise ValueError(f"the role must be one of: {', '.join(ROLES)}.")
        problem = password_problem(password)
        if problem:
            raise ValueError(problem)
        hashed = hash_password(password)
        with self.engine.begin() as connection:
            exists = connection.execute(sa.select(users_table.c.name).where(
                users_table.c.name == name)).first() is not None
            values = dict(role=role, password_hash=hashed, failed_logins=0, locked=False)
            if exists:
                connection.execute(users_table.update().where(users_table.c.name == name)
                                   .values(**values))
                connection.execute(sessions_table.delete().where(
                    sessions_table.c.user == name))
            else:
                connection.execute(users_table.insert().values(
                    name=name, created_at=time.time(), **values))
        return not exists

    def sign_in(self, name: str, password: str) -> SignIn:
        """Checks a password, counting wrong ones; a locked account is always refused."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users_table).where(
                users_table.c.name == name)).mappings().first()
        if row is not None and row["locked"]:
            return SignIn("locked")
        if verify_password(row["password_hash"] if row else None, password):
            assert row is not None
            with self.engine.begin() as connection:
                connection.execute(users_table.update().where(users_table.c.name == name)
                                   .values(failed_logins=0))
            return SignIn("ok", User(str(row["name"]), str(row["role"])))
        if row is None:
            return SignIn("wrong")
        failed = int(row["failed_logins"]) + 1
        locked = failed >= self.max_failed
        with self.engine.begin() as connection:
            connection.execute(users_table.update().where(users_table.c.name == name)
                               .values(failed_logins=failed, locked=locked))
        return SignIn("wrong", just_locked=locked)

    def get(self, name: str) -> Optional[User]:
        """The account ``name``, when it exists and is not locked."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users_table).where(
                users_table.c.name == name)).mappings().first()
        if row is None or row["locked"]:
            return None
        return User(str(row["name"]), str(row["role"]))
