"""The draft: the console's working copy of the FAQs, in the database.

"Save" writes the draft; "Publish" turns it into a new FAQ store version. The draft knows the
store version it was started from (``base``) and the newest version it has seen (``seen``):
a version published from elsewhere since then (``make retrain``) is not overwritten
unknowingly. Every FAQ row carries a revision; a save or delete based on an older revision is
refused (``Conflict``) and nothing is written, so no edit is lost silently.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from clinic.faq.model import Faq, faq_from_record, faq_to_record
from clinic.faq.store import FaqStore
from staff.console.db import draft_faqs_table, draft_table


@dataclass(frozen=True)
class DraftFaq:
    """One FAQ of the draft with its revision and who saved it last."""

    faq: Faq
    revision: int
    updated_by: str
    updated_at: float

    @property
    def name(self) -> str:
        """The FAQ's name (its key)."""
        return self.faq.name


class Conflict(RuntimeError):
    """The FAQ changed (or went) since the form was opened; ``current`` is what is saved."""

    def __init__(self, current: Optional[DraftFaq], message: str) -> None:
        super().__init__(message)
        self.current = current


def _row(row: Any) -> DraftFaq:
    return DraftFaq(faq_from_record(json.loads(row.record)), int(row.revision),
                    str(row.updated_by), float(row.updated_at))


class Draft:
    """Reads and writes the draft tables."""

    def __init__(self, engine: Engine, store: FaqStore) -> None:
        self.engine = engine
        self.store = store

    # ------------------------------------------------------------------ the draft's head

    def head(self) -> "tuple[Optional[int], Optional[int]]":
        """(base version, newest version seen); the draft is started from the live version
        the first time it is needed."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(draft_table)).first()
        if row is not None:
            return row.base_version, row.seen_version
        live = self.store.live()
        self.reset(live.faqs if live else (), live.version if live else None,
                   self.store.newest_version_number(), "console")
        return self.head()

    def reset(self, faqs: Sequence[Faq], base: Optional[int], seen: Optional[int],
              user: str) -> None:
        """Replaces the whole draft with ``faqs`` (a version of the store)."""
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(draft_faqs_table.delete())
            connection.execute(draft_table.delete())
            connection.execute(draft_table.insert().values(id=1, base_version=base,
                                                           seen_version=seen))
            for faq in faqs:
                connection.execute(draft_faqs_table.insert().values(
                    name=faq.name, record=json.dumps(faq_to_record(faq)), revision=1,
                    updated_by=user, updated_at=now))

    def mark_synced(self, base: Optional[int], seen: Optional[int]) -> None:
        """Records that the draft equals version ``base`` and has seen up to ``seen``."""
        self.head()
        with self.engine.begin() as connection:
            connection.execute(draft_table.update().values(base_version=base,
                                                           seen_version=seen))

    # ------------------------------------------------------------------ the FAQs

    def faqs(self) -> List[DraftFaq]:
        """Every FAQ of the draft, by question."""
        self.head()
        with self.engine.connect() as connection:
            rows = [_row(row) for row in connection.execute(sa.select(draft_faqs_table))]
        return sorted(rows, key=lambda d: d.faq.question.lower())

    def get(self, name: str) -> Optional[DraftFaq]:
        """One FAQ of the draft, or ``None``."""
        self.head()
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(draft_faqs_table).where(
                draft_faqs_table.c.name == name)).first()
        return _row(row) if row is not None else None

    def create(self, faq: Faq, user: str) -> DraftFaq:
        """Adds a new FAQ (``Conflict`` when its name is taken)."""
        self.head()
        now = time.time()
        try:
            with self.engine.begin() as connection:
                connection.execute(draft_faqs_table.insert().values(
                    name=faq.name, record=json.dumps(faq_to_record(faq)), revision=1,
                    updated_by=user, updated_at=now))
        except IntegrityError as exc:
            raise Conflict(self.get(faq.name), "an FAQ with this name already exists") from exc
        return DraftFaq(faq, 1, user, now)

    def update(self, faq: Faq, revision: int, user: str) -> DraftFaq:
        """Saves ``faq`` over revision ``revision``; ``Conflict`` when that is not current."""
        now = time.time()
        with self.engine.begin() as connection:
            updated = connection.execute(
                draft_faqs_table.update()
                .where(draft_faqs_table.c.name == faq.name)
                .where(draft_faqs_table.c.revision == revision)
                .values(record=json.dumps(faq_to_record(faq)), revision=revision + 1,
                        updated_by=user, updated_at=now)).rowcount
        if updated != 1:
            raise Conflict(self.get(faq.name), "the FAQ was changed or deleted meanwhile")
        return DraftFaq(faq, revision + 1, user, now)

    def delete(self, name: str, revision: int) -> None:
        """Deletes an FAQ at ``revision``; ``Conflict`` when it changed meanwhile."""
        with self.engine.begin() as connection:
            deleted = connection.execute(
                draft_faqs_table.delete().where(draft_faqs_table.c.name == name)
                .where(draft_faqs_table.c.revision == revision)).rowcount
        if deleted != 1:
            raise Conflict(self.get(name), "the FAQ was changed or deleted meanwhile")
