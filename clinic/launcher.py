"""``make run``: starts the action server, Rasa server, demo page, booking worker, staff
console and analytics consumer; supervises them.

* refuses to start when a port is taken, naming the port and what to do;
* refuses a model trained by another Rasa version (CVE-2024-49375: never load models made
  by an older Rasa);
* waits until every server answers its health check, then prints where to chat;
* restarts a server that stops after start-up, with backoff (1 s, 2 s, 4 s ... 30 s; back
  to 1 s once it has run for a minute), saying so; while the action server is down the
  channels answer "one moment, please try again" (clinic/channels/text.py);
* stops everything on Ctrl-C (SIGINT) or SIGTERM.

``--shell`` starts only the action server and chats in the terminal (``make shell``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional

from clinic.settings import PROJECT_ROOT, Settings

EXPECTED_RASA_VERSION = "3.6.21"
STARTUP_TIMEOUT_S = 240.0
RESTART_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
STABLE_AFTER_S = 60.0  # a server running this long has its backoff reset


class LaunchError(RuntimeError):
    """Something prevents the servers from starting; the message says what to do."""


@dataclass
class Service:
    """One supervised server process."""

    name: str
    command: List[str]
    health_url: str
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    crashes: int = 0  # consecutive stops without a stable run in between
    restart_at: Optional[float] = None
    env: Dict[str, str] = field(default_factory=dict)  # on top of the shared environment


def start_service(service: Service, env: Mapping[str, str],
                  output: Optional[IO[bytes]] = None) -> None:
    """Starts ``service`` in its own session (so a signal to its group reaches its children).

    ``env`` is the shared environment, ``service.env`` is added on top; ``output`` (a file
    opened for writing) receives the server's stdout and stderr, else they are inherited.
    """
    service.process = subprocess.Popen(
        service.command, cwd=PROJECT_ROOT, env={**env, **service.env},
        stdout=output, stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
    )
    service.started_at = time.monotonic()


def restart_delay(crashes: int) -> float:
    """Seconds to wait before restarting a server that stopped ``crashes`` times in a row."""
    return RESTART_DELAYS_S[min(max(crashes, 1), len(RESTART_DELAYS_S)) - 1]


def supervise(service: Service, now: float, start: Callable[[Service], None]) -> Optional[str]:
    """One supervision step for ``service``; returns a line to print, if any.

    A stopped server is scheduled for a restart after ``restart_delay``; when that time
    has come it is started again (``start``) without waiting for its health check, so the
    other servers keep being watched.
    """
    assert service.process is not None
    if service.restart_at is not None:
        if now < service.restart_at:
            return None
        service.restart_at = None
        start(service)
        return f"==> restarted the {service.name}"
    code = service.process.poll()
    if code is None:
        if service.crashes and now - service.started_at >= STABLE_AFTER_S:
            service.crashes = 0
        return None
    service.crashes += 1
    delay = restart_delay(service.crashes)
    service.restart_at = now + delay
    return (f"==> the {service.name} stopped (exit code {code}); restarting it in "
            f"{delay:.0f} s")


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(ports: Dict[str, int], host: str = "127.0.0.1") -> None:
    """Raises ``LaunchError`` naming every port that is already in use."""
    busy = [f"{port} ({name})" for name, port in ports.items() if not port_is_free(host, port)]
    if busy:
        raise LaunchError(
            "Port already in use: " + ", ".join(busy) + ". Stop the program using it "
            "(e.g. an earlier `make run`: `lsof -i :PORT` shows it) or choose other ports "
            "with RASA_PORT, ACTION_PORT, WEB_PORT and CONSOLE_PORT."
        )


def check_workers(env: Mapping[str, str]) -> None:
    """Raises ``LaunchError`` when Rasa's ``SANIC_WORKERS`` asks for several worker processes
    without ``REDIS_URL``: without Redis the lock store is in-process, so two workers could
    answer two messages of one conversation at the same time (Rasa lets it pass because the
    lock store's type is ours)."""
    raw = env.get("SANIC_WORKERS", "1").strip() or "1"
    try:
        workers = int(raw)
    except ValueError:
        raise LaunchError(f"SANIC_WORKERS must be a whole number, got {raw!r}.") from None
    if workers < 1:
        raise LaunchError(f"SANIC_WORKERS must be 1 or more, got {workers}.")
    if workers > 1 and not env.get("REDIS_URL"):
        raise LaunchError(
            f"SANIC_WORKERS={workers} needs REDIS_URL (redis://host:6379/0): several Rasa "
            "worker processes must share the Redis lock store. Unset SANIC_WORKERS for one."
        )


def model_rasa_version(model: Path) -> Optional[str]:
    """Reads the Rasa version a model archive was trained with."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = archive.extractfile("metadata.json")
            if member is None:
                return None
            return json.load(member).get("rasa_open_source_version")
    except (OSError, tarfile.TarError, KeyError, ValueError):
        return None


def check_model(model: Path) -> None:
    """Refuses a missing model or one trained by a different Rasa version."""
    if not model.exists():
        raise LaunchError(f"No trained model at {model}. Run `make train` (or `make run`).")
    version = model_rasa_version(model)
    if version != EXPECTED_RASA_VERSION:
        raise LaunchError(
            f"{model} was trained with Rasa {version or 'unknown'}, not "
            f"{EXPECTED_RASA_VERSION}. Models from other versions are never loaded "
            "(CVE-2024-49375). Delete it and run `make train`."
        )


def child_env(settings: Settings) -> Dict[str, str]:
    """Environment for the servers: embedded defaults made explicit for endpoints.yml."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["ACTION_SERVER_URL"] = settings.action_server_url
    env["DATABASE_URL"] = settings.database_url
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def resolve_api_token(settings: Settings) -> Optional[str]:
    """The token protecting Rasa's HTTP API, or ``None`` when the API stays off.

    The API (needed by ``make retrain`` to swap models without a restart) never runs
    unprotected: with ``RASA_API_TOKEN`` unset, a random token is generated once into
    ``var/rasa-api-token`` (readable by the owner only). ``RASA_ENABLE_API=false`` keeps the
    API off; ``RASA_JWT_SECRET`` protects it with JWTs instead.
    """
    if not settings.enable_api:
        return None
    if settings.api_token:
        return settings.api_token
    if settings.jwt_secret:
        return None
    path = settings.api_token_file
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


def rasa_command(settings: Settings, shell: bool = False,
                 endpoints: str = "endpoints.yml") -> List[str]:
    """The Rasa server (or shell) command line (``endpoints``: the endpoints file to use)."""
    cmd = [sys.executable, "-m", "clinic.rasa_main", "shell" if shell else "run",
           "--model", str(settings.model_path),
           "--endpoints", endpoints]
    if shell:
        return cmd
    cmd += ["--credentials", "credentials.yml",
            "--port", str(settings.rasa_port),
            "--interface", settings.rasa_interface,
            "--cors", *settings.allowed_origins]
    token = resolve_api_token(settings)
    if settings.enable_api and (token or settings.jwt_secret):
        cmd.append("--enable-api")
        if token:
            cmd += ["--auth-token", token]
        if settings.jwt_secret:
            cmd += ["--jwt-secret", settings.jwt_secret]
    return cmd


def services(settings: Settings) -> List[Service]:
    """The servers of ``make run``, in start order (the staff console is its own process:
    ``clinic/`` never imports ``staff/``)."""
    local = "127.0.0.1"
    return [
        Service("action server", [sys.executable, "-m", "clinic.action_server"],
                f"http://{settings.action_host}:{settings.action_port}/health"),
        Service("Rasa server", rasa_command(settings),
                f"http://{local}:{settings.rasa_port}/webhooks/rest/"),
        Service("demo page", [sys.executable, "-m", "clinic.web"],
                f"http://{local}:{settings.web_port}/"),
        Service("booking worker",
                [sys.executable, "-m", "actions.booking.worker",
                 "--health-port", str(settings.booking_worker_port)],
                f"http://{local}:{settings.booking_worker_port}/health"),
        Service("analytics consumer", [sys.executable, "-m", "clinic.analytics.consumer"],
                f"http://{local}:{settings.analytics_port}/health"),
        Service("staff console", [sys.executable, "-m", "staff.console"],
                f"http://{local}:{settings.console_port}/health"),
    ]


def healthy(url: str) -> bool:
    """True when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_all(started: List[Service]) -> None:
    """Stops every started server (SIGTERM, then SIGKILL after 10 s)."""
    for service in reversed(started):
        if service.process and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 10
    for service in started:
        if not service.process:
            continue
        remaining = max(0.1, deadline - time.monotonic())
        try:
            service.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(service.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def wait_healthy(service: Service, timeout: float) -> None:
    """Waits until ``service`` is healthy; raises if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process is not None
        if service.process.poll() is not None:
            raise LaunchError(f"The {service.name} exited during start-up (see its log above).")
        if healthy(service.health_url):
            return
        time.sleep(0.5)
    raise LaunchError(f"The {service.name} did not become healthy within {timeout:.0f} s.")


def run(settings: Settings) -> int:
    """Starts and supervises all servers until Ctrl-C."""
    check_model(settings.model_path)
    check_ports({"Rasa server": settings.rasa_port, "action server": settings.action_port,
                 "demo page": settings.web_port,
                 "booking worker": settings.booking_worker_port,
                 "analytics consumer": settings.analytics_port,
                 "staff console": settings.console_port})
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    env = child_env(settings)
    check_workers(env)
    started: List[Service] = []
    stopping = {"flag": False}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def start(service: Service) -> None:
        start_service(service, env)

    try:
        # all at once, then each one's health: the Rasa server's start-up (the slow one)
        # overlaps the others' (issue 20: 20.9 s one after another on 2 cores)
        for service in services(settings):
            print(f"==> starting the {service.name}", flush=True)
            start(service)
            started.append(service)
        for service in started:
            wait_healthy(service, STARTUP_TIMEOUT_S)
        print(
            "\n==> ready. Chat with the assistant:\n"
            f"    demo clinic page with the widget: http://localhost:{settings.web_port}/\n"
            f"    staff console: http://localhost:{settings.console_port}/ (first account: "
            "`make staff-user NAME=you ROLE=admin`)\n"
            f"    REST: curl -s localhost:{settings.rasa_port}/webhooks/rest/webhook "
            "-d '{\"sender\":\"me\",\"message\":\"hello\"}'\n"
            "    Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while not stopping["flag"]:
            for service in started:
                line = supervise(service, time.monotonic(), start)
                if line:
                    print(line, file=sys.stderr, flush=True)
            time.sleep(0.5)
        print("\n==> stopping", flush=True)
        return 0
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop_all(started)


def shell(settings: Settings) -> int:
    """Action server in the background, ``rasa shell`` in the foreground."""
    check_model(settings.model_path)
    check_ports({"action server": settings.action_port})
    env = child_env(settings)
    action = services(settings)[0]
    start_service(action, env)
    try:
        wait_healthy(action, STARTUP_TIMEOUT_S)
        return subprocess.call(rasa_command(settings, shell=True), cwd=PROJECT_ROOT, env=env)
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        stop_all([action])


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Start the clinic assistant.")
    parser.add_argument("--shell", action="store_true", help="chat in the terminal")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return shell(settings) if args.shell else run(settings)
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
