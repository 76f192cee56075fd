"""Publishing the draft, rolling back, and "Try it", with the same logic as ``make retrain``.

``publish_draft`` runs ``staff.faq.publish.Publisher`` (static checks, the quality gate,
``FaqStore.publish``; through ``staff.console.progress`` to report each step) with the draft
as its source and the signed-in user as the author, and words the outcome for the console. ``TryIt`` answers a test message against the draft with
the running assistant's decision (``clinic.faq.retrieval.decide``), as ``staff.faq.quality``
measures it.
"""

from __future__ import annotations

import functools
import io
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from clinic.faq.model import Faq
from staff.faq.text import Problem
from clinic.faq.retrieval import FaqIndex, RetrievalSettings, decide_message, faq_texts
from clinic.language.detect import detect_language
from clinic.language.text import SPANISH
from clinic.faq.store import FaqStore, StaleVersion, StoreError
from staff.console.drafts import Draft
from staff.console.forms import problem_text, with_form_lines
from staff.console.progress import Report, ReportingPublisher
from staff.faq.check import ProjectData, load_project_data, static_problems
from staff.faq.publish import (
    EXIT_NEWER,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_REFUSED,
    Vectors,
    describe_changes,
    model_others,
    retrieval_settings,
)

MAX_TRY_CHARS = 500


@functools.lru_cache(maxsize=1)
def project_data() -> ProjectData:
    """The training data and test questions the FAQs are checked against (read once)."""
    return load_project_data()


def draft_faqs(draft: Draft) -> List[Faq]:
    """The draft's FAQs, with the form's line numbers (so problems map to fields)."""
    return [with_form_lines(item.faq) for item in draft.faqs()]


def check_draft(faqs: Sequence[Faq]) -> List[Problem]:
    """``make faq-check``'s static checks on the draft."""
    return static_problems(faqs, Path("faq"), project_data())


@dataclass
class DraftSource:
    """The draft as the Publisher's source of FAQs (``staff.faq.publish.FaqSource``)."""

    draft: Draft

    def load(self) -> Tuple[List[Faq], List[Problem]]:
        """The draft's FAQs (the Publisher runs the checks)."""
        return draft_faqs(self.draft), []

    def synced_version(self) -> Optional[int]:
        """The newest store version the draft has seen."""
        return self.draft.head()[1]

    def mark_synced(self, version: Optional[int]) -> None:
        """After a publish (or nothing to publish): the draft equals the live version."""
        self.draft.mark_synced(self.draft.store.live_version_number(), version)


@dataclass
class Outcome:
    """What the console shows after publish or roll back."""

    ok: bool
    title: str
    lines: List[str] = field(default_factory=list)
    version: Optional[int] = None
    newer: bool = False  # the store has a version the draft has not seen


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def publish_draft(store: FaqStore, draft: Draft, author: str,
                  report: Optional[Report] = None) -> Outcome:
    """Checks, gates and publishes the draft as a new version by ``author``; ``report``
    hears each step as it starts (``staff.console.progress``)."""
    out = io.StringIO()
    publisher = ReportingPublisher(store, author=author, out=out, source=DraftSource(draft),
                                   report=report)
    code = publisher.publish()
    if code == EXIT_OK and publisher.last_info is not None:
        info = publisher.last_info
        return Outcome(True, f"Published FAQ version {info.version} by {info.author}: "
                       f"{'; '.join(info.changes)}. The assistant answers with it within "
                       "2 seconds.", version=info.version)
    if code == EXIT_OK:
        live = store.live_version_number()
        return Outcome(True, f"The draft is the same as the live version {live}: nothing to "
                       "publish.", version=live)
    if code == EXIT_PROBLEMS:
        names = {item.name: item.faq.question for item in draft.faqs()}
        lines = [f"'{names.get(Path(p.path).stem, Path(p.path).stem)}': {problem_text(p)}"
                 if p.path else problem_text(p)
                 for p in publisher.last_problems if p.is_error]
        return Outcome(False, "Not published: fix these problems first (they are also shown "
                       "beside the field on each FAQ's page). The assistant is unchanged.",
                       lines)
    if code == EXIT_REFUSED and publisher.last_report is not None:
        return Outcome(False, "NOT published, because something would get worse. The "
                       "assistant is unchanged.", list(publisher.last_report.problems))
    if code == EXIT_NEWER and publisher.last_newer is not None:
        newer = publisher.last_newer
        changes = describe_changes(newer.faqs, draft_faqs(draft))
        return Outcome(False, f"Not published: version {newer.version} was published by "
                       f"{newer.info.author} on {_when(newer.info.created_at)}, after this "
                       "draft was started. Publishing the draft would undo it. To keep "
                       "it, start the draft over from the live version (your unpublished "
                       "changes below are then discarded: note them first).",
                       [f"the draft would: {change}" for change in changes], newer=True)
    detail = out.getvalue().strip().splitlines()
    return Outcome(False, "Not published: the FAQ store is busy or cannot be reached. "
                   "Nothing changed; please try again in a moment.", detail[-1:])


def roll_back(store: FaqStore, draft: Draft, version: int, seen_live: Optional[int],
              author: str) -> Outcome:
    """Makes ``version`` live again and starts the draft over from it."""
    try:
        info = store.activate(version, author, base=seen_live)
        target = store.get(version)
    except KeyError:
        return Outcome(False, f"There is no version {version}.")
    except StaleVersion as exc:
        return Outcome(False, f"Nothing was rolled back: {exc}. Look at the history again "
                       "and choose once more.")
    except StoreError as exc:
        return Outcome(False, f"Nothing was rolled back: {exc}. Please try again.")
    draft.reset(target.faqs, version, store.newest_version_number(), author)
    return Outcome(True, f"Rolled back: FAQ version {info.version} (by {info.author}) is live "
                   "again; the assistant answers with it within 2 seconds. The draft now "
                   "holds this version.", version=version)


@dataclass(frozen=True)
class TryResult:
    """Which FAQ would answer a test message (``kind``: answer, choose or none)."""

    kind: str
    questions: Tuple[str, ...] = ()
    answer: str = ""
    wording: str = ""
    score: float = 0.0
    answer_es: str = ""  # what a Spanish conversation gets, when the FAQ has it


class TryIt:
    """Answers test messages against the draft; the encoder is loaded on first use."""

    def __init__(self, store: FaqStore) -> None:
        self.vectors = Vectors(store)
        self._lock = threading.Lock()
        self._others: Optional[np.ndarray] = None
        self._settings: Optional[RetrievalSettings] = None

    def answer(self, faqs: Sequence[Faq], message: str) -> TryResult:
        """What the assistant would do with ``message`` if the draft were live."""
        message = " ".join(message.split())[:MAX_TRY_CHARS]
        with self._lock:
            if self._others is None:
                self._others, self._settings = model_others(), retrieval_settings()
            texts = [t for faq in faqs for t in faq_texts(faq)]
            table = self.vectors.for_texts(texts + [message])
            self.vectors.new.clear()  # nothing is stored from here
        index = FaqIndex.build(None, faqs, table)
        vector = table[message]
        decision = decide_message(index, vector, self._others,
                                  self._settings or RetrievalSettings(),
                                  detect_language(message).code == SPANISH)
        if decision.kind == "none":
            return TryResult("none")
        best = decision.matches[0]
        faq = index.by_name[best.name]
        return TryResult(decision.kind, tuple(m.question for m in decision.matches),
                         faq.answer, best.wording, best.score, faq.answer_es)
