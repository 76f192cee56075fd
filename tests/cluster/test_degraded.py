"""The shared services failing under a cluster: RabbitMQ, Redis, PostgreSQL.

A second cluster (2 Rasa servers, 1 action server) runs on a throwaway PostgreSQL and a
throwaway Redis, which these tests restart and kill, with its event broker pointed at a
closed port (RabbitMQ unreachable from the start). The machine's shared servers are never
touched.

* RabbitMQ unreachable: ``up`` says so, conversations and bookings work (analytics events
  wait in the Rasa servers' memory);
* Redis killed mid-traffic: conversations go on (each server takes in-process locks and
  says so in its log); when Redis is back the locks are taken there again;
* PostgreSQL restarted mid-traffic: at most one failed request per conversation, which the
  visitor sends again; no booking request is lost and each is delivered exactly once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import redis

from actions.booking.store import BookingStore
from clinic.cluster.locks import RETRY_REDIS_AFTER_S
from tests.cluster.harness import Cluster, closed_port, database_url, start_cluster, stop_cluster
from tests.cluster.throwaway import (
    ThrowawayPostgres,
    ThrowawayRedis,
    remove_postgres,
    start_postgres,
    start_redis,
)
from tests.cluster.visitors import Outcome, Pacing, conversation, rest_visitor, visitor_name

VISITORS = 6


@pytest.fixture(scope="module")
def degraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    postgres, cache = start_postgres(), start_redis()
    suffix = uuid.uuid4().hex[:8]
    cluster = None
    try:
        cluster = start_cluster(
            tmp_path_factory.mktemp("degraded"), replicas=2, action_servers=1,
            CLUSTER_DATABASE_URL=database_url(postgres.server_url, f"clinic_ct_{suffix}"),
            CLUSTER_REDIS_URL=cache.url,
            CLUSTER_EVENT_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{closed_port()}/",
            BOOKING_WORKER_POLL_SECONDS="1", BOOKING_CHANNELS="local")
        yield {"cluster": cluster, "postgres": postgres, "redis": cache}
    except RuntimeError as error:
        pytest.fail(str(error))
    finally:  # the throwaway servers go, whatever happened
        if cluster is not None:
            stop_cluster(cluster)
        remove_postgres(postgres)
        cache.kill()


def _conversations(cluster: Cluster, prefix: str, fault_after: int,
                   fault: Callable[[], Any]) -> List[Outcome]:
    """``VISITORS`` booking conversations; ``fault`` runs once all gave ``fault_after``
    answers."""
    progress = [0] * VISITORS

    async def run() -> List[Outcome]:
        async def inject() -> None:
            while min(progress) < fault_after:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(fault)

        visitors = [rest_visitor(cluster.url, f"{prefix}-{i}", conversation(i, 2),
                                 Pacing(pause=0.3,
                                        on_step=lambda n, i=i: progress.__setitem__(i, n)))
                    for i in range(VISITORS)]
        return list((await asyncio.gather(*visitors, inject()))[:VISITORS])

    return asyncio.run(run())


def _check(outcomes: List[Outcome], most_failures: int) -> None:
    for index, outcome in enumerate(outcomes):
        assert outcome.server_errors == 0, (outcome.sender, outcome.statuses)
        assert len(outcome.failures) <= most_failures, (outcome.sender, outcome.failures)
        assert outcome.unexpected == [], (outcome.sender, outcome.unexpected)
        assert visitor_name(index) in outcome.replies[-1]


def _stored(cluster: Cluster, prefix: str) -> List[Any]:
    return [item.request for item in BookingStore.from_url(cluster.database_url).list_requests()
            if item.request.sender_id.startswith(prefix + "-")]


def test_rabbitmq_unreachable_conversations_and_bookings_still_work(
        degraded: Dict[str, Any], figures: Dict[str, Any]) -> None:
    cluster: Cluster = degraded["cluster"]
    assert "RabbitMQ" in cluster.up_output and "does not answer" in cluster.up_output
    prefix = f"norabbit-{uuid.uuid4().hex[:6]}"
    outcomes = _conversations(cluster, prefix, 0, lambda: None)
    _check(outcomes, most_failures=0)
    assert len(_stored(cluster, prefix)) == VISITORS
    assert cluster.unhealthy_after() == []


def test_redis_killed_mid_traffic_conversations_go_on(degraded: Dict[str, Any],
                                                      figures: Dict[str, Any]) -> None:
    cluster: Cluster = degraded["cluster"]
    cache: ThrowawayRedis = degraded["redis"]
    prefix = f"noredis-{uuid.uuid4().hex[:6]}"
    outcomes = _conversations(cluster, prefix, 3, cache.kill)
    figures["redis_down"] = {"failed_requests": sum(len(o.failures) for o in outcomes)}
    _check(outcomes, most_failures=1)
    assert "Redis (lock store) cannot be reached" in cluster.logs()

    cache.start()  # back (empty): after RETRY_REDIS_AFTER_S the servers use it again
    time.sleep(RETRY_REDIS_AFTER_S + 1)
    for index in range(4):  # round robin: every replica gets a turn
        rest = asyncio.run(rest_visitor(cluster.url, f"{prefix}-after-{index}",
                                        [("hello", "virtual assistant")]))
        assert not rest.failures and not rest.unexpected
    stats = redis.Redis.from_url(cache.url).info("commandstats")
    assert stats.get("cmdstat_set", {}).get("calls", 0) >= 4  # tickets written to Redis


def test_postgres_restart_mid_traffic_loses_no_booking(degraded: Dict[str, Any],
                                                       figures: Dict[str, Any]) -> None:
    cluster: Cluster = degraded["cluster"]
    postgres: ThrowawayPostgres = degraded["postgres"]
    prefix = f"pgrestart-{uuid.uuid4().hex[:6]}"
    took: List[float] = []
    outcomes = _conversations(cluster, prefix, 4, lambda: took.append(postgres.restart()))
    figures["postgres_restart"] = {"restart_s": round(took[0], 1),
                                   "failed_requests": sum(len(o.failures) for o in outcomes)}
    _check(outcomes, most_failures=1)

    stored = _stored(cluster, prefix)
    assert sorted(r.name for r in stored) == sorted(visitor_name(i) for i in range(VISITORS))
    outbox = Path(cluster.env["CLUSTER_STATE_DIR"]) / "outbox-deliveries.jsonl"
    wanted = {request.id for request in stored}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in outbox.read_text().splitlines()] \
            if outbox.exists() else []
        delivered = [line["request"]["id"] for line in lines if line["request"]["id"] in wanted]
        if set(delivered) == wanted:
            break
        time.sleep(1)
    assert sorted(delivered) == sorted(wanted)  # each delivered, and exactly once
