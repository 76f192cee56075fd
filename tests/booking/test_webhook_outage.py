"""The clinic's webhook receiver is down for 10 minutes (simulated), then up: every booking
made during the outage reaches it exactly once (issue 19).

``make cluster`` runs the same booking worker as ``make run`` (``python -m
actions.booking.worker``, i.e. ``run_forever``) on a PostgreSQL booking store, so this test
needs no cluster: the real servers (the launcher on free ports, as the ``stack`` fixture)
with the booking store in a fresh PostgreSQL database and the webhook channel pointing at
a local receiver that is not listening yet. The stack's own worker process is parked (it
polls once a day); the worker under test is ``run_forever`` in a thread with a simulated
clock (real time plus the minutes the test skips), polling every 5 simulated seconds as
the cluster's does.

1. Outage: 4 visitors book over REST, at simulated minutes 0, 3, 6 and 9; every delivery
   fails ("webhook_unreachable") and is tried again with the real backoff (30 s doubling).
2. At minute 10 the receiver comes up. Its first answer is lost (it stores the request,
   then answers after the worker stopped waiting), so the worker sends that request again
   with the same ``Idempotency-Key``, which the receiver recognises.
3. Every booking was stored once and processed by the receiver once: idempotency keys
   unique, one per booking, the bodies the visitors' own; an hour later nothing more came.

Figures go to ``test-artifacts/webhook-outage.json`` (docs/reliability.md quotes them).
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import make_url

from actions.booking import messages as m
from actions.booking.settings import BookingSettings
from actions.booking.store import STATUS_DELIVERED, BookingStore, utcnow
from actions.booking.worker import WorkerStatus, run_forever
from clinic.devstack import Stack
from tests.booking.targets import WebhookTarget, free_port
from tests.cluster.visitors import booking_steps, joined, visitor_name, visitor_phone
from tests.conftest import start_stack, stop_stack

SECRET = "outage-test-secret"
VISITORS = 4
BOOK_EVERY_S = 180  # a booking every 3 simulated minutes of the outage
OUTAGE_S = 600  # 10 simulated minutes
STEP_S = 5  # the worker's poll (BOOKING_WORKER_POLL_SECONDS, default 5)
WEBHOOK_TIMEOUT_S = 2.0  # BOOKING_WEBHOOK_TIMEOUT of the test
LOST_ANSWER_S = 3.0  # the receiver's first answer comes after the worker gave up on it
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "webhook-outage.json"


class SimulatedClock:
    """Real UTC time plus the seconds the test skipped (naive, whole seconds, as utcnow)."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> datetime:
        return utcnow() + timedelta(seconds=self.skipped)

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


class Passes(WorkerStatus):
    """The worker's status, counting its passes so the test can wait for the next one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.count = 0
        self._last: Any = None
        super().__init__()

    @property  # type: ignore[override]
    def last_pass(self) -> Any:
        return self._last

    @last_pass.setter
    def last_pass(self, value: Any) -> None:
        with self._cond:
            self._last = value
            self.count += 1
            self._cond.notify_all()

    def wait_for(self, count: int, timeout_s: float = 60.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.count >= count, timeout_s), "worker stuck"


class Receiver(WebhookTarget):
    """The clinic's receiver (signature and Idempotency-Key checked, as in targets.py);
    ``lose_next_answer``: the next request is stored, but answered too late."""

    lose_next_answer = False

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if self.lose_next_answer and response.status < 300:
            self.lose_next_answer = False
            await asyncio.sleep(LOST_ANSWER_S)
        return response


@pytest.fixture(scope="module")
def booking_db(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the booking store, dropped afterwards."""
    name = f"outage_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """The receiver, not started: the webhook is down."""
    target = Receiver(SECRET, free_port())
    yield target
    target.stop()


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory: pytest.TempPathFactory, booking_db: str,
                 receiver: Receiver) -> Iterator[Stack]:
    """The real servers, storing bookings in PostgreSQL for the webhook channel."""
    running = start_stack(tmp_path_factory.mktemp("outage"), {
        "BOOKING_DATABASE_URL": booking_db,
        "BOOKING_CHANNELS": "webhook",
        "BOOKING_WEBHOOK_URL": receiver.url,
        "BOOKING_WEBHOOK_SECRET": SECRET,
        "BOOKING_WEBHOOK_TIMEOUT": str(WEBHOOK_TIMEOUT_S),
        "BOOKING_WORKER_POLL_SECONDS": "86400",  # parked: the worker under test delivers
    })
    yield running
    stop_stack(running)


def book(stack: Stack, sender: str, index: int) -> None:
    """A whole booking over REST, as visitor ``index``."""
    for text, expected in booking_steps(index):
        said = joined(stack.rest(sender, text))
        assert expected in said, (text, said)
    assert m.RECEIVED.format(name=visitor_name(index)) in said


def test_webhook_down_for_ten_minutes_then_up_delivers_each_booking_once(
        outage_stack: Stack, booking_db: str, receiver: Receiver) -> None:
    began = time.monotonic()
    settings = replace(BookingSettings.from_env(outage_stack.env), poll_seconds=0.05)
    assert settings.channels == ("webhook",) and settings.webhook_retries == 3
    store = BookingStore.from_url(booking_db)
    clock, passes, stop = SimulatedClock(), Passes(), threading.Event()
    worker = threading.Thread(target=run_forever, args=(settings, stop, passes, clock),
                              daemon=True)
    worker.start()

    def step(seconds: float = STEP_S) -> None:
        """``seconds`` of simulated time, then a whole pass of the worker."""
        seen = passes.count
        clock.advance(seconds)
        passes.wait_for(seen + 2)

    prefix = f"outage-{uuid.uuid4().hex[:8]}"
    start = clock()
    booked: List[datetime] = []
    try:
        # 1. The outage: a booking every 3 minutes, the worker failing and backing off.
        while clock() - start < timedelta(seconds=OUTAGE_S):
            if len(booked) < VISITORS and clock() - start >= timedelta(
                    seconds=BOOK_EVERY_S * len(booked)):
                book(outage_stack, f"{prefix}-{len(booked)}", len(booked))
                booked.append(clock())
            step()
        assert len(booked) == VISITORS
        stored = [item for item in store.list_requests()
                  if item.request.sender_id.startswith(prefix + "-")]
        assert len(stored) == VISITORS
        during = {item.request.sender_id: item.deliveries[0].attempts for item in stored}
        for item in stored:
            [row] = item.deliveries
            assert row.status != STATUS_DELIVERED and row.last_error == "webhook_unreachable"
            assert row.attempts >= 1, during
        assert during[f"{prefix}-0"] >= 4, during  # tried again and again, never given up
        assert receiver.received_keys == []

        # 2. The receiver is back; its first answer gets lost.
        receiver.lose_next_answer = True
        receiver.start()
        up = clock()
        delivered: Dict[str, datetime] = {}
        while len(delivered) < VISITORS and clock() - up < timedelta(hours=2):
            step()
            for item in store.list_requests():
                row = item.deliveries[0]
                if item.request.sender_id.startswith(prefix + "-") and row.delivered_at:
                    delivered[item.request.sender_id] = row.delivered_at
        assert len(delivered) == VISITORS, "not every booking was delivered"
        for _ in range(60):  # another simulated hour: nothing is sent again
            step(60)
        received = list(receiver.received_keys)
    finally:
        stop.set()
        worker.join(30)
        store.dispose()

    # 3. Each booking stored once, processed by the receiver exactly once.
    final = {item.request.sender_id: item for item in store.list_requests()
             if item.request.sender_id.startswith(prefix + "-")}
    assert sorted(final) == [f"{prefix}-{i}" for i in range(VISITORS)]
    keys = {item.deliveries[0].id: sender for sender, item in final.items()}
    assert all(item.deliveries[0].status == STATUS_DELIVERED for item in final.values())
    assert sorted(receiver.processed) == sorted(keys)  # one key per booking, each once
    assert receiver.bad_signatures == 0
    for key, body in receiver.processed.items():
        index = int(keys[key].rsplit("-", 1)[1])
        assert body["id"] == final[keys[key]].request.id
        assert (body["name"], body["phone"]) == (visitor_name(index), visitor_phone(index)[1])
    counts = collections.Counter(received)
    assert set(counts) == set(keys)
    assert sorted(counts.values()) == [1] * (VISITORS - 1) + [2]  # the lost answer's retry

    figures = {
        "bookings": VISITORS,
        "outage_simulated_s": round((up - start).total_seconds()),
        "failed_attempts_during_outage": during,
        "delivered_after_receiver_up_s": sorted(
            round((at - up).total_seconds()) for at in delivered.values()),
        "receiver_requests": len(received),
        "receiver_processed": len(receiver.processed),
        "duplicates_ignored_by_key": len(received) - len(receiver.processed),
        "test_real_s": round(time.monotonic() - began, 1),
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(json.dumps(figures, indent=2, sort_keys=True))
