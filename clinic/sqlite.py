"""SQLite engines of the project's own stores (tracker store, analytics, bookings).

Every store that runs on the embedded default (SQLite, ``make run``) opens its file the same
way: the folder created, write-ahead logging (Rasa reads conversations while another process
writes), a busy timeout instead of an immediate "database is locked", and whatever extra
PRAGMAs the store needs (foreign keys for bookings, ``synchronous=NORMAL`` for the tracker
store's per-turn writes). PostgreSQL engines are made by each store as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
BASE_PRAGMAS = ("journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}")


def sqlite_pragmas(extra: Sequence[str] = ()) -> Callable[[Any, Any], None]:
    """A ``connect`` listener that sets ``BASE_PRAGMAS`` and then ``extra`` (each
    ``"name=value"``) on every new DBAPI connection."""
    pragmas = (*extra, *BASE_PRAGMAS)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return on_connect


def make_sqlite_folder(url: str) -> None:
    """Creates the folder of a file database's ``url`` (nothing for ``:memory:``)."""
    path = str(url).split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def sqlite_engine(url: Any, *, pooled: bool = True, extra_pragmas: Sequence[str] = (),
                  future: bool = True) -> Engine:
    """An engine for the SQLite database at ``url`` with the PRAGMAs above.

    ``pooled`` keeps connections open between transactions (SQLAlchemy 1.4 otherwise reopens
    the file for each one, and re-runs the PRAGMAs); pooled connections may move between
    threads, so ``check_same_thread`` is off for them.
    """
    make_sqlite_folder(str(url))
    connect_args: dict = {"timeout": BUSY_TIMEOUT_MS // 1000}
    kwargs: dict = {"future": future}
    if pooled:
        connect_args["check_same_thread"] = False
        kwargs["poolclass"] = sa.pool.QueuePool
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    sa.event.listen(engine, "connect", sqlite_pragmas(extra_pragmas))
    return engine
