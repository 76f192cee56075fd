"""The shared services the cluster needs: its PostgreSQL database, Redis and RabbitMQ.

``make cluster`` creates its own database (``clinic_cluster`` by default) when it is
missing, so it never writes into a database other people use, and says in plain words
when a service does not answer.
"""

from __future__ import annotations

import socket
from typing import List, Tuple
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from clinic.launcher import LaunchError


def split_database(url: str) -> Tuple[str, str]:
    """``(url of the server's maintenance database "postgres", database name)``."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise LaunchError(f"CLUSTER_DATABASE_URL must name a database, got {parts.path!r}.")
    return urlunsplit(parts._replace(path="/postgres")), name


def ensure_database(url: str) -> bool:
    """Creates the database of ``url`` when it does not exist; True when it was created.

    Raises:
        LaunchError: PostgreSQL does not answer, or the database cannot be created.
    """
    maintenance, name = split_database(url)
    engine = sa.create_engine(maintenance, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).scalar()
            if exists:
                return False
            quoted = engine.dialect.identifier_preparer.quote(name)
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    except SQLAlchemyError as error:
        raise LaunchError(
            f"PostgreSQL at {safe_address(url)} could not be used for the cluster's database "
            f"{name!r} ({type(error).__name__}). Start PostgreSQL, create the database "
            "yourself, or point CLUSTER_DATABASE_URL at one you may use."
        ) from error
    finally:
        engine.dispose()


def safe_address(url: str) -> str:
    """``host:port`` of ``url``, without user or password (for messages)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


def answers(url: str, default_port: int, timeout: float = 2.0) -> bool:
    """True when something accepts a TCP connection at ``url``'s host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1",
                                       parts.port or default_port), timeout=timeout):
            return True
    except OSError:
        return False


def warnings_for(redis_url: str, broker_url: str) -> List[str]:
    """Plain-language notes for the optional services that do not answer."""
    notes = []
    if not answers(redis_url, 6379):
        notes.append(f"Redis at {safe_address(redis_url)} does not answer: each Rasa server "
                     "uses in-process locks until it does (docs/reliability.md).")
    if not answers(broker_url, 5672):
        notes.append(f"RabbitMQ at {safe_address(broker_url)} does not answer: conversations "
                     "go on, analytics events are not delivered (docs/reliability.md).")
    return notes
