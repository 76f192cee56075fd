"""Publishing in the background, so the page can show each step while it runs.

A ``PublishJob`` runs one publish in a thread and keeps its steps (``staff.console.progress``)
and, at the end, its ``Outcome``; the page asks ``GET /publish/jobs/<id>`` for them. One
publish runs at a time: starting another while one runs joins the running one. Jobs live in
the console process's memory (the console is one process); the newest ``keep`` are kept.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

from staff.console.progress import Report, live_label, step_list
from staff.console.publishing import Outcome

logger = logging.getLogger("staff.console")

Work = Callable[[Report], Outcome]
FAILED = Outcome(False, "Not published: something went wrong while publishing. Nothing "
                 "changed; please try again in a moment, and tell a developer if it happens "
                 "again.")


def _settle(step: Dict[str, str], state: str) -> None:
    """A step reaches a final state; its label no longer ends with "…"."""
    step.update(state=state, label=step["label"].rstrip("…"))


class PublishJob:
    """One publish: who started it, its steps, its outcome once finished."""

    def __init__(self, user: str) -> None:
        self.id = secrets.token_urlsafe(16)
        self.user = user
        self.started_at = time.time()
        self.steps: List[Dict[str, str]] = step_list()
        self.outcome: Optional[Outcome] = None
        self.done = threading.Event()
        self._lock = threading.Lock()

    def advance(self, key: str, label: str) -> None:
        """Step ``key`` starts (the running one before it is done)."""
        with self._lock:
            for step in self.steps:
                if step["state"] == "running":
                    _settle(step, "done")
                if step["key"] == key:
                    step.update(state="running", label=label)

    def finish(self, outcome: Outcome) -> None:
        """Records the outcome: a published version completes every step; a refusal fails
        the step that was running; nothing to publish skips the steps not reached."""
        with self._lock:
            saved = any(s["key"] == "save" and s["state"] != "waiting" for s in self.steps)
            for step in self.steps:
                if outcome.ok and saved:
                    _settle(step, "done")
                    if step["key"] == "live" and outcome.version is not None:
                        step["label"] = live_label(outcome.version)
                elif step["state"] == "running":
                    _settle(step, "done" if outcome.ok else "failed")
                elif step["state"] == "waiting":
                    _settle(step, "skipped")
            self.outcome = outcome
        self.done.set()

    def run(self, work: Work) -> None:
        """Runs ``work`` with this job's ``advance`` as its report (in the job's thread)."""
        try:
            outcome = work(self.advance)
        except Exception as exc:  # noqa: BLE001 - the page must hear of any failure
            logger.error("publish job failed: %s", type(exc).__name__)
            outcome = FAILED
        self.finish(outcome)

    def snapshot(self) -> Dict[str, Any]:
        """The job as the status URL returns it (JSON-friendly)."""
        with self._lock:
            outcome = self.outcome
            data: Dict[str, Any] = {
                "id": self.id, "finished": outcome is not None,
                "ok": outcome.ok if outcome else None,
                "steps": [dict(step) for step in self.steps],
                "status_url": f"/publish/jobs/{self.id}", "page": f"/faqs?job={self.id}",
            }
        if outcome is not None:
            data["outcome"] = {"title": outcome.title, "lines": list(outcome.lines),
                               "version": outcome.version, "newer": outcome.newer}
        return data


class PublishJobs:
    """The console's publish jobs (thread-safe)."""

    def __init__(self, keep: int = 20) -> None:
        self.keep = keep
        self._jobs: "OrderedDict[str, PublishJob]" = OrderedDict()
        self._lock = threading.Lock()

    def start(self, user: str, work: Work) -> Tuple[PublishJob, bool]:
        """Starts ``work`` in a new job, or returns the running one: (job, started)."""
        with self._lock:
            running = next((j for j in self._jobs.values() if not j.done.is_set()), None)
            if running is not None:
                return running, False
            job = PublishJob(user)
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                self._jobs.popitem(last=False)
        threading.Thread(target=job.run, args=(work,), name="publish-job",
                         daemon=True).start()
        return job, True

    def get(self, job_id: str) -> Optional[PublishJob]:
        """The job ``job_id``, or ``None`` (unknown or forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)
