"""The launcher's checks: ports, model version, API protection."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from clinic import launcher
from clinic.settings import Settings


def _model(tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"model-{version}.tar.gz"
    payload = json.dumps({"rasa_open_source_version": version}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


def test_busy_port_is_named() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(launcher.LaunchError, match=rf"{port} \(Rasa server\)"):
            launcher.check_ports({"Rasa server": port})


def test_free_port_passes() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    launcher.check_ports({"Rasa server": port})


def test_model_from_other_rasa_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(launcher.LaunchError, match="CVE-2024-49375"):
        launcher.check_model(_model(tmp_path, "3.6.19"))
    launcher.check_model(_model(tmp_path, launcher.EXPECTED_RASA_VERSION))


def test_missing_model_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(launcher.LaunchError, match="make train"):
        launcher.check_model(tmp_path / "nope.tar.gz")


def test_api_is_never_unprotected(tmp_path: Path) -> None:
    base = replace(Settings.from_env({}), api_token_file=tmp_path / "token")
    cmd = launcher.rasa_command(base)
    token = (tmp_path / "token").read_text().strip()
    assert len(token) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "token").st_mode) == 0o600
    assert cmd[cmd.index("--auth-token") + 1] == token
    # the same token is reused on the next start
    assert launcher.resolve_api_token(base) == token

    off = replace(base, enable_api=False)
    assert "--enable-api" not in launcher.rasa_command(off)

    configured = replace(base, api_token="from-env")
    cmd = launcher.rasa_command(configured)
    assert cmd[cmd.index("--auth-token") + 1] == "from-env"


def test_servers_bind_to_configured_interfaces() -> None:
    settings = Settings.from_env({})
    cmd = launcher.rasa_command(settings)
    assert cmd[cmd.index("--interface") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--cors") + 1 :][:2] == list(settings.allowed_origins)
    env = launcher.child_env(settings)
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"
    assert env["DATABASE_URL"].startswith("sqlite:///")


def test_make_run_starts_all_six_servers() -> None:
    names = [service.name for service in launcher.services(Settings.from_env({}))]
    assert names == ["action server", "Rasa server", "demo page", "booking worker",
                     "analytics consumer", "staff console"]


@pytest.mark.parametrize("env, problem", [
    ({}, None),
    ({"SANIC_WORKERS": "1"}, None),
    ({"SANIC_WORKERS": "2", "REDIS_URL": "redis://127.0.0.1:6379/0"}, None),
    ({"SANIC_WORKERS": "2"}, "needs REDIS_URL"),
    ({"SANIC_WORKERS": "two"}, "whole number"),
    ({"SANIC_WORKERS": "0"}, "1 or more"),
])
def test_several_rasa_workers_need_the_redis_lock_store(env, problem) -> None:
    if problem is None:
        launcher.check_workers(env)
    else:
        with pytest.raises(launcher.LaunchError, match=problem):
            launcher.check_workers(env)


# --------------------------------------------------------------------------- supervision


class _FakeProcess:
    def __init__(self, code=None) -> None:
        self.code = code

    def poll(self):
        return self.code


def test_a_stopped_server_is_restarted_after_a_growing_delay() -> None:
    from clinic.launcher import Service, restart_delay, supervise

    starts = []

    def start(service: Service) -> None:
        starts.append(service.name)
        service.process = _FakeProcess()
        service.started_at = now

    service = Service("action server", ["x"], "http://h", _FakeProcess(-9), started_at=0.0)
    now = 10.0
    line = supervise(service, now, start)
    assert line and "stopped (exit code -9)" in line and "1 s" in line
    assert starts == []  # not before the delay
    assert supervise(service, now + 0.5, start) is None and starts == []
    now = 11.0
    assert "restarted" in (supervise(service, now, start) or "")
    assert starts == ["action server"]

    service.process = _FakeProcess(1)  # stops again at once: the next delay is longer
    assert "2 s" in (supervise(service, 12.0, start) or "")
    assert [restart_delay(n) for n in (1, 2, 3, 6, 20)] == [1.0, 2.0, 4.0, 30.0, 30.0]


def test_backoff_is_reset_after_a_stable_minute() -> None:
    from clinic.launcher import STABLE_AFTER_S, Service, supervise

    service = Service("worker", ["x"], "http://h", _FakeProcess(), started_at=0.0, crashes=3)
    assert supervise(service, STABLE_AFTER_S - 1, lambda s: None) is None
    assert service.crashes == 3
    supervise(service, STABLE_AFTER_S + 1, lambda s: None)
    assert service.crashes == 0
