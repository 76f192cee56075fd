"""Booking stores on SQLite and on a real PostgreSQL.

PostgreSQL comes from the shared ``postgres_url`` fixture (tests/services.py): the machine's
server on 127.0.0.1:5432 (database ``test``) when it answers, otherwise a throwaway server
started from Debian's postgresql package (initdb/pg_ctl run as the ``postgres`` user when
the tests run as root, in a temp dir, on a random port). Each test session gets its own
database, dropped at the end, so the booking tables never touch anything else.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from actions.booking.store import BookingStore, metadata


@pytest.fixture(scope="session")
def booking_pg_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the booking tests."""
    name = f"booking_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BookingStore]:
    """An empty booking store on each database kind."""
    outbox = tmp_path / "outbox-deliveries.jsonl"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bookings.db'}"
    else:
        url = request.getfixturevalue("booking_pg_url")
    booking_store = BookingStore.from_url(url, local_outbox_path=outbox)
    booking_store.ensure_schema()
    with booking_store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    yield booking_store
    booking_store.dispose()
