"""The versioned FAQ store: every publish is an immutable, numbered version.

It lives in the tracker store's database (``DATABASE_URL``: SQLite by default, PostgreSQL in
production), so every server replica reads the same versions. Four tables:

* ``faq_head``: one row, the live version and the next number to hand out: what servers poll,
  and the row every write changes first, with a compare-and-swap (below);
* ``faq_versions``: number, author, time, what changed, and the FAQs as JSON (never updated);
* ``faq_activations``: an append-only log of what went live when (publish and rollback);
* ``faq_vectors``: sentence vectors of FAQ wordings, keyed by encoder and text, written by
  the publisher so that servers build their index without encoding thousands of texts.

Every write is one transaction that starts with ``UPDATE faq_head ... WHERE live_version =
<the version the change was based on>``. The database serialises writers on that row: of two
publishes based on the same version, the second finds the row changed (zero rows updated) and
gets ``StaleVersion``, and nothing of it is written; a writer that cannot get the row in time
gets ``ConcurrentPublish`` (retry). So a version is never half-written and nobody overwrites
a newer version unknowingly.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from clinic.faq.model import Faq, faq_from_record, faq_to_record

metadata = sa.MetaData()
NO_VERSION = 0  # faq_head.live_version of a store nothing was published to

head_table = sa.Table(
    "faq_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("live_version", sa.Integer, nullable=False),
    sa.Column("next_version", sa.Integer, nullable=False),
)

versions_table = sa.Table(
    "faq_versions", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("changes", sa.Text, nullable=False),  # JSON list of sentences
    sa.Column("content", sa.Text, nullable=False),  # JSON list of FAQ records
    sa.Column("content_hash", sa.String(64), nullable=False),
)

activations_table = sa.Table(
    "faq_activations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),  # publish | rollback
)

vectors_table = sa.Table(
    "faq_vectors", metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # sha256(encoder + text)
    sa.Column("vector", sa.LargeBinary, nullable=False),  # float32 bytes
)


class StoreError(RuntimeError):
    """The store cannot be read or written (database down, locked, broken)."""


class ConcurrentPublish(StoreError):
    """Another publish got the same version number first: nothing was written, retry."""


class StaleVersion(StoreError):
    """The live version is not the one the publish was based on."""

    def __init__(self, live: Optional["VersionInfo"], base: Optional[int]) -> None:
        self.live = live
        self.base = base
        who = f"version {live.version} by {live.author}" if live else "no version"
        super().__init__(f"the store has moved on: {who} is live, this change was based on "
                         f"version {base if base is not None else 'none'}")


@dataclass(frozen=True)
class VersionInfo:
    """One version's header (what the history lists)."""

    version: int
    author: str
    created_at: float
    changes: Tuple[str, ...]
    content_hash: str


@dataclass(frozen=True)
class FaqVersion:
    """One version with its FAQs."""

    info: VersionInfo
    faqs: Tuple[Faq, ...]

    @property
    def version(self) -> int:
        """The version number."""
        return self.info.version


def content_hash(faqs: Sequence[Faq]) -> str:
    """A fingerprint of the FAQs' content (order-independent), to compare with files."""
    records = sorted((faq_to_record(faq) for faq in faqs), key=lambda r: r["name"])
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode("utf-8")).hexdigest()


def vector_key(encoder: str, text: str) -> str:
    """The ``faq_vectors`` key of one text under one encoder."""
    return hashlib.sha256(f"{encoder}\n{text}".encode("utf-8")).hexdigest()


def _info(row: Mapping[str, Any]) -> VersionInfo:
    return VersionInfo(int(row["version"]), str(row["author"]), float(row["created_at"]),
                       tuple(json.loads(row["changes"])), str(row["content_hash"]))


class FaqStore:
    """Reads and writes FAQ versions in one database (a SQLAlchemy URL)."""

    def __init__(self, url: str, connect_timeout: float = 5.0) -> None:
        self.url = url
        connect_args: Dict[str, Any] = {}
        if url.startswith("sqlite"):
            connect_args = {"timeout": connect_timeout}
        elif url.startswith("postgresql"):
            connect_args = {"connect_timeout": int(max(1, connect_timeout))}
        self.engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True,
                                       future=True)
        self._schema_ready = False

    def close(self) -> None:
        """Releases the connections."""
        self.engine.dispose()

    def ensure_schema(self) -> None:
        """Creates the tables and the head row when missing (idempotent, safe to race)."""
        if self._schema_ready:
            return
        try:
            metadata.create_all(self.engine, checkfirst=True)
            with self.engine.begin() as connection:
                if connection.execute(sa.select(head_table.c.id)).first() is None:
                    connection.execute(head_table.insert().values(
                        id=1, live_version=NO_VERSION, next_version=1))
        except IntegrityError:
            pass  # another process created the head row at the same moment
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be opened: {type(exc).__name__}") from exc
        self._schema_ready = True

    # ------------------------------------------------------------------ reading

    def live_version_number(self) -> Optional[int]:
        """The live version's number (one small query: what servers poll)."""
        self.ensure_schema()
        try:
            with self.engine.connect() as connection:
                value = connection.execute(sa.select(head_table.c.live_version)).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc
        return int(value) if value else None

    def newest_version_number(self) -> Optional[int]:
        """The highest version number ever published (live or not)."""
        self.ensure_schema()
        try:
            with self.engine.connect() as connection:
                value = connection.execute(
                    sa.select(sa.func.max(versions_table.c.version))).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc
        return int(value) if value else None

    def get(self, version: int) -> FaqVersion:
        """One version with its FAQs (``KeyError`` when there is no such version)."""
        self.ensure_schema()
        query = sa.select(versions_table).where(versions_table.c.version == version)
        try:
            with self.engine.connect() as connection:
                row = connection.execute(query).mappings().first()
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc
        if row is None:
            raise KeyError(version)
        faqs = tuple(faq_from_record(record) for record in json.loads(row["content"]))
        return FaqVersion(_info(row), faqs)

    def live(self) -> Optional[FaqVersion]:
        """The live version, or ``None`` on a store nothing was published to."""
        number = self.live_version_number()
        return self.get(number) if number is not None else None

    def history(self, limit: int = 50) -> List[VersionInfo]:
        """The newest versions first."""
        self.ensure_schema()
        query = (sa.select(versions_table.c.version, versions_table.c.author,
                           versions_table.c.created_at, versions_table.c.changes,
                           versions_table.c.content_hash)
                 .order_by(versions_table.c.version.desc()).limit(limit))
        try:
            with self.engine.connect() as connection:
                return [_info(row) for row in connection.execute(query).mappings()]
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc

    def activations(self, limit: int = 20) -> List[Tuple[int, str, float, str]]:
        """What went live when, newest first: (version, author, time, publish|rollback)."""
        self.ensure_schema()
        query = (sa.select(activations_table.c.version, activations_table.c.author,
                           activations_table.c.at, activations_table.c.reason)
                 .order_by(activations_table.c.id.desc()).limit(limit))
        try:
            with self.engine.connect() as connection:
                return [(int(v), str(a), float(t), str(r))
                        for v, a, t, r in connection.execute(query)]
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc

    def vectors(self, encoder: str, texts: Iterable[str]) -> Dict[str, np.ndarray]:
        """Stored vectors for those of ``texts`` that have one."""
        self.ensure_schema()
        wanted = {vector_key(encoder, text): text for text in texts}
        found: Dict[str, np.ndarray] = {}
        keys = list(wanted)
        try:
            with self.engine.connect() as connection:
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    query = sa.select(vectors_table).where(vectors_table.c.key.in_(chunk))
                    for row in connection.execute(query):
                        found[wanted[row.key]] = np.frombuffer(row.vector, dtype=np.float32)
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc
        return found

    # ------------------------------------------------------------------ writing

    def save_vectors(self, encoder: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Stores sentence vectors (texts already stored are left alone)."""
        self.ensure_schema()
        rows = {vector_key(encoder, text): np.asarray(vector, dtype=np.float32).tobytes()
                for text, vector in vectors.items()}
        if not rows:
            return
        try:
            with self.engine.begin() as connection:
                existing = set()
                keys = list(rows)
                for start in range(0, len(keys), 500):
                    query = sa.select(vectors_table.c.key).where(
                        vectors_table.c.key.in_(keys[start:start + 500]))
                    existing.update(connection.execute(query).scalars())
                new = [{"key": key, "vector": blob} for key, blob in rows.items()
                       if key not in existing]
                if new:
                    connection.execute(vectors_table.insert(), new)
        except IntegrityError:
            pass  # another publisher stored the same vectors at the same moment: fine
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be written: {type(exc).__name__}") from exc

    def _swap_head(self, connection: Any, base: Optional[int], new_live: Optional[int]
                   ) -> int:
        """The compare-and-swap every write starts with; returns the new live number.

        ``new_live`` ``None``: a new version (the next number is handed out).
        """
        expected = base if base is not None else NO_VERSION
        if new_live is None:
            values = {"live_version": head_table.c.next_version,
                      "next_version": head_table.c.next_version + 1}
        else:
            values = {"live_version": new_live}
        updated = connection.execute(
            head_table.update().where(head_table.c.id == 1)
            .where(head_table.c.live_version == expected).values(**values)).rowcount
        if updated != 1:
            live = connection.execute(sa.select(head_table.c.live_version)).scalar()
            raise StaleVersion(self._info_or_none(connection, live or None), base)
        return int(connection.execute(sa.select(head_table.c.live_version)).scalar())

    def _write(self, work: Any) -> Any:
        """Runs ``work(connection)`` in one transaction, with the store's error mapping."""
        self.ensure_schema()
        try:
            with self.engine.begin() as connection:
                return work(connection)
        except (StaleVersion, KeyError):
            raise
        except IntegrityError as exc:
            raise ConcurrentPublish("another publish took this version number first; "
                                    "nothing was written: please try again") from exc
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "lock" in str(exc.orig).lower():
                raise ConcurrentPublish("another publish is writing right now; nothing was "
                                        "written: please try again") from exc
            raise StoreError(f"the FAQ store cannot be written: {type(exc).__name__}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be written: {type(exc).__name__}") from exc

    def publish(self, faqs: Sequence[Faq], author: str, changes: Sequence[str],
                base: Optional[int]) -> VersionInfo:
        """Writes a new version and makes it live, in one transaction.

        ``base`` is the live version the change was made from (``None``: an empty store);
        when another version is live now, nothing is written (``StaleVersion``).
        """
        records = sorted((faq_to_record(faq) for faq in faqs), key=lambda r: r["name"])

        def work(connection: Any) -> VersionInfo:
            number = self._swap_head(connection, base, None)
            now = time.time()
            info = VersionInfo(number, author, now, tuple(changes), content_hash(faqs))
            connection.execute(versions_table.insert().values(
                version=number, author=author, created_at=now,
                changes=json.dumps(list(changes)), content=json.dumps(records),
                content_hash=info.content_hash))
            connection.execute(activations_table.insert().values(
                version=number, author=author, at=now, reason="publish"))
            return info

        return self._write(work)

    def activate(self, version: int, author: str, reason: str = "rollback",
                 base: Optional[int] = None) -> VersionInfo:
        """Makes an existing version live again (a rollback); ``base``: the live version the
        caller saw (default: whatever is live now)."""
        current = base if base is not None else self.live_version_number()

        def work(connection: Any) -> VersionInfo:
            info = self._info_or_none(connection, version)
            if info is None:
                raise KeyError(version)
            self._swap_head(connection, current, version)
            connection.execute(activations_table.insert().values(
                version=version, author=author, at=time.time(), reason=reason))
            return info

        return self._write(work)

    def rollback(self, author: str) -> Tuple[Optional[int], VersionInfo]:
        """Steps back one version: the newest version older than the live one goes live.

        Returns ``(version that was live, version live now)``; ``LookupError`` when there is
        nothing older to go back to.
        """
        live = self.live_version_number()
        if live is None:
            raise LookupError("nothing has been published yet")
        query = (sa.select(sa.func.max(versions_table.c.version))
                 .where(versions_table.c.version < live))
        try:
            with self.engine.connect() as connection:
                older = connection.execute(query).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"the FAQ store cannot be read: {type(exc).__name__}") from exc
        if older is None:
            raise LookupError(f"version {live} is the first version: there is none before it")
        return live, self.activate(int(older), author, base=live)

    @staticmethod
    def _info_or_none(connection: Any, version: Optional[int]) -> Optional[VersionInfo]:
        if version is None:
            return None
        row = connection.execute(
            sa.select(versions_table.c.version, versions_table.c.author,
                      versions_table.c.created_at, versions_table.c.changes,
                      versions_table.c.content_hash)
            .where(versions_table.c.version == version)).mappings().first()
        return _info(row) if row is not None else None
