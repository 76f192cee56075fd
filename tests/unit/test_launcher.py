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


def test_make_run_starts_all_four_servers() -> None:
    names = [service.name for service in launcher.services(Settings.from_env({}))]
    assert names == ["action server", "Rasa server", "demo page", "booking worker"]
