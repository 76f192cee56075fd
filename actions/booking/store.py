"""Durable booking requests with a transactional outbox (SQLAlchemy 1.4 core).

A request and one outbox row per delivery channel are written in ONE transaction, so a
request the visitor was told about is never lost and never forgotten by the worker. The
worker (``actions/booking/worker.py``) claims due outbox rows, delivers them and marks each
row delivered in its own transaction; the outbox id doubles as the idempotency key, so a
target sees every request once per channel even when a delivery is retried.

SQLite by default (``var/bookings.db``), PostgreSQL via ``BOOKING_DATABASE_URL``. Engines
are created lazily, never at import time.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions.booking.settings import resolve_database_url
from clinic.sqlite import sqlite_engine

logger = logging.getLogger(__name__)

KIND_BOOKING = "booking"  # a visitor asks for a session
KIND_CALLBACK = "callback"  # a visitor asks the team to call (or write) back
#: Conversation languages stored with a request (``language``; NULL: not known / older rows).
SUPPORTED_LANGUAGES = ("en", "es")
STATUS_PENDING = "pending"
STATUS_DELIVERED = "delivered"
CLAIM_LEASE = timedelta(minutes=5)

metadata = sa.MetaData()

requests_table = sa.Table(
    "booking_requests",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(254)),
    sa.Column("therapy", sa.String(16), nullable=False),
    sa.Column("preferred_times", sa.Text, nullable=False),
    sa.Column("preferred_times_parsed", sa.Text),
    sa.Column("concern", sa.Text),
    sa.Column("contraindication_note", sa.Text),
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("handled_at", sa.DateTime),
    # Added after the first release: ``ensure_schema`` adds it to older databases.
    sa.Column("kind", sa.String(16), nullable=False, server_default=KIND_BOOKING),
    # The conversation's language ("en", "es"; NULL when not known). Added with issue 21
    # part 4; ``ensure_schema`` adds it to older databases.
    sa.Column("language", sa.String(8)),
)

outbox_table = sa.Table(
    "booking_outbox",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "request_id",
        sa.String(36),
        sa.ForeignKey("booking_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default=STATUS_PENDING),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("last_error", sa.String(200)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("delivered_at", sa.DateTime),
    sa.UniqueConstraint("request_id", "channel", name="uq_booking_outbox_request_channel"),
    sa.Index("ix_booking_outbox_due", "status", "next_attempt_at"),
)


class BookingStoreError(RuntimeError):
    """The booking database could not be read or written (details are in ``__cause__``)."""


def utcnow() -> datetime:
    """Naive UTC ``datetime`` (what the tables store, on SQLite and PostgreSQL alike)."""
    return datetime.utcnow().replace(microsecond=0)


@dataclass
class BookingRequest:
    """One visitor's request, as the form collected it."""

    sender_id: str
    name: str
    therapy: str
    preferred_times: str
    consent: bool
    phone: Optional[str] = None
    email: Optional[str] = None
    preferred_times_parsed: Optional[Dict[str, Any]] = None
    concern: Optional[str] = None
    contraindication_note: Optional[str] = None
    id: Optional[str] = None
    created_at: Optional[datetime] = None
    handled_at: Optional[datetime] = None
    kind: str = KIND_BOOKING
    language: Optional[str] = None  # the conversation's language: "en", "es" or not known

    def payload(self) -> Dict[str, Any]:
        """What the clinic receives through every channel (no conversation id)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "created_at": self.created_at.isoformat() + "Z" if self.created_at else None,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "therapy": self.therapy,
            "preferred_times": self.preferred_times,
            "preferred_times_parsed": self.preferred_times_parsed,
            "concern": self.concern or None,
            "contraindication_note": self.contraindication_note or None,
            "consent_to_contact": self.consent,
            "language": self.language,
            "source": "website assistant",
        }


@dataclass
class Delivery:
    """One outbox row: one request to be delivered through one channel."""

    id: str
    request_id: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: Optional[str] = None
    delivered_at: Optional[datetime] = None


@dataclass
class StoredRequest:
    """A request with its delivery rows (for the staff CLI)."""

    request: BookingRequest
    deliveries: List[Delivery] = field(default_factory=list)


def _request_from_row(row: Any) -> BookingRequest:
    parsed = row.preferred_times_parsed
    return BookingRequest(
        id=row.id,
        created_at=row.created_at,
        sender_id=row.sender_id,
        name=row.name,
        phone=row.phone,
        email=row.email,
        therapy=row.therapy,
        preferred_times=row.preferred_times,
        preferred_times_parsed=json.loads(parsed) if parsed else None,
        concern=row.concern,
        contraindication_note=row.contraindication_note,
        consent=bool(row.consent),
        handled_at=row.handled_at,
        kind=row.kind or KIND_BOOKING,
        language=row.language,
    )


def _delivery_from_row(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        request_id=row.request_id,
        channel=row.channel,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


def create_booking_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its folder, WAL mode and foreign keys."""
    url = resolve_database_url(url)
    if url.startswith("sqlite"):
        return sqlite_engine(url, pooled=False, extra_pragmas=("foreign_keys=ON",))
    return sa.create_engine(url, future=True, pool_pre_ping=True)


class BookingStore:
    """Booking requests and their outbox, in one database."""

    def __init__(self, engine: Engine, local_outbox_path: Optional[Path] = None) -> None:
        self.engine = engine
        self.local_outbox_path = local_outbox_path
        self._schema_ready = False

    @classmethod
    def from_url(cls, url: str, local_outbox_path: Optional[Path] = None) -> "BookingStore":
        """A store for a SQLAlchemy URL (``sqlite:///...`` or ``postgresql://...``).

        ``local_outbox_path`` is the local channel's file; when given, deleting a visitor's
        requests also removes their lines from it.
        """
        try:
            return cls(create_booking_engine(url), local_outbox_path)
        except (SQLAlchemyError, OSError) as exc:
            raise BookingStoreError("could not open the booking database") from exc

    def ensure_schema(self) -> None:
        """Creates the tables when they do not exist yet (idempotent)."""
        if self._schema_ready:
            return
        for attempt in range(3):
            try:
                metadata.create_all(self.engine)
                self._add_missing_columns()
                break
            except SQLAlchemyError as exc:
                # The action server and the worker may create the tables at the same
                # moment ("already exists"): look again, the other one may have won.
                if attempt == 2:
                    raise BookingStoreError("could not create the booking tables") from exc
                time.sleep(0.2 * (attempt + 1))
        self._schema_ready = True

    def _add_missing_columns(self) -> None:
        """Adds columns introduced after a database was created (same on SQLite and PostgreSQL)."""
        present = {c["name"] for c in sa.inspect(self.engine).get_columns("booking_requests")}
        if "kind" not in present:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "ALTER TABLE booking_requests ADD COLUMN kind VARCHAR(16) "
                        f"NOT NULL DEFAULT '{KIND_BOOKING}'"
                    )
                )
        if "language" not in present:
            with self.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE booking_requests ADD COLUMN language VARCHAR(8)"))

    # ------------------------------------------------------------------ writing

    def save_request(
        self, request: BookingRequest, channels: Sequence[str], now: Optional[datetime] = None
    ) -> str:
        """Stores ``request`` and one pending outbox row per channel, atomically.

        Returns:
            The new request's id.

        Raises:
            BookingStoreError: nothing was stored.
        """
        if not channels:
            raise ValueError("at least one delivery channel is needed")
        self.ensure_schema()
        now = now or utcnow()
        request.id = request.id or str(uuid.uuid4())
        request.created_at = request.created_at or now
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    requests_table.insert().values(
                        id=request.id,
                        created_at=request.created_at,
                        sender_id=request.sender_id,
                        name=request.name,
                        phone=request.phone,
                        email=request.email,
                        therapy=request.therapy,
                        preferred_times=request.preferred_times,
                        preferred_times_parsed=(
                            json.dumps(request.preferred_times_parsed)
                            if request.preferred_times_parsed is not None
                            else None
                        ),
                        concern=request.concern or None,
                        contraindication_note=request.contraindication_note or None,
                        consent=request.consent,
                        kind=request.kind,
                        language=request.language,
                    )
                )
                conn.execute(
                    outbox_table.insert(),
                    [
                        {
                            "id": str(uuid.uuid4()),
                            "request_id": request.id,
                            "channel": channel,
                            "status": STATUS_PENDING,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                        for channel in dict.fromkeys(channels)
                    ],
                )
        except SQLAlchemyError as exc:
            raise BookingStoreError("could not store the booking request") from exc
        return request.id

    def mark_handled(self, request_id: str, now: Optional[datetime] = None) -> Optional[str]:
        """Marks a request handled by staff; ``request_id`` may be a unique prefix.

        Returns:
            The full id, or ``None`` when no single request matches.
        """
        self.ensure_schema()
        matches = self._ids_with_prefix(request_id)
        if len(matches) != 1:
            return None
        with self.engine.begin() as conn:
            conn.execute(
                requests_table.update()
                .where(requests_table.c.id == matches[0])
                .values(handled_at=now or utcnow())
            )
        return matches[0]

    def delete_by_sender(self, sender_id: str) -> int:
        """Deletes every request (and its outbox rows) of one conversation.

        Returns:
            How many requests were deleted.
        """
        self.ensure_schema()
        with self.engine.begin() as conn:
            ids = [
                row.id
                for row in conn.execute(
                    sa.select(requests_table.c.id).where(requests_table.c.sender_id == sender_id)
                )
            ]
            deleted = self._delete_ids(conn, ids)
        self._forget_local_deliveries(ids)
        return deleted

    def purge_older_than(self, days: float, now: Optional[datetime] = None) -> int:
        """Deletes requests (and outbox rows) created more than ``days`` days ago.

        Returns:
            How many requests were deleted.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        self.ensure_schema()
        cutoff = (now or utcnow()) - timedelta(days=days)
        with self.engine.begin() as conn:
            ids = [
                row.id
                for row in conn.execute(
                    sa.select(requests_table.c.id).where(requests_table.c.created_at < cutoff)
                )
            ]
            deleted = self._delete_ids(conn, ids)
        self._forget_local_deliveries(ids)
        return deleted

    @staticmethod
    def _delete_ids(conn: Any, ids: List[str]) -> int:
        deleted = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(outbox_table.delete().where(outbox_table.c.request_id.in_(chunk)))
            deleted += conn.execute(
                requests_table.delete().where(requests_table.c.id.in_(chunk))
            ).rowcount
        return deleted

    def _forget_local_deliveries(self, request_ids: Iterable[str]) -> None:
        ids = set(request_ids)
        if ids and self.local_outbox_path is not None:
            from actions.booking.local_client import forget_requests

            forget_requests(self.local_outbox_path, ids)

    # ------------------------------------------------------------------ outbox

    def claim_due(self, now: Optional[datetime] = None, limit: int = 20) -> List[Delivery]:
        """Claims pending deliveries whose time has come (a lease keeps workers apart)."""
        self.ensure_schema()
        now = now or utcnow()
        o = outbox_table.c
        with self.engine.begin() as conn:
            candidates = [
                _delivery_from_row(row)
                for row in conn.execute(
                    sa.select(outbox_table)
                    .where(o.status == STATUS_PENDING, o.next_attempt_at <= now)
                    .where(sa.or_(o.locked_until.is_(None), o.locked_until < now))
                    .order_by(o.next_attempt_at, o.created_at)
                    .limit(limit)
                )
            ]
        claimed: List[Delivery] = []
        for delivery in candidates:
            with self.engine.begin() as conn:
                result = conn.execute(
                    outbox_table.update()
                    .where(o.id == delivery.id, o.status == STATUS_PENDING)
                    .where(sa.or_(o.locked_until.is_(None), o.locked_until < now))
                    .values(locked_until=now + CLAIM_LEASE)
                )
            if result.rowcount == 1:
                claimed.append(delivery)
        return claimed

    def get_request(self, request_id: str) -> Optional[BookingRequest]:
        """One request by id, or ``None``."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(requests_table).where(requests_table.c.id == request_id)
            ).first()
        return _request_from_row(row) if row else None

    def mark_delivered(self, delivery_id: str, now: Optional[datetime] = None) -> bool:
        """Marks one delivery done, in its own transaction (only if still pending)."""
        o = outbox_table.c
        with self.engine.begin() as conn:
            result = conn.execute(
                outbox_table.update()
                .where(o.id == delivery_id, o.status == STATUS_PENDING)
                .values(
                    status=STATUS_DELIVERED,
                    delivered_at=now or utcnow(),
                    attempts=o.attempts + 1,
                    locked_until=None,
                    last_error=None,
                )
            )
        return result.rowcount == 1

    def mark_failed(self, delivery_id: str, error_code: str, retry_at: datetime) -> None:
        """Records a failed attempt; the row stays pending until ``retry_at``."""
        o = outbox_table.c
        with self.engine.begin() as conn:
            conn.execute(
                outbox_table.update()
                .where(o.id == delivery_id, o.status == STATUS_PENDING)
                .values(
                    attempts=o.attempts + 1,
                    next_attempt_at=retry_at,
                    locked_until=None,
                    last_error=error_code[:200],
                )
            )

    # ------------------------------------------------------------------ reading

    def list_requests(self) -> List[StoredRequest]:
        """Every request, newest first, with its delivery rows."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(requests_table).order_by(requests_table.c.created_at.desc())
            ).all()
            deliveries = conn.execute(
                sa.select(outbox_table).order_by(outbox_table.c.channel)
            ).all()
        by_request: Dict[str, List[Delivery]] = {}
        for row in deliveries:
            by_request.setdefault(row.request_id, []).append(_delivery_from_row(row))
        return [StoredRequest(_request_from_row(row), by_request.get(row.id, [])) for row in rows]

    def deliveries_for(self, request_id: str) -> List[Delivery]:
        """The outbox rows of one request."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            return [
                _delivery_from_row(row)
                for row in conn.execute(
                    sa.select(outbox_table)
                    .where(outbox_table.c.request_id == request_id)
                    .order_by(outbox_table.c.channel)
                )
            ]

    def _ids_with_prefix(self, prefix: str) -> List[str]:
        prefix = prefix.strip()
        if not prefix:
            return []
        with self.engine.connect() as conn:
            exact = conn.execute(
                sa.select(requests_table.c.id).where(requests_table.c.id == prefix)
            ).first()
            if exact:
                return [exact.id]
            like = prefix.replace("\\", "").replace("%", "").replace("_", "") + "%"
            return [
                row.id
                for row in conn.execute(
                    sa.select(requests_table.c.id).where(requests_table.c.id.like(like)).limit(2)
                )
            ]

    def dispose(self) -> None:
        """Closes the engine's connections."""
        self.engine.dispose()


_stores: Dict[str, BookingStore] = {}


def store_for(url: str, local_outbox_path: Optional[Path] = None) -> BookingStore:
    """A process-wide store per URL, created on first use."""
    store = _stores.get(url)
    if store is None:
        store = _stores[url] = BookingStore.from_url(url, local_outbox_path)
    return store
