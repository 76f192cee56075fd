"""Known traffic for the stack tests, and how to read a running stack's analytics."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.devstack import Stack
from clinic.settings import PROJECT_ROOT
from staff.analytics.queries import nearest_rank

BOOKING = ["I'd like to book a session for FMM", "Maria Lopez", "maria@example.com",
           "tuesday afternoon", "my back hurts", "yes", "/affirm"]
BOOKING_BY_PHONE = ["I'd like to book a session for FMM", "Maria Lopez", "310-555-0142",
                    "tuesday afternoon", "my back hurts", "yes", "/affirm"]
CANCELLED = ["I'd like to book a session for FMM", "Jane Doe", "cancel"]
# 30 conversations, 62 visitor messages: 5 not understood, 5 bookings started and 3
# completed, exactly one emergency; e-mail addresses and phone numbers inside messages.
TRAFFIC: List[List[str]] = (
    [["hello", "what is nmt?"]] * 10
    + [["how much does a session cost?"]] * 6
    # five messages the model does not understand (checked against the trained model when
    # it changes: "which one" and "what" became understood once Spanish examples joined)
    + [["blue"], ["what about that"], ["erm what"], ["what about it"], ["purple"]]
    + [BOOKING, BOOKING_BY_PHONE, BOOKING]
    + [CANCELLED] * 2
    + [["I have crushing chest pain and my left arm is numb"]]
    + [["my number is 310-555-0199 call me"], ["email me at jo@example.org please"],
       ["what to wear"]]
)
EXPECTED = {
    "conversations": 30,
    "messages": 62,
    "fallback_rate": round(5 / 62, 4),
    "bookings_started": 5,
    "bookings_completed": 3,
    "emergencies": 1,
    "top_topics": [["greet", 10], ["nmt_overview", 10], ["faq:prices", 6],
                   ["nlu_fallback", 5], ["request_booking", 5], ["inform_booking", 2],
                   ["emergency", 1], ["faq:what_to_wear", 1]],
    # the language detector's (clinic/language/detect.py) answer for each text: none for
    # "blue", "erm what", "purple" (3 fallbacks), "Maria Lopez", the e-mail address, the phone
    # number and "/affirm" (a payload, parsed without the pipeline) in the 3 bookings;
    # every other message English, so 27 of the 30 conversations have an English message
    "per_language": {
        "en": {"messages": 50, "conversations": 27, "fallbacks": 2, "fallback_rate": 0.04},
        "es": {"messages": 0, "conversations": 0, "fallbacks": 0, "fallback_rate": 0.0},
        "none": {"messages": 12, "conversations": None, "fallbacks": 3,
                 "fallback_rate": 0.25},
    },
}
PERSONAL = ["maria@example.com", "jo@example.org", "310-555-0142", "5550142", "310-555-0199",
            "5550199", "Maria", "Lopez", "Jane Doe"]


def period_around_today() -> Tuple[str, str]:
    """Yesterday to tomorrow in the clinic's time zone (the traffic is sent now)."""
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def make_analytics(stack: Stack) -> Dict[str, Any]:
    """What ``make analytics`` runs, for the stack's database, as a subprocess (not through
    make itself, which would first reinstall .venv whenever requirements.lock changed)."""
    start, end = period_around_today()
    done = subprocess.run([sys.executable, "-m", "staff.analytics", "--from", start,
                           "--to", end], cwd=PROJECT_ROOT, env=stack.env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def analytics_messages(stack: Stack) -> int:
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("analytics_turns"):
                return 0
            return int(conn.execute(sa.text("SELECT COUNT(*) FROM analytics_turns")).scalar())
    finally:
        engine.dispose()


def tracker_latencies(stack: Stack, senders: List[str]) -> Dict[str, Optional[int]]:
    """p50/p95 of the reply times worked out from the tracker store (an independent oracle)."""
    engine = sa.create_engine(stack.database_url)
    latencies: List[int] = []
    with engine.connect() as conn:
        for sender in senders:
            start: Optional[float] = None
            last: Optional[float] = None
            for type_name, data in conn.execute(sa.text(
                    "SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                    {"s": sender}):
                event = json.loads(data)
                if type_name == "user":
                    if start is not None and last is not None:
                        latencies.append(round((last - start) * 1000))
                    start, last = event["timestamp"], None
                elif type_name == "bot" and start is not None:
                    last = event["timestamp"]
            if start is not None and last is not None:
                latencies.append(round((last - start) * 1000))
    engine.dispose()
    latencies.sort()
    n = len(latencies)
    return {"p50": latencies[nearest_rank(0.5, n) - 1], "p95": latencies[nearest_rank(0.95, n) - 1]}


def analytics_dump(stack: Stack) -> str:
    """Every row of every ``analytics_*`` table, as text."""
    engine = sa.create_engine(stack.database_url)
    parts: List[str] = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table.startswith("analytics_"):
                rows = conn.execute(sa.text(f"SELECT * FROM {table}"))
                parts += [repr(tuple(row)) for row in rows]
    engine.dispose()
    return "\n".join(parts)


def consumer_pid(stack: Stack) -> Optional[int]:
    """PID of the analytics consumer the stack's launcher runs."""
    for pid in stack.server_pids():
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if "clinic.analytics.consumer" in cmdline:
            return pid
    return None


