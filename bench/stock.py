"""The stock ``rasa init`` bot beside ours (issue 20): the yardstick of ``make bench``.

Creates Rasa's own starter bot (``rasa init --no-prompt``) with the *same* Rasa install in
``var/bench-stock/rasa-<version>/``, trains it once (the ``rasa init`` run is timed; the
model and the timing are kept per Rasa version, so later bench runs reuse them; delete the
folder or pass ``--retrain-stock`` to train again), runs it as ``rasa run --enable-api`` on a
free port and measures it with bench/run.py's own load generator and an equivalent message
mix. The starter bot needs no action server: its ``actions/actions.py`` holds only a
commented-out example, and its ``endpoints.yml`` names no action endpoint.

Nothing is downloaded: ``rasa init`` copies the project from the installed ``rasa``
package and trains with TensorFlow locally; where ``unshare -rn`` works, the training even
runs in a network namespace without any network, which proves it (``offline`` in the
record). Telemetry is off (``RASA_TELEMETRY_ENABLED=false``).

Also here: how long *our* Rasa server takes from start to its first reply (the same
measurement as the stock bot's start-up), and the side-by-side section of
docs/benchmarks.md with the ratios (ours / stock) and the targets of issue 20.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from clinic.devstack import Stack, free_port, post_json
from clinic.settings import PROJECT_ROOT

STOCK_ROOT = PROJECT_ROOT / "var" / "bench-stock"
RECORD = "bench-train.json"
SECTION = "bench-compare"
STARTUP_TIMEOUT_S = 300.0
TRAIN_TIMEOUT_S = 1800.0
BUSY_LOAD = 0.5  # 1-minute load average above which figures are marked "not of record"

# The starter bot's counterpart of bench/run.py's MIX (same length, same kinds of turn): a
# greeting, statements and short answers the bot understands (mood_great, mood_unhappy,
# affirm, deny), the bot challenge, a goodbye and one message outside its intents.
STOCK_MIX = [
    "hello",
    "I am feeling really great today",
    "I'm sad",
    "yes",
    "no, not really",
    "are you a bot?",
    "goodbye",
    "write me a poem",
]

# Issue 20's targets: figure -> (as written in the table, check(ours, ours / stock)).
TARGETS = {
    "throughput": ("≥ 2× stock", lambda ours, ratio: ratio is not None and ratio >= 2.0),
    "p95": ("≤ 0.5× stock", lambda ours, ratio: ratio is not None and ratio <= 0.5),
    "errors": ("0", lambda ours, ratio: ours == 0),
    "seq_p50": ("≤ 10 ms", lambda ours, ratio: ours <= 10),
    "rss": ("≤ 0.6× stock", lambda ours, ratio: ratio is not None and ratio <= 0.6),
    "action_rss": ("≤ 100 MiB", lambda ours, ratio: ours <= 100),
    "startup": ("≤ 10 s", lambda ours, ratio: ours <= 10),
    "launcher": ("≤ 15 s", lambda ours, ratio: ours <= 15),
    "training": ("≤ 45 s (full)", lambda ours, ratio: ours <= 45),
}


class StockError(RuntimeError):
    """The stock bot could not be created, trained or started; says why."""


def rasa_version() -> str:
    """The installed Rasa's version (without importing Rasa)."""
    return version("rasa")


def project_dir() -> Path:
    """The stock bot's folder for this Rasa version."""
    return STOCK_ROOT / f"rasa-{rasa_version()}"


def load_average() -> str:
    """1 / 5 / 15-minute load average, e.g. ``4.6 / 4.4 / 4.0``."""
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def busy(threshold: float = BUSY_LOAD) -> bool:
    """True when the 1-minute load average says other work competes for the cores."""
    try:
        return os.getloadavg()[0] > threshold
    except OSError:
        return False


def first_load(text: str) -> float:
    """The 1-minute figure of a ``load_average()`` text (0 when unknown)."""
    try:
        return float(text.split("/")[0])
    except ValueError:
        return 0.0


def measured_lines(meta: Dict[str, Any], rerun: str) -> List[str]:
    """The opening lines of a bench section in docs/benchmarks.md: when, where, how loaded the
    machine was, and a warning (naming the command to ``rerun``) when it was busy."""
    lines = [
        f"- Measured: {meta['date']}",
        f"- Machine: {meta['machine']}",
        f"- Load average (1 / 5 / 15 min) at start: {meta['load_start']}; at end: "
        f"{meta['load_end']}",
    ]
    if meta.get("busy"):
        lines.append("- **Machine busy: not figures of record.** Other work competed for the "
                     f"cores while this ran; {rerun}.")
    return lines


def stock_env() -> Dict[str, str]:
    """Environment of the stock bot's processes: our venv's Rasa, telemetry off."""
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)  # nothing of ours on the stock bot's path
    return env


def offline_prefix() -> List[str]:
    """``unshare -rn`` (no network at all) when this machine allows it, else nothing."""
    tool = shutil.which("unshare")
    if tool is None:
        return []
    try:
        probe = subprocess.run([tool, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [tool, "-rn"] if probe.returncode == 0 else []


def stock_model(project: Path) -> Optional[Path]:
    """The newest trained model of the stock bot, if any."""
    models = sorted((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def check_no_custom_actions(project: Path) -> None:
    """The starter bot must run without an action server: no live ``class`` in actions.py."""
    actions = project / "actions" / "actions.py"
    live = [line for line in actions.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    if live:
        raise StockError(f"{actions} defines custom actions; the comparison assumes none.")


def ensure_trained(retrain: bool = False, log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Creates and trains the stock bot unless this Rasa version's is already there.

    Returns the training record: seconds (the whole ``rasa init --no-prompt``: start-up,
    project copy, Rasa's data validation, cold training of every component), when it
    finished, the load average before it, whether it ran without network, the model path.
    """
    project = project_dir()
    record_path = project / RECORD
    if not retrain and record_path.exists() and stock_model(project):
        record = dict(json.loads(record_path.read_text()))
        if first_load(record.get("load_before", "")) > BUSY_LOAD and not busy():
            log("==> the stock bot's training was timed on a busy machine and this one is "
                "quiet: training it again")
        else:
            record["model"] = str(stock_model(project))
            record["reused"] = True
            return record
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    prefix = offline_prefix()
    log(f"==> creating and training the stock bot (rasa init --no-prompt, Rasa "
        f"{rasa_version()}{', no network' if prefix else ''}) in {project}")
    load_before = load_average()
    started = time.monotonic()
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
        cwd=project, env=stock_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=TRAIN_TIMEOUT_S,
    )
    seconds = time.monotonic() - started
    (project / "bench-train.log").write_bytes(result.stdout)
    model = stock_model(project)
    if result.returncode != 0 or model is None:
        tail = result.stdout.decode(errors="replace")[-3000:]
        raise StockError(f"rasa init --no-prompt failed (exit {result.returncode}):\n{tail}")
    check_no_custom_actions(project)
    record = {
        "seconds": round(seconds, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rasa": rasa_version(),
        "load_before": load_before,
        "offline": bool(prefix),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    record_path.write_text(json.dumps(record, indent=1))
    log(f"==> stock bot trained in {seconds:.0f} s")
    return {**record, "model": str(model), "reused": False}


@dataclass
class Server:
    """A Rasa server started for a measurement (ours or the stock bot)."""

    url: str
    process: subprocess.Popen
    log_path: Path
    startup_seconds: float = 0.0

    def rest(self, sender: str, text: str, timeout: float = 60) -> List[Dict[str, Any]]:
        """One REST turn (the same call as ``Stack.rest``)."""
        return post_json(f"{self.url}/webhooks/rest/webhook",
                         {"sender": sender, "message": text}, timeout=timeout)

    def pids(self) -> List[int]:
        """The server process and its descendants."""
        return [self.process.pid, *descendants(self.process.pid)]


def descendants(pid: int) -> List[int]:
    """PIDs of every process below ``pid``."""
    parents: Dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def start_server(command: Sequence[str], env: Dict[str, str], cwd: Path, port: int,
                 log_path: Path, first_text: str = "hello") -> Server:
    """Starts a Rasa server and waits for its first REST reply; start-up = start to reply."""
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(url=url, process=process, log_path=log_path)
    deadline = started + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StockError(f"{command[2:4]} exited with {process.returncode}:\n"
                             f"{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if server.rest(f"startup-{uuid.uuid4().hex}", first_text, timeout=60):
                server.startup_seconds = time.monotonic() - started
                return server
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.2)
    stop_server(server)
    raise StockError(f"no reply within {STARTUP_TIMEOUT_S:.0f} s:\n"
                     f"{log_path.read_text(errors='replace')[-3000:]}")


def stop_server(server: Server) -> None:
    """Ctrl-C the server's process group and wait; kill it if it hangs."""
    process = server.process
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_stock(record: Dict[str, Any]) -> Server:
    """``rasa run --enable-api`` of the stock bot on a free port (its own defaults otherwise:
    in-memory tracker and lock store, no action server, no event broker)."""
    project = project_dir()
    port = free_port()
    command = [sys.executable, "-m", "rasa", "run", "--enable-api", "--port", str(port),
               "--interface", "127.0.0.1", "--model", record["model"],
               "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
    return start_server(command, stock_env(), project, port, project / "bench-run.log")


def our_rasa_startup(stack: Stack, log_dir: Path) -> float:
    """Seconds from starting *our* Rasa server (the launcher's exact command line) to its
    first reply, beside a running stack (its action server, databases and FAQ store)."""
    from clinic.launcher import rasa_command
    from clinic.settings import Settings

    port = free_port()
    env = {**stack.env, "RASA_PORT": str(port)}
    settings = Settings.from_env(env)
    env.update(ACTION_SERVER_URL=settings.action_server_url,
               DATABASE_URL=settings.database_url,
               PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    server = start_server(rasa_command(settings), env, PROJECT_ROOT, port,
                          log_dir / "our-rasa-startup.log")
    stop_server(server)
    return server.startup_seconds


class Counted:
    """A REST client that counts failed requests (HTTP error, timeout, bad JSON) and turns
    answered with no message, instead of stopping the load; their latency is kept."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.errors = 0
        self.silent = 0
        self._lock = threading.Lock()

    def rest(self, sender: str, text: str, timeout: float = 60) -> List[Dict[str, Any]]:
        try:
            reply = self.target.rest(sender, text, timeout=timeout)
        except (urllib.error.URLError, OSError, ValueError):
            with self._lock:
                self.errors += 1
            return []
        if not reply:
            with self._lock:
                self.silent += 1
        return reply


@dataclass
class Figures:
    """One bot's side of the comparison."""

    single: Dict[str, float]
    concurrent: Dict[str, float]
    rss_mib: float
    startup: float
    training: Optional[Dict[str, Any]]
    errors: int = 0
    silent: Optional[int] = None  # turns with no reply (None: not counted)
    extra: Dict[str, float] = field(default_factory=dict)


def measure_stock(load: Callable[..., Dict[str, float]], rss: Callable[[Sequence[int]],
                  Dict[int, float]], turns: int, retrain: bool = False) -> Figures:
    """Trains (once) and starts the stock bot, loads it like ours, stops it."""
    record = ensure_trained(retrain=retrain)
    server = start_stock(record)
    try:
        for text in STOCK_MIX:  # warm up every code path once, as for ours
            server.rest("warm-up", text)
        client = Counted(server)
        single = load(client, 1, turns * 4, STOCK_MIX)
        concurrent = load(client, 20, turns, STOCK_MIX)
        memory = rss(server.pids())
    finally:
        stop_server(server)
    return Figures(single=single, concurrent=concurrent, rss_mib=sum(memory.values()),
                   startup=server.startup_seconds, training=record, errors=client.errors,
                   silent=client.silent)


def _ratio(ours: float, stock: float) -> Optional[float]:
    return ours / stock if stock else None


def render(ours: Figures, stock: Figures, meta: Dict[str, str]) -> str:
    """The side-by-side section of docs/benchmarks.md (between its markers)."""
    rows: List[str] = []

    def row(label: str, o: float, s: Optional[float], fmt: str, key: Optional[str],
            ratio: bool = True) -> None:
        r = _ratio(o, s) if (s is not None and ratio) else None
        target, check = TARGETS[key] if key else ("", None)
        met = "" if check is None else ("yes" if check(o, r) else "**no**")
        rows.append(f"| {label} | {fmt.format(o)} | {'–' if s is None else fmt.format(s)} | "
                    f"{'–' if r is None else f'{r:.2f}'} | {target} | {met} |")

    oc, sc = ours.concurrent, stock.concurrent
    row("messages per second, 20 concurrent conversations", oc["per_second"],
        sc["per_second"], "{:.1f}", "throughput")
    row("turn latency p50, 20 concurrent (ms)", oc["p50"], sc["p50"], "{:.0f}", None)
    row("turn latency p95, 20 concurrent (ms)", oc["p95"], sc["p95"], "{:.0f}", "p95")
    row("turn latency p99, 20 concurrent (ms)", oc["p99"], sc["p99"], "{:.0f}", None)
    row("failed requests (HTTP error, timeout), all loads", ours.errors, stock.errors,
        "{:.0f}", "errors", ratio=False)
    if ours.silent is not None:
        row("turns answered with no message at all, all loads",
            ours.silent, stock.silent, "{:.0f}", "errors", ratio=False)
    row("turn latency p50, 1 conversation (ms)", ours.single["p50"], stock.single["p50"],
        "{:.0f}", "seq_p50")
    row("messages per second, 1 conversation", ours.single["per_second"],
        stock.single["per_second"], "{:.1f}", None)
    row("resident memory of the Rasa server after the load (MiB)", ours.rss_mib,
        stock.rss_mib, "{:.0f}", "rss")
    if "action_rss" in ours.extra:
        row("resident memory of the action server after the load (MiB; stock has none)",
            ours.extra["action_rss"], None, "{:.0f}", "action_rss")
    row("Rasa server start → first reply (s)", ours.startup, stock.startup, "{:.1f}",
        "startup")
    if "launcher" in ours.extra:
        row("launcher start → all servers healthy (`make run` path; s; stock: –)",
            ours.extra["launcher"], None, "{:.1f}", "launcher")
    ot, st = ours.training, stock.training
    if ot and st:
        # the target is for a full training: an incremental one is shown, not judged
        cold = ot.get("kind") == "cold"
        row(f"training (s; ours: {ot.get('kind', 'kind unknown')}, stock: cold)"
            + ("" if cold else "; target ≤ 45 s for a full training, not judged here"),
            float(ot["seconds"]), float(st["seconds"]), "{:.0f}",
            "training" if cold else None)
    lines = [
        f"<!-- {SECTION}: begin -->",
        "## Side by side with a stock `rasa init` bot (issue 20)",
        "",
        "Written by `make bench` and by `make bench-compare` (bench/run.py --compare, "
        "bench/stock.py). Ratios are ours / stock; the targets are issue 20's.",
        "",
        *measured_lines(meta, "rerun on a quiet machine"),
    ]
    lines += [
        "- Ours: the `make run` stack on SQLite (scratch folder), turn mix of the table above. "
        f"Stock: Rasa {rasa_version()}'s `rasa init --no-prompt` bot (DIET, TED, "
        "in-memory tracker store, no action server), `rasa run --enable-api`, turn mix: "
        + ", ".join(repr(t) for t in STOCK_MIX) + ".",
        f"- Same load generator for both (bench/run.py `load`): 1 conversation × "
        f"{ours.single['turns']:.0f} turns, then 20 concurrent × "
        f"{ours.concurrent['turns'] / 20:.0f} turns; REST from this machine.",
        "- Start-up: server process start until its first REST reply (model loaded), "
        "both measured the same way; ours beside its running stack (action server up).",
    ]
    if ot:
        lines.append(f"- Training, ours: last `make train` ({ot.get('kind', 'kind unknown')}, "
                     f"finished {ot.get('finished', '?')}); the target is for a full (cold) "
                     "training.")
    if st:
        lines.append(f"- Training, stock: the whole `rasa init --no-prompt` (cold), "
                     f"finished {st.get('finished')} with load average {st.get('load_before')} "
                     f"before it{', without network' if st.get('offline') else ''}; "
                     f"{'reused from' if st.get('reused') else 'kept in'} "
                     f"var/bench-stock/ (`--retrain-stock` trains again).")
    lines += [
        "",
        "| figure | ours | stock | ours / stock | target | met |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"<!-- {SECTION}: end -->",
    ]
    return "\n".join(lines)
