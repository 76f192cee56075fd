"""The SQLite engines of the project's stores (clinic/sqlite.py): folder, PRAGMAs, pooling."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from clinic.sqlite import sqlite_engine


def _pragma(engine: sa.engine.Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_a_pooled_engine_makes_the_folder_and_sets_wal_timeout_and_extras(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/folder/store.db"
    engine = sqlite_engine(url, extra_pragmas=("synchronous=NORMAL",))
    assert (tmp_path / "new" / "folder").is_dir()
    assert _pragma(engine, "journal_mode") == "wal"
    assert _pragma(engine, "busy_timeout") == 15000
    assert _pragma(engine, "synchronous") == 1  # NORMAL
    assert isinstance(engine.pool, sa.pool.QueuePool)


def test_an_unpooled_engine_sets_its_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = sqlite_engine(f"sqlite:///{tmp_path}/b.db", pooled=False,
                           extra_pragmas=("foreign_keys=ON",))
    assert not isinstance(engine.pool, sa.pool.QueuePool)
    for _ in range(2):  # a new connection each time, each with the PRAGMAs
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "journal_mode") == "wal"


def test_the_stores_use_it(tmp_path: Path) -> None:
    from actions.booking.store import create_booking_engine
    from clinic.analytics.schema import create_engine

    bookings = create_booking_engine(f"sqlite:///{tmp_path}/bookings.db")
    analytics = create_engine(f"sqlite:///{tmp_path}/analytics.db")
    assert _pragma(bookings, "foreign_keys") == 1 and _pragma(bookings, "journal_mode") == "wal"
    assert _pragma(analytics, "journal_mode") == "wal"
    assert _pragma(analytics, "foreign_keys") == 0
