"""The cluster's pure parts, without starting anything: settings, HAProxy configuration,
topology, state file, model server answers, lock store and tracker store retries."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import tarfile
import time
from pathlib import Path
from typing import List

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError, ProgrammingError

from clinic.cluster import haproxy, locks, model_server, state, topology, trackers
from clinic.cluster.settings import ClusterConfigError, ClusterSettings
from clinic.cluster.supervisor import start_groups
from clinic.launcher import EXPECTED_RASA_VERSION
from clinic.settings import PROJECT_ROOT


def test_settings_defaults_and_overrides() -> None:
    settings = ClusterSettings.from_env({})
    assert (settings.replicas, settings.action_servers, settings.public_port) == (3, 2, 5005)
    assert settings.rasa_ports == [5011, 5012, 5013]
    assert settings.database_url.endswith("/clinic_cluster")
    assert settings.bookings_url == settings.database_url
    other = ClusterSettings.from_env({"REPLICAS": "2", "CLUSTER_PORT": "6000",
                                      "CLUSTER_RASA_BASE_PORT": "7000"})
    assert (other.public_port, other.rasa_ports) == (6000, [7001, 7002])
    assert len(set(settings.ports().values())) == len(settings.ports())  # no port twice


@pytest.mark.parametrize("env, named", [
    ({"REPLICAS": "0"}, "REPLICAS"), ({"REPLICAS": "three"}, "REPLICAS"),
    ({"CLUSTER_DATABASE_URL": "sqlite:///var/x.db"}, "CLUSTER_DATABASE_URL"),
    ({"CLUSTER_REDIS_URL": "http://cache"}, "CLUSTER_REDIS_URL"),
    ({"CLUSTER_EVENT_BROKER_URL": "redis://x"}, "CLUSTER_EVENT_BROKER_URL"),
])
def test_wrong_settings_name_the_variable(env: dict, named: str) -> None:
    with pytest.raises(ClusterConfigError, match=named):
        ClusterSettings.from_env(env)


def test_haproxy_config_is_valid_and_routes_only_the_channels(tmp_path: Path) -> None:
    settings = ClusterSettings.from_env({"REPLICAS": "2", "CLUSTER_PORT": "6000"})
    text = haproxy.render(settings, "/status?token=t0k")
    assert "bind 127.0.0.1:6000" in text
    assert "server rasa-1 127.0.0.1:5011 check" in text and "rasa-3" not in text
    assert "deny_status 413 if { req.hdr_val(content-length) gt 65536 }" in text
    assert "deny_status 404 if !socketio !rest !widget" in text
    assert "-m str http://localhost:8080 http://127.0.0.1:8080" in text
    assert "uri /status?token=t0k" in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    binary = haproxy.haproxy_binary()
    assert binary, "haproxy missing: scripts/ensure-haproxy.sh (make test-cluster runs it)"
    checked = subprocess.run(haproxy.check_command(config, binary), capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("origin", ["*", "http://a.example b", "javascript:x", ""])
def test_origins_that_could_break_the_acl_are_refused(origin: str) -> None:
    with pytest.raises(ClusterConfigError, match="ALLOWED_ORIGINS"):
        haproxy.origin_patterns([origin] if origin else [])


def test_topology_roles_ports_and_start_order() -> None:
    settings = ClusterSettings.from_env({})
    members = topology.members(settings, "/usr/sbin/haproxy", token="t")
    roles = [member.role for member in members]
    assert roles.count("rasa") == 3 and roles.count("action-server") == 2
    assert all(m.health_url.endswith("/status?token=t") for m in members if m.role == "rasa")
    groups = [[member.role for member in group] for group in start_groups(members)]
    assert groups[:5] == [["model-server"], ["booking-worker"],
                          ["action-server", "action-server"], ["load-balancer"], ["rasa"]]
    assert groups[5] == ["rasa", "rasa"]  # after the first one created the tables
    env = topology.shared_env(settings, {})
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"  # the balancer
    assert env["RASA_PORT"] == "5005" and env["DATABASE_URL"] == settings.database_url


def test_endpoints_add_the_model_server_and_keep_the_rest() -> None:
    config = topology.endpoints(ClusterSettings.from_env({}))
    assert config["models"]["url"] == "http://127.0.0.1:5058/models/clinic.tar.gz"
    assert config["lock_store"]["type"] == "clinic.cluster.locks.FallbackLockStore"
    assert config["tracker_store"]["type"].endswith("ResilientSQLTrackerStore")
    assert config["action_endpoint"] == {"url": "${ACTION_SERVER_URL}"}


def test_state_file_round_trip_keeps_no_token(tmp_path: Path) -> None:
    entry = state.entry_for("rasa", "Rasa server 1", 5011, "http://h:1/status?token=secret")
    saved = state.ClusterState(supervisor_pid=1, entries=[entry])
    state.write_state(tmp_path, saved)
    assert "secret" not in (tmp_path / "state.json").read_text()
    loaded = state.read_state(tmp_path)
    assert loaded is not None and loaded.entries[0].needs_token
    rows = state.status_rows(loaded, healthy=lambda e: True, alive=lambda pid: pid == 1)
    assert [(r["role"], r["healthy"]) for r in rows] == [("supervisor", True), ("rasa", False)]
    assert state.status_rows(None, healthy=lambda e: True) == []


def _model(tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"{version}.tar.gz"
    payload = json.dumps({"rasa_open_source_version": version}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


def test_model_server_answers_with_etag_304_and_refuses_other_versions(tmp_path: Path) -> None:
    served = model_server.ModelFile(_model(tmp_path, EXPECTED_RASA_VERSION))
    status, headers, body = model_server.answer(served, model_server.MODEL_ROUTE, None)
    assert status == 200 and body == served.path and len(headers["ETag"]) == 64
    assert model_server.answer(served, model_server.MODEL_ROUTE, headers["ETag"])[0] == 304
    assert model_server.answer(served, "/models/other.tar.gz", None)[0] == 404
    old = model_server.ModelFile(_model(tmp_path, "3.6.19"))  # CVE-2024-49375
    assert model_server.answer(old, model_server.MODEL_ROUTE, None)[0] == 404


def test_a_waiter_whose_ticket_expired_is_served_not_stuck() -> None:
    store = InMemoryLockStore()
    dead = store.issue_ticket("c", 0.2)  # a replica killed while holding the lock
    mine = store.issue_ticket("c", 0.2)  # ... and the retried request, expiring with it
    assert mine == dead + 1
    time.sleep(0.3)  # both expired: Rasa's own loop now waits for ever ...
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(store._acquire_lock("c", mine, 0.05), 0.5))
    held: List[int] = [mine]  # ... this one takes a new ticket and is served
    acquired = asyncio.run(asyncio.wait_for(locks.acquire(store, "c", held, 5, 0.05), 3))
    assert acquired is not None and held[0] != mine


class _DownRedis(InMemoryLockStore):
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        try:
            raise RedisConnectionError("Connection refused")
        except RedisConnectionError as error:
            raise LockError("Error while acquiring lock.") from error


def test_redis_down_falls_back_to_in_process_locks() -> None:
    store = locks.FallbackLockStore(primary=_DownRedis())

    async def turn() -> str:
        async with store.lock("c"):
            return "answered"

    assert asyncio.run(turn()) == "answered"
    assert store.redis_down_until > time.monotonic()
    assert not locks.redis_unreachable(LockError("some other problem"))


def test_tracker_store_retries_only_an_unreachable_database(monkeypatch) -> None:
    monkeypatch.setattr(trackers, "RETRY_DELAYS_S", (0.01, 0.01))
    calls: List[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return "ok"

    assert asyncio.run(trackers.retrying(flaky, "reading")) == "ok" and len(calls) == 3

    async def broken() -> None:
        raise ProgrammingError("SELECT nope", {}, Exception("syntax error"))

    with pytest.raises(ProgrammingError):
        asyncio.run(trackers.retrying(broken, "reading"))


def test_the_runtime_files_exist_where_the_docs_say() -> None:
    assert (PROJECT_ROOT / "clinic" / "cluster" / "haproxy.cfg.tmpl").is_file()
    assert (PROJECT_ROOT / "scripts" / "ensure-haproxy.sh").stat().st_mode & 0o111
