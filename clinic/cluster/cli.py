"""``python -m clinic.cluster up|status|down`` (``make cluster``, ``cluster-status``,
``cluster-down``).

``up`` checks everything a person can fix (haproxy installed, the model's Rasa version, free
ports, PostgreSQL and the cluster's database), publishes the FAQ files as the FAQ store's
first version when it is empty, renders the HAProxy and endpoints files, starts the
supervisor in the background and returns once every process is healthy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from clinic.cluster import haproxy, services, topology
from clinic.cluster.settings import ClusterSettings
from clinic.cluster.state import (
    PHASE_FAILED,
    Entry,
    PHASE_READY,
    pid_alive,
    read_state,
    state_path,
    status_rows,
)
from clinic.launcher import LaunchError, check_model, check_ports, healthy
from clinic.settings import PROJECT_ROOT

UP_TIMEOUT_S = 900.0
DOWN_TIMEOUT_S = 40.0
# What the cluster's own processes have in their command line (checked before a kill).
OWN_MARKERS = (b"clinic.", b"actions.booking", b"staff.console", b"haproxy")


def prepare(settings: ClusterSettings) -> str:
    """Checks, creates the database, seeds the FAQs, renders the files; returns haproxy."""
    state = read_state(settings.state_dir)
    if state is not None and pid_alive(state.supervisor_pid):
        raise LaunchError(f"A cluster is already running (state in "
                          f"{state_path(settings.state_dir)}): `make cluster-down` stops it.")
    binary = haproxy.haproxy_binary()
    if binary is None:
        raise LaunchError("haproxy is not installed: run scripts/ensure-haproxy.sh "
                          "(`make cluster` does it).")
    check_model(settings.runtime.model_path)
    check_ports(topology.ports(settings))
    for url in dict.fromkeys((settings.database_url, settings.bookings_url)):
        if services.ensure_database(url):
            print(f"==> created the database {services.split_database(url)[1]}", flush=True)
    for note in services.warnings_for(settings.redis_url, settings.event_broker_url):
        print(f"warning: {note}", flush=True)
    env = topology.base_env(settings)
    seeded = subprocess.run([sys.executable, "-m", "staff.faq.publish", "seed"],
                            cwd=PROJECT_ROOT, env=env, check=False)
    if seeded.returncode != 0:
        raise LaunchError("The FAQ store could not be prepared (see above).")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    config = settings.state_dir / "haproxy.cfg"
    config.touch(mode=0o600)
    config.chmod(0o600)
    check = topology.rasa_health_path(topology.api_token(settings))
    config.write_text(haproxy.render(settings, check), encoding="utf-8")
    (settings.state_dir / "endpoints.yml").write_text(topology.endpoints_text(settings),
                                                      encoding="utf-8")
    checked = subprocess.run(haproxy.check_command(config, binary), capture_output=True,
                             text=True, check=False)
    if checked.returncode != 0:
        raise LaunchError(f"HAProxy refused {config}: {checked.stderr.strip()[-1500:]}")
    return binary


def up(settings: ClusterSettings) -> int:
    """Starts the cluster in the background; returns once it is healthy (0) or failed (1)."""
    prepare(settings)
    logs = settings.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / "supervisor.log"
    state_path(settings.state_dir).unlink(missing_ok=True)
    with open(log_path, "ab") as log:
        offset = log.tell()
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "clinic.cluster", "supervise"], cwd=PROJECT_ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    print(f"==> starting {settings.replicas} Rasa servers behind HAProxy (logs in {logs})",
          flush=True)
    deadline = time.monotonic() + UP_TIMEOUT_S
    while time.monotonic() < deadline:
        offset = echo_new_lines(log_path, offset)
        state = read_state(settings.state_dir)
        if state is not None and state.phase == PHASE_READY:
            print(ready_message(settings), flush=True)
            return 0
        if process.poll() is not None or (state is not None and state.phase == PHASE_FAILED):
            echo_new_lines(log_path, offset)
            process.wait()
            state_path(settings.state_dir).unlink(missing_ok=True)
            print("error: the cluster did not start (logs above and in "
                  f"{logs}).", file=sys.stderr, flush=True)
            return 1
        time.sleep(0.5)
    down(settings)
    print(f"error: the cluster was not healthy within {UP_TIMEOUT_S:.0f} s", file=sys.stderr)
    return 1


def echo_new_lines(path: Path, offset: int) -> int:
    """Prints what was appended to ``path`` since ``offset``; returns the new offset."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    if data:
        sys.stdout.write(data.decode("utf-8", errors="replace"))
        sys.stdout.flush()
    return offset + len(data)


def ready_message(settings: ClusterSettings) -> str:
    """What ``make cluster`` prints when everything is healthy."""
    r = settings.runtime
    return (
        "\n==> cluster ready.\n"
        f"    load balancer (REST, socket.io, widget): {settings.public_url}/\n"
        f"    demo clinic page with the widget: http://localhost:{r.web_port}/\n"
        f"    staff console: http://localhost:{r.console_port}/\n"
        f"    Rasa HTTP API (token): http://127.0.0.1:{settings.api_port}/  "
        f"HAProxy stats: http://127.0.0.1:{settings.stats_port}/stats\n"
        "    `make cluster-status` shows every process, `make cluster-down` stops them.\n"
    )


def status(settings: ClusterSettings) -> int:
    """Prints the JSON list of processes; 0 when all are healthy, 1 otherwise."""
    token = settings.runtime.api_token or read_token(settings.runtime.api_token_file)

    def check(entry: Entry) -> bool:
        suffix = f"?token={token}" if entry.needs_token and token else ""
        return healthy(entry.health_url + suffix)

    rows = status_rows(read_state(settings.state_dir), check)
    print(json.dumps(rows, indent=2))
    return 0 if rows and all(row["healthy"] for row in rows) else 1


def read_token(path: Path) -> Optional[str]:
    """The generated API token, read only (``None`` when there is none)."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def is_ours(pid: int) -> bool:
    """True when ``pid`` still runs one of the cluster's programs (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return any(marker in cmdline for marker in OWN_MARKERS)


def down(settings: ClusterSettings) -> int:
    """Stops the supervisor (which stops everything), then whatever is left."""
    state = read_state(settings.state_dir)
    if state is None:
        print("==> no cluster is running")
        return 0
    if pid_alive(state.supervisor_pid) and is_ours(state.supervisor_pid):
        os.kill(state.supervisor_pid, signal.SIGTERM)
        deadline = time.monotonic() + DOWN_TIMEOUT_S
        while pid_alive(state.supervisor_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    leftovers: List[int] = [e.pid for e in state.entries
                            if e.pid and pid_alive(e.pid) and is_ours(e.pid)]
    if pid_alive(state.supervisor_pid) and is_ours(state.supervisor_pid):
        leftovers.append(state.supervisor_pid)
    for pid in leftovers:  # the supervisor was killed, or did not stop in time
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    state_path(settings.state_dir).unlink(missing_ok=True)
    print("==> cluster stopped")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else ""
    if command not in ("up", "status", "down", "supervise"):
        print("usage: python -m clinic.cluster up|status|down", file=sys.stderr)
        return 2
    try:
        settings = ClusterSettings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if command == "supervise":
        from clinic.cluster.supervisor import run

        return run(settings)
    try:
        return {"up": up, "status": status, "down": down}[command](settings)
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
