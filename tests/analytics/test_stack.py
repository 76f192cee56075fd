"""The real stack (``python -m clinic.launcher`` with the embedded event queue): known traffic
through REST gives exact ``make analytics`` figures, even though the analytics consumer is
killed with ``kill -9`` halfway and restarted by the launcher; no e-mail address or phone
number of the traffic reaches an analytics table, and the queue keeps nothing applied."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from tests.analytics.traffic import (
    EXPECTED,
    PERSONAL,
    TRAFFIC,
    analytics_dump,
    analytics_messages,
    consumer_pid,
    make_analytics,
    period_around_today,
    tracker_latencies,
    wait_for,
)
from tests.conftest import Stack, start_stack, stop_stack


@pytest.fixture(scope="module")
def analytics_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("analytics-stack"))
    yield running
    stop_stack(running)


def test_known_traffic_gives_exact_figures_across_a_consumer_kill(
        analytics_stack: Stack) -> None:
    stack = analytics_stack
    run = uuid.uuid4().hex[:8]
    senders: List[str] = []
    killed = None
    for n, messages in enumerate(TRAFFIC):
        if n == len(TRAFFIC) // 2:
            killed = consumer_pid(stack)
            assert killed is not None, "no analytics consumer under the launcher"
            os.kill(killed, signal.SIGKILL)
        sender = f"analytics-{run}-{n}"
        senders.append(sender)
        for text in messages:
            replies = stack.rest(sender, text)
            assert replies, f"no reply to {text!r}"
        if messages[-1] == "/affirm":
            assert "has been received" in replies[0]["text"], replies
    wait_for(lambda: consumer_pid(stack) not in (None, killed), 60,
             "the launcher to restart the consumer")
    wait_for(lambda: analytics_messages(stack) >= EXPECTED["messages"], 90,
             "the consumer to catch up")
    figures = make_analytics(stack)
    latency = figures.pop("latency_ms")
    assert figures == EXPECTED
    assert latency == tracker_latencies(stack, senders)
    assert 0 < latency["p50"] <= latency["p95"] < 5000
    assert "==> the analytics consumer stopped (exit code -9)" in stack.log_text()


def test_the_console_dashboard_shows_the_same_figures(analytics_stack: Stack) -> None:
    """The stack's staff console: the Analytics page of the replayed period holds exactly
    the figures of ``make analytics`` (its JSON block and the numbers shown)."""
    from tests.console.client import Client
    from tests.console.conftest import PASSWORD, make_user
    from tests.console.test_console_analytics import _data, _figure

    stack = analytics_stack
    assert make_user(stack.env, "ana", "editor").returncode == 0
    client = Client(f"http://127.0.0.1:{stack.env['CONSOLE_PORT']}")
    assert client.login("ana", PASSWORD).status == 302
    start, end = period_around_today()
    page = client.get(f"/analytics?from={start}&to={end}")
    assert page.status == 200
    figures = make_analytics(stack)
    assert {key: _data(page.text)[key] for key in figures} == figures
    assert (_figure(page.text, "conversations"), _figure(page.text, "messages")) == \
        (str(EXPECTED["conversations"]), str(EXPECTED["messages"]))


def test_no_personal_data_in_any_analytics_table(analytics_stack: Stack) -> None:
    dump = analytics_dump(analytics_stack)
    assert "nmt" in dump  # the tables are not empty
    leaked = [value for value in PERSONAL if value in dump]
    assert leaked == []
    assert "[phone]" in dump and "[email]" in dump  # volunteered contacts, redacted


def test_the_queue_keeps_no_applied_event(analytics_stack: Stack) -> None:
    queue = Path(analytics_stack.env["ANALYTICS_EVENTS_DB"])
    engine = sa.create_engine(f"sqlite:///{queue}")
    wait_for(lambda: _queued(engine) == 0, 30, "the queue to be emptied")
    engine.dispose()


def _queued(engine: sa.engine.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar())
