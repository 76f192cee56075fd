"""Staff accounts: create or reset (``make staff-user`` and the "Accounts" page), sign in with
a lockout, and what admins do on the "Accounts" page (change role, unlock, delete).

An account is locked after ``max_failed`` wrong passwords in a row; a password reset
(``make staff-user`` again, or an admin in the console) or an admin's "Unlock" unlocks it.
There is no default account and no default password. A change that would leave no admin who
can sign in is refused (``LastAdmin``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, List, Optional

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
        """Admins also manage accounts and bookings and read the audit log."""
        return self.role == "admin"


@dataclass(frozen=True)
class AccountInfo:
    """One account as the "Accounts" page lists it (never the password hash)."""

    name: str
    role: str
    locked: bool
    failed_logins: int
    created_at: float


class AccountProblem(ValueError):
    """A name, role or password that is refused; ``field``: username, role or password."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LastAdmin(ValueError):
    """The change would leave no admin who can sign in."""


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

        Returns True when the account was new. ``AccountProblem`` (a ``ValueError``) with a
        plain message for a bad name, role or password.
        """
        return self._write_password(name, role, password, "any")

    def create(self, name: str, role: str, password: str) -> None:
        """Creates a new account ("Accounts" page); ``AccountProblem`` when the name is
        taken or the name, role or password is refused."""
        self._write_password(name, role, password, "new")

    def reset_password(self, name: str, password: str) -> None:
        """A new password for an existing account (same role): unlocks it and ends its
        sessions. ``KeyError`` when there is no such account."""
        account = self.info(name)
        if account is None:
            raise KeyError(name)
        self._write_password(name, account.role, password, "existing")

    def _write_password(self, name: str, role: str, password: str, mode: str) -> bool:
        """``mode``: ``any`` creates or resets, ``new`` only creates, ``existing`` only
        resets (``KeyError`` when the account went meanwhile)."""
        if not valid_name(name):
            raise AccountProblem("username", "the name may use letters, digits, '.', '-' "
                                 "and '_' (at most 40).")
        if role not in ROLES:
            raise AccountProblem("role", f"the role must be one of: {', '.join(ROLES)}.")
        problem = password_problem(password)
        if problem:
            raise AccountProblem("password", problem)
        hashed = hash_password(password)
        with self.engine.begin() as connection:
            exists = connection.execute(sa.select(users_table.c.name).where(
                users_table.c.name == name)).first() is not None
            if not exists and mode == "existing":
                raise KeyError(name)
            if exists and mode == "new":
                raise AccountProblem("username", f"there is already an account called "
                                     f"'{name}': choose another name, or open it to reset "
                                     "its password.")
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

    # ------------------------------------------------------------------ the "Accounts" page

    def listing(self) -> List[AccountInfo]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users_table).order_by(users_table.c.name))
            return [_info(row) for row in rows.mappings()]

    def info(self, name: str) -> Optional[AccountInfo]:
        """One account (locked or not), or ``None``."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users_table).where(
                users_table.c.name == name)).mappings().first()
        return _info(row) if row is not None else None

    def set_role(self, name: str, role: str) -> None:
        """Changes the role and ends the account's sessions. ``AccountProblem`` for an
        unknown role, ``KeyError`` without the account, ``LastAdmin`` when it is the last
        admin who can sign in."""
        if role not in ROLES:
            raise AccountProblem("role", f"the role must be one of: {', '.join(ROLES)}.")
        with self.engine.begin() as connection:
            self._guard_last_admin(connection, name, keeps_admin=role == "admin")
            connection.execute(users_table.update().where(users_table.c.name == name)
                               .values(role=role))
            connection.execute(sessions_table.delete().where(sessions_table.c.user == name))

    def unlock(self, name: str) -> None:
        """Unlocks a locked account (the count of wrong passwords starts again at 0);
        ``KeyError`` without the account."""
        with self.engine.begin() as connection:
            updated = connection.execute(users_table.update().where(
                users_table.c.name == name).values(locked=False, failed_logins=0)).rowcount
        if updated != 1:
            raise KeyError(name)

    def delete(self, name: str) -> None:
        """Deletes the account and ends its sessions (the audit log keeps its name).
        ``KeyError`` without the account, ``LastAdmin`` for the last admin."""
        with self.engine.begin() as connection:
            self._guard_last_admin(connection, name, keeps_admin=False)
            connection.execute(sessions_table.delete().where(sessions_table.c.user == name))
            connection.execute(users_table.delete().where(users_table.c.name == name))

    @staticmethod
    def _guard_last_admin(connection: Any, name: str, keeps_admin: bool) -> None:
        """Raises ``KeyError`` when ``name`` does not exist and ``LastAdmin`` when, after the
        change, no unlocked admin would remain. The admins' rows are locked for the rest of
        the transaction (``FOR UPDATE``; SQLite serialises writers anyway), so two admins
        demoting each other at once cannot both succeed."""
        admins = {row.name: bool(row.locked) for row in connection.execute(
            sa.select(users_table.c.name, users_table.c.locked)
            .where(users_table.c.role == "admin").with_for_update())}
        exists = name in admins or connection.execute(sa.select(users_table.c.name).where(
            users_table.c.name == name)).first() is not None
        if not exists:
            raise KeyError(name)
        if keeps_admin or name not in admins:
            return
        if not any(not locked for other, locked in admins.items() if other != name):
            raise LastAdmin(f"'{name}' is the last admin who can sign in: make another "
                            "account an admin first, so that someone can still manage "
                            "accounts and bookings.")


def _info(row: Any) -> AccountInfo:
    return AccountInfo(str(row["name"]), str(row["role"]), bool(row["locked"]),
                       int(row["failed_logins"] or 0), float(row["created_at"]))
