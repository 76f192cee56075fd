"""The broker is chosen from settings like the lock store, and endpoints.yml names it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clinic.analytics.broker import (
    BackgroundSQLBroker,
    ConfiguredEventBroker,
    ResilientPikaBroker,
)
from clinic.analytics.queue import pika_arguments
from clinic.devstack import free_port
from clinic.settings import PROJECT_ROOT, Settings


def test_settings_defaults_and_errors() -> None:
    settings = Settings.from_env({})
    assert settings.event_broker_url is None
    assert settings.event_broker_queue == "clinic_analytics"
    assert settings.analytics_events_db == PROJECT_ROOT / "var" / "analytics-events.db"
    assert settings.analytics_port == 5057
    assert settings.clinic_timezone == "America/Los_Angeles"
    custom = Settings.from_env({"EVENT_BROKER_URL": "amqp://u:p@mq:5672/clinic",
                                "EVENT_BROKER_QUEUE": "q", "BOOKING_TIMEZONE": "UTC"})
    assert (custom.event_broker_url, custom.event_broker_queue, custom.clinic_timezone) == (
        "amqp://u:p@mq:5672/clinic", "q", "UTC")
    with pytest.raises(ValueError, match="EVENT_BROKER_URL must start with amqp://"):
        Settings.from_env({"EVENT_BROKER_URL": "redis://localhost"})
    with pytest.raises(ValueError, match="ANALYTICS_PORT"):
        Settings.from_env({"ANALYTICS_PORT": "none"})


def test_the_broker_url_keeps_its_password_out_of_what_rasa_logs() -> None:
    args = pika_arguments("amqp://clinic:s%40cret@mq.internal:5673/prod")
    assert args == {"host": "amqp://mq.internal:5673/prod", "port": 5673,
                    "username": "clinic", "password": "s%40cret"}
    assert "cret" not in args["host"]


def test_endpoints_yml_names_the_configured_broker() -> None:
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert endpoints["event_broker"] == {"type": "clinic.analytics.broker.ConfiguredEventBroker"}


async def test_unset_url_means_rasas_sql_broker_on_its_own_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_BROKER_URL", raising=False)
    monkeypatch.setenv("ANALYTICS_EVENTS_DB", str(tmp_path / "queue.db"))
    broker = await ConfiguredEventBroker.from_endpoint_config(None)
    assert isinstance(broker.inner, BackgroundSQLBroker) and broker.is_ready()
    assert str(broker.inner.inner.engine.url) == f"sqlite:///{tmp_path / 'queue.db'}"
    await broker.close()


async def test_an_amqp_url_means_rasas_pika_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_BROKER_URL", f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    monkeypatch.setenv("EVENT_BROKER_QUEUE", "never_created")
    broker = await ConfiguredEventBroker.from_endpoint_config(None)
    assert isinstance(broker.inner, ResilientPikaBroker)
    assert broker.inner.queues == ["never_created"] and not broker.is_ready()
    broker.publish({"sender_id": "x", "event": "action", "name": "action_listen"})
    assert len(broker.inner._unpublished_events) == 1  # kept until RabbitMQ is reachable
    await broker.close()
