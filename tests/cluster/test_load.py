"""50 visitors at once, 20 turns each (13 questions, then a whole booking), through HAProxy.

Zero 5xx, zero failed requests, every reply the one its own conversation needs, and no
cross-talk: each visitor's summary names them and their own phone number, and each of the
50 booking requests is stored once under its own conversation with its own name.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Dict, List

from actions.booking.store import BookingStore
from tests.cluster.harness import Cluster
from tests.cluster.visitors import (
    Outcome,
    Pacing,
    conversation,
    percentile,
    rest_visitor,
    visitor_name,
    visitor_phone,
)

VISITORS, QUESTIONS = 50, 13  # 13 questions + 7 booking turns = 20 turns each


async def _crowd(cluster: Cluster, prefix: str) -> List[Outcome]:
    return list(await asyncio.gather(*(
        rest_visitor(cluster.url, f"{prefix}-{i}", conversation(i, QUESTIONS), Pacing())
        for i in range(VISITORS))))


def test_fifty_concurrent_conversations_no_5xx_no_cross_talk(
        cluster: Cluster, figures: Dict[str, Any]) -> None:
    prefix = f"load-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    outcomes = asyncio.run(_crowd(cluster, prefix))
    seconds = time.monotonic() - started
    latencies = [value for outcome in outcomes for value in outcome.latencies]
    figures["load_50x20"] = {
        "requests": len(latencies), "seconds": round(seconds, 1),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_s": round(percentile(latencies, 0.50), 2),
        "p95_s": round(percentile(latencies, 0.95), 2),
        "p99_s": round(percentile(latencies, 0.99), 2),
    }

    figures["load_50x20"]["checks_failed"] = {
        name: row["chkfail"] for name, row in cluster.backend_states("rasa").items()}
    assert [(o.sender, o.statuses) for o in outcomes if o.server_errors] == []
    assert [o.failures for o in outcomes if o.failures] == []
    for index, outcome in enumerate(outcomes):
        assert outcome.unexpected == [], (outcome.sender, outcome.unexpected)
        summary = outcome.replies[-2]
        assert f"- Name: {visitor_name(index)}\n" in summary
        assert visitor_phone(index)[1] in summary
        others = [visitor_name(i) for i in range(VISITORS)
                  if i != index and visitor_name(i) != visitor_name(index)]
        assert not [name for name in others if name in "\n".join(outcome.replies)]

    stored = [item.request for item in
              BookingStore.from_url(cluster.database_url).list_requests()
              if item.request.sender_id.startswith(prefix + "-")]
    assert len(stored) == VISITORS
    assert {(r.sender_id, r.name, r.phone) for r in stored} == {
        (f"{prefix}-{i}", visitor_name(i), visitor_phone(i)[1]) for i in range(VISITORS)}
