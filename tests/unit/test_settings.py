"""Settings come from the environment with working embedded defaults."""

import pytest

from clinic.settings import Settings


def test_defaults_need_no_outside_services() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.redis_url is None
    assert (settings.rasa_port, settings.action_port, settings.web_port) == (5005, 5055, 8080)
    assert settings.action_host == "127.0.0.1"
    assert settings.action_server_url == "http://127.0.0.1:5055/webhook"
    assert "http://localhost:8080" in settings.allowed_origins


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "RASA_PORT": "6005",
            "DATABASE_URL": "postgresql://u@db/clinic",
            "REDIS_URL": "redis://cache:6379/2",
            "ALLOWED_ORIGINS": "https://a.example, https://b.example ,",
            "RASA_API_TOKEN": "t0k",
            "RASA_ENABLE_API": "false",
        }
    )
    assert settings.rasa_port == 6005
    assert settings.database_url == "postgresql://u@db/clinic"
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.api_token == "t0k"
    assert settings.enable_api is False


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_bad_port_is_explained(value: str) -> None:
    with pytest.raises(ValueError, match="RASA_PORT"):
        Settings.from_env({"RASA_PORT": value})
