"""Server hardening defaults: localhost only, the HTTP API only with a token, explicit CORS."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from clinic import action_server
from clinic.launcher import rasa_command, services
from clinic.settings import Settings


@pytest.fixture()
def settings_for(tmp_path: Path):  # noqa: ANN201
    """Settings from a given environment, with the API token file in a scratch folder."""

    def build(env: Dict[str, str]) -> Settings:
        return dataclasses.replace(
            Settings.from_env(env), api_token_file=tmp_path / "rasa-api-token"
        )

    return build


def test_every_server_listens_on_localhost_by_default(settings_for) -> None:  # noqa: ANN001
    settings = settings_for({})
    assert settings.action_host == "127.0.0.1"
    assert settings.rasa_interface == "127.0.0.1"
    assert settings.web_interface == "127.0.0.1"
    command = rasa_command(settings)
    assert command[command.index("--interface") + 1] == "127.0.0.1"
    action = services(settings)[0]
    assert action.health_url.startswith("http://127.0.0.1:")


def test_the_action_server_binds_to_action_host(monkeypatch: pytest.MonkeyPatch) -> None:
    started: List[List[str]] = []
    monkeypatch.delenv("SANIC_HOST", raising=False)
    monkeypatch.delenv("ACTION_HOST", raising=False)
    monkeypatch.setattr(sys, "argv", ["clinic.action_server"])
    import rasa_sdk.__main__ as sdk_main

    monkeypatch.setattr(sdk_main, "main", lambda: started.append(list(sys.argv)))
    action_server.main()
    assert os.environ["SANIC_HOST"] == "127.0.0.1"  # read by rasa_sdk.endpoint.run
    assert started and "--port" in started[0]


def test_the_http_api_never_runs_without_a_token(
    settings_for, tmp_path: Path  # noqa: ANN001
) -> None:
    command = rasa_command(settings_for({}))
    assert "--enable-api" in command
    generated = command[command.index("--auth-token") + 1]
    assert len(generated) >= 32
    token_file = tmp_path / "rasa-api-token"
    assert token_file.read_text().strip() == generated
    assert token_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_the_http_api_uses_the_configured_token(settings_for) -> None:  # noqa: ANN001
    command = rasa_command(settings_for({"RASA_API_TOKEN": "s3cret"}))
    assert "--enable-api" in command
    assert command[command.index("--auth-token") + 1] == "s3cret"


def test_the_http_api_can_be_switched_off(settings_for) -> None:  # noqa: ANN001
    command = rasa_command(settings_for({"RASA_ENABLE_API": "false"}))
    assert "--enable-api" not in command and "--auth-token" not in command


def test_cors_lists_only_the_allowed_origins(settings_for) -> None:  # noqa: ANN001
    settings = settings_for(
        {"ALLOWED_ORIGINS": "https://clinic.example, https://www.clinic.example"}
    )
    command = rasa_command(settings)
    start = command.index("--cors") + 1
    origins = []
    for part in command[start:]:
        if part.startswith("--"):
            break
        origins.append(part)
    assert origins == ["https://clinic.example", "https://www.clinic.example"]
    assert "*" not in command
