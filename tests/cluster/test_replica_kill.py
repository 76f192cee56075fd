"""kill -9 of one Rasa server while 20 visitors are in the middle of booking.

16 visitors talk REST (round robin over the replicas, so every one of them meets the killed
replica), 4 talk socket.io like the widget (all on one replica, the one that is killed:
their websocket drops, the client reconnects and asks for its session again). Everybody
gives name, phone and preferred times; then all send their next message at once and the
replica is killed while some of those requests are on it. Every conversation must go on
with its context (the consent question repeats the phone number, the summary the name, both
given before the kill), with at most one failed request per conversation (which the visitor
sends again, as the widget does) and never a 5xx; every booking is stored exactly once.
The supervisor restarts the replica and HAProxy takes it back.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

from actions.booking.store import BookingStore
from tests.cluster.harness import Cluster, kill
from tests.cluster.socket_visitor import socket_visitor
from tests.cluster.visitors import Outcome, Pacing, conversation, rest_visitor, visitor_name

VISITORS, SOCKET_VISITORS = 20, 4
QUESTIONS = 2  # then the booking: start, name, phone, times ...
HOLD_AT = QUESTIONS + 4  # ... everybody waits here ("skip" the concern) for the kill


def replica_of_socket_visitors(cluster: Cluster) -> str:
    """The HAProxy server name (``rasa-N``) holding the socket.io visitors' websockets."""
    states = cluster.backend_states("rasa_socketio")
    return max(states, key=lambda name: int(states[name]["scur"] or 0))


async def _run(cluster: Cluster, prefix: str, figures: Dict[str, Any]) -> List[Outcome]:
    progress = [0] * VISITORS
    go = asyncio.Event()

    async def visitor(index: int) -> Outcome:
        pacing = Pacing(pause=0.3, gate=go, gate_at=HOLD_AT,
                        on_step=lambda done: progress.__setitem__(index, done))
        steps, sender = conversation(index, QUESTIONS), f"{prefix}-{index}"
        if index < SOCKET_VISITORS:
            return await socket_visitor(cluster.url, cluster.origin, sender, steps, pacing)
        return await rest_visitor(cluster.url, sender, steps, pacing)

    async def killer() -> None:
        while min(progress) < HOLD_AT:
            await asyncio.sleep(0.1)
        server = replica_of_socket_visitors(cluster)
        pid = cluster.pids("rasa")[int(server.split("-")[1]) - 1]
        go.set()  # everybody sends the next message now
        deadline, busy = time.monotonic() + 5, 0
        while not busy and time.monotonic() < deadline:  # REST requests on it right now
            states = await asyncio.to_thread(cluster.backend_states, "rasa")
            busy = int(states[server]["scur"] or 0)
        kill(pid)
        killed_at = time.monotonic()
        down = await asyncio.to_thread(cluster.wait_backend, "rasa", server, "DOWN", 30)
        await asyncio.to_thread(cluster.wait_backend, "rasa", server, "UP", 300)
        figures["rasa_kill"] = {"detected_down_s": round(down, 1),
                                "back_up_s": round(time.monotonic() - killed_at, 1),
                                "killed": server, "rest_requests_in_flight": busy}

    outcomes = await asyncio.gather(*(visitor(i) for i in range(VISITORS)), killer())
    return list(outcomes[:VISITORS])


def test_killing_a_replica_keeps_every_conversation_and_its_context(
        cluster: Cluster, figures: Dict[str, Any]) -> None:
    prefix = f"kill-{int(time.time())}"
    started = time.monotonic()
    outcomes = asyncio.run(_run(cluster, prefix, figures))
    figures["rasa_kill"]["conversations_s"] = round(time.monotonic() - started, 1)
    figures["rasa_kill"]["failed_requests"] = {o.sender: o.failures for o in outcomes
                                               if o.failures}
    figures["rasa_kill"]["slowest_turn_s"] = round(max(max(o.latencies) for o in outcomes), 1)

    assert figures["rasa_kill"]["rest_requests_in_flight"] >= 1  # the kill hit requests
    for index, outcome in enumerate(outcomes):
        assert outcome.server_errors == 0, (outcome.sender, outcome.statuses)
        assert len(outcome.failures) <= 1, (outcome.sender, outcome.failures)
        assert outcome.unexpected == [], (outcome.sender, outcome.unexpected)
        assert visitor_name(index) in outcome.replies[-1]  # "Thank you, <own name>!"

    stored = [item.request for item in
              BookingStore.from_url(cluster.database_url).list_requests()
              if item.request.sender_id.startswith(prefix + "-")]
    by_sender = {request.sender_id: request for request in stored}
    assert len(stored) == VISITORS == len(by_sender)  # each exactly once
    for index in range(VISITORS):
        assert by_sender[f"{prefix}-{index}"].name == visitor_name(index)

    logs = cluster.logs()
    assert not [visitor_name(i) for i in range(VISITORS) if visitor_name(i) in logs]
    assert cluster.unhealthy_after() == []  # the replica is back
