"""The cluster's state file (``CLUSTER_STATE_DIR/state.json``): what runs where.

Written by the supervisor (atomically, at start and after every restart) and read by
``status`` and ``down`` from any shell. Holds process ids, ports and health-check
addresses, never secrets or personal data.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

STATE_FILE = "state.json"
PHASE_STARTING, PHASE_READY, PHASE_FAILED = "starting", "ready", "failed"


@dataclass
class Entry:
    """One process as ``make cluster-status`` shows it."""

    role: str
    name: str
    pid: Optional[int]
    port: Optional[int]
    health_url: str = ""  # never with a secret in it ...
    needs_token: bool = False  # ... the API token is added when checking


@dataclass
class ClusterState:
    """Everything ``status`` and ``down`` need."""

    supervisor_pid: int
    phase: str = PHASE_STARTING
    public_url: str = ""
    error: str = ""
    entries: List[Entry] = field(default_factory=list)

    def to_json(self) -> str:
        """The file's text."""
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "ClusterState":
        """Parses the file's text (raises ``ValueError``/``KeyError`` when it is damaged)."""
        data: Dict[str, Any] = json.loads(text)
        entries = [Entry(**entry) for entry in data.pop("entries", [])]
        return cls(entries=entries, **data)


def state_path(state_dir: Path) -> Path:
    """Where the state file of a cluster with ``state_dir`` lives."""
    return state_dir / STATE_FILE


def entry_for(role: str, name: str, port: Optional[int], health_url: str) -> Entry:
    """The state entry of a process; a ``?token=...`` is kept out of the file."""
    base, _, query = health_url.partition("?token=")
    return Entry(role, name, None, port, base, bool(query))


def write_state(state_dir: Path, state: ClusterState) -> None:
    """Replaces the state file atomically (readers never see half a file)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_path(state_dir)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(state.to_json(), encoding="utf-8")
    os.replace(temporary, target)


def read_state(state_dir: Path) -> Optional[ClusterState]:
    """The state file's content, or ``None`` when there is none (or it is unreadable)."""
    try:
        return ClusterState.from_json(state_path(state_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: Optional[int]) -> bool:
    """True when process ``pid`` exists and is not a zombie."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def status_rows(state: Optional[ClusterState], healthy: Callable[[Entry], bool],
                alive: Callable[[Optional[int]], bool] = pid_alive) -> List[Dict[str, Any]]:
    """One row per process (``role``, ``pid``, ``port``, ``healthy``), the supervisor first.

    A process is healthy when it runs and (if it has one) its health check (``healthy``)
    answers 200.
    """
    if state is None:
        return []
    rows: List[Dict[str, Any]] = [{"role": "supervisor", "name": "supervisor",
                                   "pid": state.supervisor_pid, "port": None,
                                   "healthy": alive(state.supervisor_pid)}]
    for entry in state.entries:
        ok = alive(entry.pid) and (not entry.health_url or healthy(entry))
        rows.append({"role": entry.role, "name": entry.name, "pid": entry.pid,
                     "port": entry.port, "healthy": ok})
    return rows
