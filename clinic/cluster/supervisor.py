"""The cluster's supervisor: starts every process, keeps them running, stops them all.

Runs detached (``python -m clinic.cluster supervise``, started by ``up``). It reuses the
launcher's supervision (``clinic.launcher.supervise``: a stopped process is restarted after
1 s, 2 s, 4 s ... 30 s) and writes every process id to the state file, so ``status`` and
``down`` work from another shell. SIGTERM (``make cluster-down``) stops everything.
"""

from __future__ import annotations

import os
import signal
import time
from typing import IO, Dict, List

from clinic.cluster import topology
from clinic.cluster.haproxy import haproxy_binary
from clinic.cluster.settings import ClusterSettings
from clinic.cluster.state import (
    PHASE_FAILED,
    PHASE_READY,
    ClusterState,
    entry_for,
    state_path,
    write_state,
)
from clinic.cluster.topology import Member
from clinic.launcher import LaunchError, start_service, stop_all, supervise, wait_healthy

GROUP_TIMEOUT_S = 300.0
NO_HEALTH_CHECK_GRACE_S = 3.0  # a process without a health check must run this long


class Stopping(Exception):
    """SIGTERM or SIGINT arrived: stop everything."""


def start_groups(members: List[Member]) -> List[List[Member]]:
    """Start order: each group starts together and is healthy before the next one starts.

    The first Rasa server starts alone (it creates the tracker store's tables; replicas
    racing to create them can fail), the other replicas then start together.
    """
    groups: List[List[Member]] = []
    rasa = [member for member in members if member.role == "rasa"]
    actions = [member for member in members if member.role == "action-server"]
    for member in members:
        if actions and member is actions[0]:
            groups.append(actions)
        elif rasa and member is rasa[0]:
            groups += [[member], rasa[1:]]
        elif member.role not in ("rasa", "action-server"):
            groups.append([member])
    return [group for group in groups if group]


def wait_started(member: Member, timeout: float) -> None:
    """Waits for ``member``'s health check (or, without one, that it keeps running)."""
    if member.health_url:
        wait_healthy(member, timeout)
        return
    time.sleep(NO_HEALTH_CHECK_GRACE_S)
    assert member.process is not None
    if member.process.poll() is not None:
        raise LaunchError(f"The {member.name} exited during start-up (see its log).")


def run(settings: ClusterSettings) -> int:
    """Starts the cluster and supervises it until SIGTERM; returns the exit code."""
    binary = haproxy_binary()
    if binary is None:
        print("error: haproxy is not installed (scripts/ensure-haproxy.sh)", flush=True)
        return 1
    members = topology.members(settings, binary, topology.api_token(settings))
    env = topology.base_env(settings)
    logs = settings.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    outputs: Dict[str, IO[bytes]] = {}
    position = {id(member): i for i, member in enumerate(members)}
    state = ClusterState(supervisor_pid=os.getpid(), public_url=settings.public_url,
                         entries=[entry_for(m.role, m.name, m.port, m.health_url)
                                  for m in members])

    def on_signal(signum: int, _frame: object) -> None:
        raise Stopping()

    def start(member: Member) -> None:
        if member.name not in outputs:
            log_name = member.name.replace(" ", "-") + ".log"
            outputs[member.name] = open(logs / log_name, "ab")  # noqa: SIM115 (kept open)
        start_service(member, env, outputs[member.name])
        assert member.process is not None
        state.entries[position[id(member)]].pid = member.process.pid
        write_state(settings.state_dir, state)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    write_state(settings.state_dir, state)
    try:
        for group in start_groups(members):
            for member in group:
                print(f"==> starting the {member.name}", flush=True)
                start(member)
            for member in group:
                wait_started(member, GROUP_TIMEOUT_S)
        state.phase = PHASE_READY
        write_state(settings.state_dir, state)
        print(f"==> ready on {settings.public_url}", flush=True)
        while True:
            for member in members:
                line = supervise(member, time.monotonic(), start)
                if line:
                    print(line, flush=True)
            time.sleep(0.5)
    except Stopping:
        print("==> stopping", flush=True)
        return 0
    except LaunchError as error:
        print(f"error: {error}", flush=True)
        state.phase, state.error = PHASE_FAILED, str(error)
        write_state(settings.state_dir, state)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all([member for member in members if member.process is not None])
        for output in outputs.values():
            output.close()
        if state.phase != PHASE_FAILED:
            state_path(settings.state_dir).unlink(missing_ok=True)
