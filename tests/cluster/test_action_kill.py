"""kill -9 of action servers while visitors talk.

One of the two killed: HAProxy sends the actions to the other one, so conversations go on
(at most one failed request each: an action that was running on the killed server is not
run twice, the visitor sends the message again), and the supervisor brings it back.
Both killed: a visitor gets the "one moment, please try again" reply within 5 s (HTTP 200,
never a 5xx and never silence), and normal answers again once they are back.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Tuple

from clinic.channels.text import LAST_RESORT_REPLY
from tests.cluster.harness import Cluster, kill
from tests.cluster.visitors import Outcome, Pacing, conversation, rest_visitor, visitor_name

VISITORS = 10


def _post(cluster: Cluster, sender: str, text: str, timeout: float = 30
          ) -> Tuple[int, str, float]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{cluster.url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            said = "\n".join(m.get("text") or "" for m in json.loads(response.read()))
            return response.status, said, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, "", time.monotonic() - started


async def _with_one_action_server_killed(cluster: Cluster, prefix: str,
                                         figures: Dict[str, Any]) -> List[Outcome]:
    progress = [0] * VISITORS

    async def killer() -> None:
        while min(progress) < 3:
            await asyncio.sleep(0.05)
        kill(cluster.pids("action-server")[0])
        killed_at = time.monotonic()
        await asyncio.to_thread(cluster.wait_backend, "actions", "action-1", "DOWN", 30)
        await asyncio.to_thread(cluster.wait_backend, "actions", "action-1", "UP", 120)
        figures["action_kill"] = {"back_up_s": round(time.monotonic() - killed_at, 1)}

    visitors = [rest_visitor(cluster.url, f"{prefix}-{i}", conversation(i, 4),
                             Pacing(pause=0.2, on_step=lambda n, i=i: progress.__setitem__(i, n)))
                for i in range(VISITORS)]
    done = await asyncio.gather(*visitors, killer())
    return list(done[:VISITORS])


def test_one_action_server_killed_conversations_go_on(cluster: Cluster,
                                                      figures: Dict[str, Any]) -> None:
    prefix = f"akill-{uuid.uuid4().hex[:6]}"
    outcomes = asyncio.run(_with_one_action_server_killed(cluster, prefix, figures))
    figures["action_kill"]["failed_requests"] = sum(len(o.failures) for o in outcomes)
    for index, outcome in enumerate(outcomes):
        assert outcome.server_errors == 0, (outcome.sender, outcome.statuses)
        assert len(outcome.failures) <= 1, (outcome.sender, outcome.failures)
        assert outcome.unexpected == [], (outcome.sender, outcome.unexpected)
        assert visitor_name(index) in outcome.replies[-1]
    assert cluster.unhealthy_after() == []


def test_all_action_servers_killed_visitor_hears_one_moment_then_answers(
        cluster: Cluster, figures: Dict[str, Any]) -> None:
    sender = f"akill-all-{uuid.uuid4().hex[:6]}"
    status, said, _ = _post(cluster, sender, "what is fmm?")
    assert status == 200 and "Functional Muscle Manipulation" in said

    for pid in cluster.pids("action-server"):
        kill(pid)
    killed_at = time.monotonic()
    cluster.wait_backend("actions", "action-1", "DOWN", 10)
    status, said, seconds = _post(cluster, sender, "what is nmt?", timeout=10)
    assert status == 200, status  # never a 5xx
    assert said.strip() == LAST_RESORT_REPLY, said  # never silence
    assert seconds < 5

    for server in ("action-1", "action-2"):
        cluster.wait_backend("actions", server, "UP", 120)
    figures["all_actions_kill"] = {"one_moment_reply_s": round(seconds, 2),
                                   "back_up_s": round(time.monotonic() - killed_at, 1)}
    status, said, _ = _post(cluster, sender, "what is nmt?")
    assert status == 200 and "Neuromuscular Therapy" in said
    assert cluster.unhealthy_after() == []
