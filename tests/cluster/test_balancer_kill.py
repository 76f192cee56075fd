"""kill -9 of the load balancer mid-booking: the supervisor starts it again at once.

While it is down, connections to the public port are refused (the visitor's request fails
and is sent again); the conversations are in PostgreSQL, so the booking goes on where it
was, with the name given before the kill.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Dict, List

import aiohttp

from tests.cluster.harness import Cluster, kill
from tests.cluster.visitors import (
    Outcome,
    Pacing,
    conversation,
    rest_turn,
    rest_visitor,
    visitor_name,
)

VISITORS = 5


def test_a_killed_load_balancer_is_back_and_conversations_go_on(
        cluster: Cluster, figures: Dict[str, Any]) -> None:
    prefix = f"lbkill-{uuid.uuid4().hex[:6]}"
    progress = [0] * VISITORS

    async def run() -> List[Outcome]:
        async def killer() -> None:
            while min(progress) < 4:
                await asyncio.sleep(0.05)
            [pid] = cluster.pids("load-balancer")
            kill(pid)
            killed_at = time.monotonic()
            probe = Outcome(f"{prefix}-probe")
            async with aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(force_close=True)) as session:
                while await rest_turn(session, cluster.url, probe.sender, "hello",
                                      probe) is None:  # until the public side answers
                    await asyncio.sleep(0.1)
            figures["balancer_kill"] = {"back_s": round(time.monotonic() - killed_at, 1)}

        visitors = [rest_visitor(cluster.url, f"{prefix}-{i}", conversation(i, 2),
                                 Pacing(pause=0.3,
                                        on_step=lambda n, i=i: progress.__setitem__(i, n)))
                    for i in range(VISITORS)]
        return list((await asyncio.gather(*visitors, killer()))[:VISITORS])

    outcomes = asyncio.run(run())
    assert figures["balancer_kill"]["back_s"] < 10
    for index, outcome in enumerate(outcomes):
        assert outcome.server_errors == 0, (outcome.sender, outcome.statuses)
        assert len(outcome.failures) <= 1, (outcome.sender, outcome.failures)
        assert outcome.unexpected == [], (outcome.sender, outcome.unexpected)
        assert visitor_name(index) in outcome.replies[-1]
    assert cluster.unhealthy_after() == []
