"""The steps of a publish as the console shows them, reported while ``Publisher`` runs.

``ReportingPublisher`` is ``staff.faq.publish.Publisher`` (the same checks, gate and store
write as ``make retrain``) that tells a ``Report`` callback when each step starts: the static
checks ("check"), the gate ("gate"), the write of the new version ("save"). The last step
("live") is the console's: the running servers poll the store every second
(``clinic.faq.live``) and expose no FAQ version of their own, so once the store's live version
is the new one the console says when the assistant answers with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from clinic.faq.model import Faq
from clinic.faq.store import FaqStore, FaqVersion
from staff.faq.gate import GateReport
from staff.faq.publish import Publisher, Vectors
from staff.faq.text import Problem

Report = Callable[[str, str], None]  # (step key, what the staff member reads)

STEPS: Tuple[Tuple[str, str], ...] = (
    ("check", "Checking the FAQs…"),
    ("gate", "Checking they don't take each other's questions…"),
    ("save", "Saving the new version…"),
    ("live", "Putting it live…"),
)


def saving_label(version: int) -> str:
    """The "save" step once the number is known."""
    return f"Saving version {version}…"


def live_label(version: int) -> str:
    """The last step, done."""
    return f"Saved as version {version}; the assistant answers with it within 2 seconds"


class ReportingStore:
    """A ``FaqStore`` that reports the "save" step when the new version's data is written
    (``Publisher`` saves the new vectors right before ``FaqStore.publish``)."""

    def __init__(self, store: FaqStore, report: Report) -> None:
        self._store = store
        self._report = report

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def save_vectors(self, encoder: str, vectors: Any) -> None:
        """Reports "Saving version N…" (the next number), then saves."""
        self._report("save", saving_label((self._store.newest_version_number() or 0) + 1))
        self._store.save_vectors(encoder, vectors)


@dataclass
class ReportingPublisher(Publisher):
    """``Publisher`` with a ``report`` callback for each step (``None``: silent)."""

    report: Optional[Report] = None

    def __post_init__(self) -> None:
        if self.report is not None:
            self.store = ReportingStore(self.store, self.report)  # type: ignore[assignment]

    def _step(self, key: str) -> None:
        if self.report is not None:
            self.report(key, dict(STEPS)[key])

    def load_checked(self) -> Tuple[List[Faq], List[Problem]]:
        """Reports "check", then the static checks."""
        self._step("check")
        return super().load_checked()

    def gate(self, faqs: Sequence[Faq], live: Optional[FaqVersion], vectors: Vectors
             ) -> GateReport:
        """Reports "gate", then the quality gate."""
        self._step("gate")
        return super().gate(faqs, live, vectors)


def step_list() -> List[Dict[str, str]]:
    """Every step, waiting (what a new job shows)."""
    return [{"key": key, "label": label, "state": "waiting"} for key, label in STEPS]
