"""A new model reaches every replica through the model server, while visitors talk.

The test rewrites the model file the cluster serves (the same trained model, packed again:
new bytes, so a new fingerprint; no training). Every replica must fetch it within
``CLUSTER_MODEL_PULL_SECONDS`` (10 s) plus its loading time, the conversations going on
meanwhile without a failed request or a 5xx.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import aiohttp

from tests.cluster.harness import Cluster
from tests.cluster.visitors import QUESTIONS, Outcome, rest_turn

PULL_S = 10


def repack(model: Path) -> None:
    """The same archive with a new gzip header: new bytes, same model."""
    data = gzip.decompress(model.read_bytes())
    fresh = model.with_name(".fresh.tar.gz")
    fresh.write_bytes(gzip.compress(data, mtime=int(time.time()) + 17))
    os.replace(fresh, model)


def sends(cluster: Cluster) -> List[str]:
    """Fingerprints the model server sent, one per replica download, in order."""
    log = (cluster.state_dir / "logs" / "model-server.log").read_text()
    return re.findall(r"sent model ([0-9a-f]{12})", log)


async def talk_until(cluster: Cluster, done: asyncio.Event) -> Outcome:
    """One visitor asking question after question until ``done``."""
    outcome = Outcome(f"swap-{uuid.uuid4().hex[:6]}")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)
                                     ) as session:
        number = 0
        while not done.is_set():
            text, _ = QUESTIONS[number % len(QUESTIONS)]
            await rest_turn(session, cluster.url, outcome.sender, text, outcome)
            number += 1
    return outcome


def test_a_new_model_reaches_every_replica_while_visitors_talk(
        cluster: Cluster, figures: Dict[str, Any]) -> None:
    replicas = int(cluster.env["REPLICAS"])
    before = set(sends(cluster))
    assert len(sends(cluster)) >= replicas and len(before) == 1  # all run the same model

    async def run() -> List[Outcome]:
        done = asyncio.Event()
        visitors = [asyncio.create_task(talk_until(cluster, done)) for _ in range(3)]
        repack(Path(cluster.env["RASA_MODEL"]))
        started = time.monotonic()
        while len([s for s in sends(cluster) if s not in before]) < replicas:
            assert time.monotonic() - started < PULL_S + 60, sends(cluster)
            await asyncio.sleep(0.5)
        figures["model_swap"] = {"all_fetched_s": round(time.monotonic() - started, 1)}
        await asyncio.sleep(15)  # and while they load it
        done.set()
        return list(await asyncio.gather(*visitors))

    outcomes = asyncio.run(run())
    latencies = [value for outcome in outcomes for value in outcome.latencies]
    figures["model_swap"]["slowest_turn_s"] = round(max(latencies), 1)
    figures["model_swap"]["turns"] = len(latencies)
    assert [o.failures for o in outcomes if o.failures] == []
    assert sum(o.server_errors for o in outcomes) == 0
    assert cluster.unhealthy_after() == []
