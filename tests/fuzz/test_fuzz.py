"""Generated messages against the running stack's REST and socket.io channels (issue 19).

Any unicode, control characters, bodies of up to 1 MiB, slash commands with crafted
entities, malformed JSON, bogus sender ids, bogus socket.io events and malformed engine.io
/ socket.io frames (tests/fuzz/strategies.py). Asserted (tests/fuzz/harness.py): zero 5xx,
every accepted message gets a visible reply, the servers stay up with the same process ids,
no turn fails in the servers' log, and the Rasa server's memory after the run is within
``RSS_GROWTH_LIMIT_MIB`` of its memory after a warm-up.

``make test`` runs ``SUITE_MESSAGES``; ``make fuzz`` runs ``FULL_MESSAGES`` (marker
``fuzz``). ``FUZZ_SEED=n`` repeats a run's choices; ``FUZZ_MESSAGES=n`` changes the count of
the long run. Figures go to ``test-artifacts/fuzz-figures.json``.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings

from tests.fuzz.harness import Fuzzer, Target, log_since, log_size, rss_kib, warm_up
from tests.fuzz.strategies import EXPLICIT_CASES, Case, cases

SUITE_MESSAGES = 300
FULL_MESSAGES = 10_000
# Generous: the Rasa server holds ~1 GiB (TensorFlow, the model); a leak of a few KiB per
# message would pass 300 messages but not 10,000. Measured growth: docs/reliability.md.
RSS_GROWTH_LIMIT_MIB = 200
ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "test-artifacts" / "fuzz-figures.json"
# Lines the channels and the launcher log when a turn failed or a server died.
FAILURE_MARKERS = ("turn failed", "produced no reply", "stopped (exit code", "==> restarted",
                   "Traceback")
# Tracebacks the libraries log for input they refuse, with no effect on any visitor (no 5xx,
# no lost turn; docs/reliability.md, "Fuzzing"): engine.io / socket.io rejecting a malformed
# frame or an event without data (every frame in the library or the standard library), and
# Sanic 21.12 when engine.io's websocket handler returns after the socket closed (the 101
# went out long before).
LIBRARY_FRAME = re.compile(r'site-packages/(engineio|socketio)/')
OWN_FRAME = re.compile(rf'File "{re.escape(str(ROOT))}/(clinic|actions|staff)/'
                       r"|site-packages/(rasa|rasa_sdk)/")
SANIC_WEBSOCKET_END = "ServerError: Invalid response type None (need HTTPResponse)"
# Sanic writing a response to a client that already hung up (a fuzz client that gave up on
# a slow 1 MiB body): the transport is closed, the visitor is gone, nothing is lost.
CLIENT_GONE = "RuntimeError: Cannot call write() after write_eof()"


# clinic/channels/socketio.py's wrappers around engine.io's request handler and websocket
# handler: pass-throughs (a library traceback through them is still the library's).
WRAPPER_FRAME = re.compile(r'File "[^"]*/clinic/channels/socketio\.py", line \d+, in '
                           r"(handle_request|_websocket_handler)\n[^\n]*\n")


def known_traceback(block: str) -> bool:
    """True for the library tracebacks described above."""
    if SANIC_WEBSOCKET_END in block:
        return True
    block = WRAPPER_FRAME.sub("", block)
    if CLIENT_GONE in block and not OWN_FRAME.search(block):
        return True
    return bool(LIBRARY_FRAME.search(block)) and not OWN_FRAME.search(block)


def example_cases(explicit: List[Case]) -> Any:
    """Hypothesis's ``@example`` for each case (run before the generated ones)."""
    def decorate(test: Any) -> Any:
        for case in reversed(explicit):
            test = example(case=case)(test)
        return test
    return decorate


def run_fuzz(target: Target, count: int) -> Dict[str, Any]:
    """Sends ``count`` generated cases; returns the figures (failures included)."""
    chosen_seed = int(os.environ.get("FUZZ_SEED") or random.getrandbits(32))
    warm_up(target)
    rss_before = rss_kib(target.pids["rasa"])
    offset = log_size(target)
    fuzzer = Fuzzer(target)

    @example_cases(EXPLICIT_CASES)
    @seed(chosen_seed)
    @settings(max_examples=count, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=cases)
    def send_one(case: Case) -> None:
        fuzzer.send(case)

    started = time.monotonic()
    try:
        send_one()
    finally:
        fuzzer.close()
    seconds = time.monotonic() - started
    fuzzer.canary()
    time.sleep(2)  # let the last turns' memory settle
    rss_after = rss_kib(target.pids["rasa"])
    blocks = failure_blocks(log_since(target, offset))
    tally = fuzzer.tally
    figures = {
        "messages": sum(tally.sent.values()),
        "seed": chosen_seed,
        "seconds": round(seconds, 1),
        "per_second": round(sum(tally.sent.values()) / seconds, 2),
        "sent": dict(sorted(tally.sent.items())),
        "answers": dict(sorted(tally.statuses.items())),
        "visible_replies": tally.replied,
        "largest_body_bytes": tally.largest_body,
        "rasa_rss_mib_after_warm_up": round(rss_before / 1024, 1),
        "rasa_rss_mib_after_run": round(rss_after / 1024, 1),
        "rasa_rss_growth_mib": round((rss_after - rss_before) / 1024, 1),
        "rasa_rss_mib_by_cases_sent": tally.rss_mib,
        "log_failure_lines": [shortened(b) for b in blocks if not known_traceback(b)][:20],
        "log_known_tracebacks": dict(Counter(
            b.splitlines()[-1][:70] for b in blocks if known_traceback(b)).most_common(15)),
        "failures": tally.failures[:50],
        "failure_count": len(tally.failures),
    }
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    FIGURES.write_text(json.dumps({**old, str(count): figures}, indent=2, sort_keys=True,
                                  ensure_ascii=False) + "\n")
    return figures


def failure_blocks(log: str) -> List[str]:
    """Each log line with a failure marker; a traceback with its frames and exception."""
    lines = log.splitlines()
    blocks = []
    for n, line in enumerate(lines):
        if any(marker in line for marker in FAILURE_MARKERS):
            following = lines[n:n + (80 if "Traceback" in line else 1)]
            if "Traceback" in line:  # up to the exception line
                end = next((i for i, text in enumerate(following[1:], 1)
                            if text and not text.startswith((" ", "Traceback"))), 0)
                following = following[:end + 1]
            blocks.append("\n".join(text[:300] for text in following))
    return blocks


def shortened(block: str) -> str:
    """A traceback's first line, its last frames and the exception."""
    lines = block.splitlines()
    return "\n".join(lines[:1] + lines[1:][-7:]) if len(lines) > 8 else block


def check(figures: Dict[str, Any], count: int) -> None:
    summary = {k: figures[k] for k in ("seed", "seconds", "sent", "answers",
                                       "rasa_rss_growth_mib")}
    assert figures["failure_count"] == 0, (summary, figures["failures"][:10])
    assert figures["log_failure_lines"] == [], (summary, figures["log_failure_lines"])
    assert figures["messages"] == count + len(EXPLICIT_CASES), summary
    assert not any(key.startswith("rest 5") for key in figures["answers"]), summary
    assert figures["rasa_rss_growth_mib"] < RSS_GROWTH_LIMIT_MIB, summary


def test_generated_messages_never_break_the_stack(fuzz_target: Target) -> None:
    check(run_fuzz(fuzz_target, SUITE_MESSAGES), SUITE_MESSAGES)


@pytest.mark.fuzz
@pytest.mark.timeout(4 * 3600)
def test_ten_thousand_generated_messages(fuzz_target: Target) -> None:
    count = int(os.environ.get("FUZZ_MESSAGES") or FULL_MESSAGES)
    check(run_fuzz(fuzz_target, count), count)


def test_only_library_tracebacks_count_as_known() -> None:
    sanic_gone = ('Traceback (most recent call last):\n  File "/x/site-packages/sanic/'
                  'response.py", line 140, in send\nRuntimeError: Cannot call write() after '
                  "write_eof()")
    engineio = ('Traceback (most recent call last):\n  File "/x/site-packages/engineio/'
                'server.py", line 1, in handle\nKeyError: "sid"')
    ours = (f'Traceback (most recent call last):\n  File "{ROOT}/clinic/channels/rest.py", '
            'line 9, in receive\nRuntimeError: Cannot call write() after write_eof()')
    through_wrapper = ('Traceback (most recent call last):\n  File "/x/site-packages/sanic/'
                       'app.py", line 1, in handle\n    await handler()\n  File '
                       f'"{ROOT}/clinic/channels/socketio.py", line 2, in _websocket_handler\n'
                       '    return await websocket_handler(self, _DecodableFrames(ws))\n  File'
                       ' "/x/site-packages/engineio/asyncio_socket.py", line 3, in '
                       "_websocket_handler\n    pkt = await websocket_wait()\n"
                       "ValueError: packet is too large")
    assert known_traceback(sanic_gone) and known_traceback(engineio)
    assert known_traceback(through_wrapper)
    assert not known_traceback(through_wrapper.replace("in _websocket_handler\n    return",
                                                       "in wait\n    return"))
    assert not known_traceback(ours)
    assert not known_traceback('Traceback (most recent call last):\n  File "/x/site-'
                               'packages/rasa/core/processor.py", line 1\nKeyError: "x"')
