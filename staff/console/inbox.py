"""The review inbox: what ``make review`` finds, minus what staff already handled.

The messages are read, filtered, redacted and grouped by ``staff.review`` exactly as the
command does. A handled group's messages are remembered as keys (sha256 of the normalised,
redacted text) in ``console_review_handled``: the same text asked again stays hidden, a
different one shows up. A group is named in the pages by the key of its representative text.
Each wording carries its language (``staff.analytics.languages``); a language filter keeps
whole groups (those with a wording in it), so a group's name is the same with or without it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from staff.faq.text import normalise
from staff import review
from staff.analytics.languages import label
from staff.console.db import review_handled_table

ADDED, NEW_FAQ, DISMISSED = "added", "new faq", "dismissed"


def message_key(text: str) -> str:
    """The key of a (redacted) message: sha256 of its normalised text."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class InboxGroup:
    """One group of the inbox, as the page shows it."""

    id: str  # the key of ``text``
    text: str  # the representative (newest) wording
    count: int
    last_seen: float
    examples: Tuple[str, ...]  # the other wordings
    guess: str
    confidence: float
    language: Optional[str] = None  # of ``text``: "en", "es", None (no language)
    example_languages: Tuple[Optional[str], ...] = ()  # of ``examples``, in their order

    @property
    def languages(self) -> List[Optional[str]]:
        """The languages of its wordings, each once, representative's first."""
        found: List[Optional[str]] = []
        for code in (self.language, *self.example_languages):
            if code not in found:
                found.append(code)
        return found

    @property
    def labelled_examples(self) -> List[Tuple[str, str]]:
        """``(wording, language label)`` of the other wordings."""
        codes = list(self.example_languages) + [None] * len(self.examples)
        return [(text, label(code)) for text, code in zip(self.examples, codes)]

    @property
    def keys(self) -> Set[str]:
        """The keys of every wording of the group."""
        return {message_key(text) for text in (self.text, *self.examples)}

    @property
    def wordings(self) -> List[str]:
        """The representative wording, then the others."""
        return [self.text, *self.examples]


class InboxUnavailable(RuntimeError):
    """The conversations could not be read (the message names no visitor data)."""


class Inbox:
    """Reads the tracker store (``events`` in ``DATABASE_URL``) and the handled keys."""

    def __init__(self, engine: Engine, events_url: str) -> None:
        self.engine = engine
        self.events_url = review.resolve_database_url(events_url)

    def handled_keys(self) -> Set[str]:
        """Every key handled so far."""
        with self.engine.connect() as connection:
            return {row.key for row in connection.execute(
                sa.select(review_handled_table.c.key))}

    def groups(self, language: Optional[str] = None) -> List[InboxGroup]:
        """The open groups, most frequent and then most recent first; with ``language``
        (``en``, ``es``, ``none``) those with a wording in that language."""
        if not sa.inspect(self.engine).has_table("events"):
            return []  # the assistant has recorded no conversation in this database yet
        handled = self.handled_keys()
        try:
            messages = [m for m in review.unclear_messages(review.read_events(self.events_url))
                        if message_key(m.text) not in handled]
        except SQLAlchemyError as exc:
            raise InboxUnavailable(type(exc).__name__) from exc
        return [InboxGroup(message_key(g.text), g.text, g.count, g.last_seen,
                           tuple(g.variants), g.guess, g.confidence, g.language,
                           tuple(g.variant_languages))
                for g in review.in_language(review.group_messages(messages), language)]

    def find(self, group_id: str) -> Optional[InboxGroup]:
        """The open group named ``group_id``, or ``None`` (handled meanwhile, or unknown)."""
        return next((g for g in self.groups() if g.id == group_id), None)

    def mark_handled(self, keys: Iterable[str], action: str, user: str) -> int:
        """Remembers ``keys`` as handled; returns how many were new."""
        added = 0
        for key in sorted(set(keys)):
            try:
                with self.engine.begin() as connection:
                    connection.execute(review_handled_table.insert().values(
                        key=key, action=action, handled_by=user, handled_at=time.time()))
                added += 1
            except IntegrityError:  # handled by someone else at the same moment
                continue
        return added
