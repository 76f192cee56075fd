"""Sends the generated cases to a running stack and checks each answer.

* REST: never a 5xx; a well-formed body gets 200 and a visible reply (at least one message
  with text), a malformed one 400, a body over the stack's limit 413 (where it has one).
* socket.io messages (a fresh widget-like connection and session each): a visible
  ``bot_uttered`` within ``REPLY_TIMEOUT_S``.
* bogus socket.io events: no reply owed; the same connection still answers a normal message
  afterwards.
* raw engine.io / socket.io frames (polling and websocket): never a 5xx. One known library
  behaviour is counted, not failed: python-engineio 4.7 leaves a polling POST unanswered
  after a packet a client never sends (it closes the session and waits for a poll); the
  server must then still answer a new handshake at once.
* every ``CANARY_EVERY`` cases: a normal REST turn, and the launcher and its servers alive
  with the same process ids (no crash the supervisor would have hidden by a restart).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import socketio

from tests.fuzz.strategies import Case

REPLY_TIMEOUT_S = 90.0
HTTP_TIMEOUT_S = 120.0
POLLING_POST_TIMEOUT_S = 5.0
CANARY_EVERY = 100


@dataclass
class Target:
    """Where the stack listens, and what to watch."""

    rasa_url: str
    origin: str
    body_limit: Optional[int]  # bytes; None: no limit below 1 MiB
    pids: Dict[str, int]  # role -> pid of the servers to watch
    launcher: Any = None  # the launcher's Popen, when there is one
    log_path: Optional[Path] = None


def rss_kib(pid: int) -> int:
    """Resident set size of a process (VmRSS, KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def server_pids(stack: Any) -> Dict[str, int]:
    """The Rasa server's and the action server's pids among the launcher's children."""
    found: Dict[str, int] = {}
    for pid in stack.server_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"clinic.rasa_main" in cmdline:
            found["rasa"] = pid
        elif b"clinic.action_server" in cmdline:
            found["actions"] = pid
    assert {"rasa", "actions"} <= set(found), f"servers not found: {found}"
    return found


def http(url: str, body: Optional[bytes] = None, method: str = "POST",
         headers: Optional[Dict[str, str]] = None,
         timeout: float = HTTP_TIMEOUT_S) -> Tuple[int, bytes]:
    """(status, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def visible(messages: Any) -> bool:
    """At least one bot message with text a visitor can read."""
    return isinstance(messages, list) and any(
        isinstance(m, dict) and isinstance(m.get("text"), str) and m["text"].strip()
        for m in messages)


@dataclass
class Tally:
    """What happened, for the assertions and for docs/reliability.md."""

    sent: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    replied: int = 0
    largest_body: int = 0
    rss_mib: Dict[int, float] = field(default_factory=dict)  # cases sent -> Rasa server RSS
    failures: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, case: Case, why: str) -> None:
        self.failures.append(f"{why}: {case!r}"[:1500])


class SocketLoop:
    """An asyncio loop in a thread, for the socket.io parts of the synchronous test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any, timeout: float = REPLY_TIMEOUT_S + 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Fuzzer:
    """Sends cases to ``target`` and records the outcome in ``tally``."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.tally = Tally()
        self.sockets = SocketLoop()
        self.count = 0

    # ---- REST ---------------------------------------------------------------------------
    def rest(self, case: Case) -> None:
        headers = {"Content-Type": case.extra.get("content_type", "application/json")}
        if not headers["Content-Type"]:
            headers = {}
        status, raw = http(f"{self.target.rasa_url}/webhooks/rest/webhook", case.body,
                           headers=headers)
        self.tally.statuses[f"rest {status}"] += 1
        if status >= 500:
            return self.tally.fail(case, f"HTTP {status}")
        limit = self.target.body_limit
        if limit is not None and len(case.body or b"") > limit:
            if status != 413:
                self.tally.fail(case, f"HTTP {status} over the body limit, not 413")
            return None
        if case.kind == "rest_raw":
            if status not in (200, 400):
                return self.tally.fail(case, f"HTTP {status} for raw bytes")
            if status == 200 and not visible(json.loads(raw or b"null")):
                return self.tally.fail(case, "200 without a visible reply")
            return None
        if case.accepted:
            if status != 200:
                return self.tally.fail(case, f"HTTP {status} for a well-formed body")
            if not visible(json.loads(raw)):
                return self.tally.fail(case, f"no visible reply: {raw[:200]!r}")
            self.tally.replied += 1
        elif status != 400:
            self.tally.fail(case, f"HTTP {status} for a malformed body, not 400")
        return None

    # ---- socket.io ----------------------------------------------------------------------
    async def _client(self) -> Tuple[socketio.AsyncClient, "asyncio.Queue[Any]", str]:
        client = socketio.AsyncClient(reconnection=False)
        inbox: "asyncio.Queue[Any]" = asyncio.Queue()
        confirmed: "asyncio.Queue[Any]" = asyncio.Queue()
        client.on("bot_uttered", inbox.put_nowait)
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(self.target.rasa_url, headers={"Origin": self.target.origin},
                             transports=["websocket"], socketio_path="/socket.io",
                             wait_timeout=30)
        session_id = f"fuzz-{uuid.uuid4().hex}"
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.get(), 30)
        return client, inbox, session_id

    async def _socket_turn(self, case: Case) -> Optional[str]:
        client, inbox, session_id = await self._client()
        try:
            if case.kind == "socket_bogus":
                await client.emit(case.extra["event"], case.data)
                data = {"message": "hello"}
            else:
                data = dict(case.data)
            await client.emit("user_uttered", {**data, "session_id": session_id})
            try:
                first = await asyncio.wait_for(inbox.get(), REPLY_TIMEOUT_S)
            except asyncio.TimeoutError:
                return f"no bot_uttered within {REPLY_TIMEOUT_S:.0f} s"
            if not visible([first]):
                return f"an empty first bubble: {first!r}"[:300]
            return None
        finally:
            await client.disconnect()

    def socket(self, case: Case) -> None:
        try:
            problem = self.sockets.run(self._socket_turn(case))
        except Exception as error:  # noqa: BLE001 - a refused connection is a finding
            problem = f"socket.io client failed: {type(error).__name__}: {error}"[:300]
        self.tally.statuses[f"{case.kind} {'ok' if problem is None else 'failed'}"] += 1
        if problem is not None:
            return self.tally.fail(case, problem)
        self.tally.replied += 1
        return None

    # ---- raw engine.io / socket.io frames -------------------------------------------------
    def raw_frames(self, case: Case) -> None:
        if case.extra["transport"] == "websocket" and "transport=websocket" in case.extra[
                "query"]:
            problem = self.sockets.run(self._raw_websocket(case))
        else:
            problem = self._raw_polling(case)
        self.tally.statuses[f"raw {'ok' if problem is None else 'failed'}"] += 1
        if problem is not None:
            self.tally.fail(case, problem)

    def _raw_polling(self, case: Case) -> Optional[str]:
        base = f"{self.target.rasa_url}/socket.io/?{case.extra['query']}"
        headers = {"Origin": self.target.origin, "Content-Type": "text/plain;charset=UTF-8"}
        status, raw = http(base, method="GET", headers=headers)
        if status >= 500:
            return f"handshake HTTP {status}"
        sid = None
        if status == 200 and raw[:1] == b"0":
            try:
                sid = json.loads(raw[1:].decode("utf-8", "replace")).get("sid")
            except ValueError:
                sid = None
        url = f"{base}&sid={sid}" if sid else base
        for frame in case.frames:
            body = frame.encode("utf-8", "surrogatepass")
            if case.extra.get("binary"):
                body = b"\x1e".join([body, body])  # two packets in one payload
            try:
                status, _ = http(url, body, headers=headers, timeout=POLLING_POST_TIMEOUT_S)
            except OSError as error:  # socket.timeout, or URLError wrapping it
                if "timed out" not in str(error):
                    raise
                # python-engineio 4.7: a packet a client never sends (open 0, ping 2, noop
                # 6) closes the session, and the POST then waits for the client to poll
                # that close. Only this request waits: the server must answer others.
                self.tally.statuses["raw polling POST unanswered (engine.io 4.7)"] += 1
                status, _ = http(f"{self.target.rasa_url}/socket.io/?EIO=4&transport=polling",
                                 method="GET", headers=headers, timeout=30)
                return None if status == 200 else (
                    f"handshake HTTP {status} after an unanswered polling POST")
            if status >= 500:
                return f"polling POST HTTP {status}"
        # no GET afterwards: an open session's GET waits for the next ping (25 s)
        return None

    async def _raw_websocket(self, case: Case) -> Optional[str]:
        url = self.target.rasa_url.replace("http://", "ws://") + (
            f"/socket.io/?{case.extra['query']}")
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                async with session.ws_connect(url, headers={"Origin": self.target.origin},
                                              max_msg_size=0) as ws:
                    try:
                        await asyncio.wait_for(ws.receive(), 10)  # the open packet
                    except asyncio.TimeoutError:
                        pass
                    for frame in case.frames:
                        if ws.closed:
                            break
                        if case.extra.get("binary"):
                            await ws.send_bytes(frame.encode("utf-8", "surrogatepass"))
                        else:
                            await ws.send_str(frame.encode("utf-8", "surrogatepass")
                                              .decode("utf-8", "replace"))
                    try:
                        await asyncio.wait_for(ws.receive(), 0.2)
                    except asyncio.TimeoutError:
                        pass
            except aiohttp.WSServerHandshakeError as error:
                if error.status >= 500:
                    return f"websocket handshake HTTP {error.status}"
            except (aiohttp.ClientConnectionError, ConnectionResetError):
                pass  # the server may drop a connection that sent garbage: not a 5xx
        return None

    # ---- the run --------------------------------------------------------------------------
    def send(self, case: Case) -> None:
        """Sends one case and checks its answer; every ``CANARY_EVERY`` also the canary."""
        self.tally.sent[case.note] += 1
        self.tally.largest_body = max(self.tally.largest_body, len(case.body or b""))
        self.count += 1
        try:
            if case.kind in ("rest", "rest_raw"):
                self.rest(case)
            elif case.kind in ("socket", "socket_bogus"):
                self.socket(case)
            else:
                self.raw_frames(case)
        except Exception as error:  # noqa: BLE001 - no answer, a reset: a finding, go on
            self.tally.statuses["client error"] += 1
            self.tally.fail(case, f"no answer: {type(error).__name__}: {error}"[:300])
        if self.count % CANARY_EVERY == 0:
            self.canary()

    def canary(self) -> None:
        """A normal turn still works and no server was restarted."""
        try:
            status, raw = http(f"{self.target.rasa_url}/webhooks/rest/webhook",
                               json.dumps({"sender": f"canary-{uuid.uuid4().hex[:8]}",
                                           "message": "hello"}).encode(),
                               headers={"Content-Type": "application/json"})
            answered = status == 200 and visible(json.loads(raw or b"null"))
        except Exception as error:  # noqa: BLE001 - recorded, the run goes on
            status, answered = f"{type(error).__name__}: {error}", False
        if not answered:
            self.tally.failures.append(f"canary after {self.count} cases: {status}")
        self.check_alive(f"after {self.count} cases")
        if self.count % (10 * CANARY_EVERY) == 0 and "rasa" in self.target.pids:
            try:
                self.tally.rss_mib[self.count] = round(rss_kib(self.target.pids["rasa"]) / 1024, 1)
            except (OSError, AssertionError):
                pass  # gone: check_alive has said so

    def check_alive(self, when: str) -> None:
        launcher = self.target.launcher
        if launcher is not None and launcher.poll() is not None:
            self.tally.failures.append(f"the launcher exited {when}")
        for role, pid in self.target.pids.items():
            if not Path(f"/proc/{pid}").exists():
                self.tally.failures.append(f"the {role} server (pid {pid}) is gone {when}")

    def close(self) -> None:
        self.sockets.close()


def log_size(target: Target) -> int:
    """Where the stack's log ends now (to read only what a run added)."""
    return target.log_path.stat().st_size if target.log_path else 0


def log_since(target: Target, offset: int) -> str:
    if not target.log_path:
        return ""
    with open(target.log_path, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", "replace")


def warm_up(target: Target, turns: int = 40) -> None:
    """Normal conversations first, and the longest messages once, so that lazily loaded
    parts and the largest buffers are in memory before the RSS the run is compared with."""
    phrases = ["hello", "what is NMT?", "what is FMM?", "book a session", "cancel",
               "how much does it cost", "/ask_compare_therapies", "thanks", "¿qué es FMM?",
               "/request_booking", "my neck hurts " * 800, "💆" * 262_000]
    for n in range(turns):
        status, _ = http(f"{target.rasa_url}/webhooks/rest/webhook",
                         json.dumps({"sender": f"warm-{n % 7}",
                                     "message": phrases[n % len(phrases)]},
                                    ensure_ascii=False).encode("utf-8"),
                         headers={"Content-Type": "application/json"})
        assert status in (200, 413), f"warm-up turn {n}: HTTP {status}"
    time.sleep(1)
