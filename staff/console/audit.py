"""The audit log: who changed what, when (admins read it on the "Audit log" page).

Entries never hold a password or a session token; callers pass plain descriptions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff.console.db import audit_table


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: float
    user: str
    action: str
    detail: str


class AuditLog:
    """Appends to and reads ``console_audit``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, user: str, action: str, detail: str = "") -> None:
        """Appends one entry (``action``: a short verb such as ``faq saved``)."""
        with self.engine.begin() as connection:
            connection.execute(audit_table.insert().values(
                at=time.time(), user=user, action=action, detail=detail[:2000]))

    def recent(self, limit: int = 200) -> List[AuditEntry]:
        """The newest entries first."""
        query = sa.select(audit_table).order_by(audit_table.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [AuditEntry(row.at, row.user, row.action, row.detail)
                    for row in connection.execute(query)]

    def last_times(self, action: str) -> Dict[str, float]:
        """When each user last did ``action`` (e.g. ``signed in``): user -> time."""
        query = (sa.select(audit_table.c.user, sa.func.max(audit_table.c.at))
                 .where(audit_table.c.action == action).group_by(audit_table.c.user))
        with self.engine.connect() as connection:
            return {str(user): float(at) for user, at in connection.execute(query)}
