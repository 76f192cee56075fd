"""The FAQ version a running server answers with, kept current by polling the store.

One ``LiveFaqs`` per process and database (``live_faqs``): a daemon thread asks the store
every ``POLL_SECONDS`` which version is live (one small query) and, when it changed, loads
that version, takes the wordings' vectors from the store (encoding only those missing) and
swaps the new ``FaqIndex`` in with one assignment. Nothing else is reloaded: the model and
the open conversations (tracker store) are untouched, so a visitor in the middle of the
booking form carries on.

When the database cannot be reached the last index stays in use and the thread tries again
at the next poll (logged without any FAQ or visitor text).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from clinic.faq.retrieval import ENCODER_ID, FaqIndex, faq_texts
from clinic.faq.store import FaqStore, StoreError

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
Encode = Callable[[Sequence[str]], np.ndarray]


class LiveFaqs:
    """The current ``FaqIndex`` of one store, refreshed in the background."""

    def __init__(self, store: FaqStore, encode: Encode, poll_seconds: float = POLL_SECONDS
                 ) -> None:
        self.store = store
        self.encode = encode
        self.poll_seconds = poll_seconds
        self._index = FaqIndex.empty()
        self._vectors: Dict[str, np.ndarray] = {}
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._refresh_lock = threading.Lock()
        self.last_error: Optional[str] = None

    @property
    def index(self) -> FaqIndex:
        """The index in use now (never ``None``; empty before the first version)."""
        return self._index

    def refresh(self) -> bool:
        """Loads the live version if it is not the one in use; True when it changed."""
        with self._refresh_lock:
            try:
                number = self.store.live_version_number()
                if number == self._index.version:
                    self.last_error = None
                    return False
                if number is None:
                    self._index = FaqIndex.empty()
                    return True
                version = self.store.get(number)
                texts = [text for faq in version.faqs for text in faq_texts(faq)]
                missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
                if missing:
                    self._vectors.update(self.store.vectors(ENCODER_ID, missing))
                    still = [t for t in missing if t not in self._vectors]
                    if still:
                        self._vectors.update(zip(still, self.encode(still)))
                self._vectors = {t: self._vectors[t] for t in texts}  # forget old wordings
                self._index = FaqIndex.build(number, version.faqs, self._vectors)
            except (StoreError, KeyError) as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != self.last_error:
                    logger.warning("FAQ store not readable, keeping FAQ version %s (%s)",
                                   self._index.version, type(exc).__name__)
                self.last_error = message
                return False
            self.last_error = None
            logger.info("FAQ version %s live (%d FAQs)", number, len(self._index))
            return True

    def start(self) -> None:
        """Loads the live version now and keeps polling in a daemon thread."""
        if self._thread is not None:
            return
        self.refresh()
        self._thread = threading.Thread(target=self._run, name="faq-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops polling (tests)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the poller must outlive any surprise
                logger.exception("FAQ poller error; trying again")
                time.sleep(self.poll_seconds)


_live: Dict[str, LiveFaqs] = {}
_live_lock = threading.Lock()


def live_faqs(url: str, encode: Encode, poll_seconds: float = POLL_SECONDS) -> LiveFaqs:
    """The process's ``LiveFaqs`` for the database ``url`` (started on first use)."""
    with _live_lock:
        if url not in _live:
            _live[url] = LiveFaqs(FaqStore(url), encode, poll_seconds)
            _live[url].start()
        return _live[url]
