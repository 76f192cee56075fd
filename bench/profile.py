"""``make bench-profile``: where the time of one turn goes (issue 20, "profile the turn first").

Starts our stack (``clinic.devstack.start_stack``, as ``make bench`` does: launcher, action
server, SQLite tracker store, event broker, FAQ store) and then, round by round:

1. sends the turn mix of bench/run.py over REST to the stack's Rasa server (what a visitor
   waits for, HTTP included);
2. handles the same messages in this process with a Rasa ``Agent`` loaded exactly as
   ``rasa run`` loads it (``rasa.core.agent.load_agent`` with our endpoints.yml, the same
   model, the same action server, tracker store and event broker, the same speed fix), with
   timers wrapped around Rasa's extension points: every graph node (``GraphNode.__call__``,
   i.e. each NLU component and each policy), the graph runs themselves, the custom-action
   call (payload, HTTP round trip, validation, Rasa's handling), responses, the tracker
   store's reads and writes, the event broker, tracker copies; and the REST channel's own
   input checks and JSON response.

Timers nest: each row is a part's *own* time (its children are their own rows), so the rows
add up to the in-process turn; what is left of the REST turn is HTTP + Sanic. Conditions are
shared: each round sends a message over REST and then in-process, alternately.

Then the custom-action hop is split up: the recorded action calls are run again in this
process by rasa-sdk's own ``ActionExecutor`` (the action's code alone), which leaves the cost
of the second HTTP hop (JSON of tracker + domain, aiohttp with a new session per call,
Sanic, rasa-sdk). Last, one round runs under ``cProfile`` for the functions that cost most.

Writes the section "Profile of a turn" of docs/benchmarks.md (``<!-- bench-profile -->``;
``make bench`` keeps it). ``--rounds`` sets the number of conversations (default 10 × 8
messages). Nothing here changes the assistant: the wrappers exist only in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import cProfile
import functools
import inspect
import io
import json
import os
import pstats
import statistics
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from bench.profile_report import SECTION, TOP_FUNCTIONS, ActionCall, Turn, render, short_path
from bench.run import DOC, MIX, machine, replace_section
from bench.stock import busy, load_average
from clinic.devstack import MODEL, Stack, start_stack, stop_stack
from clinic.settings import PROJECT_ROOT


class Timers:
    """Nested wall-clock timers: each label gets its own time (children subtracted)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.enabled = False
        self.stack: List[List[Any]] = []
        self.own: Dict[str, float] = defaultdict(float)  # ms, this turn
        self.calls: Dict[str, int] = defaultdict(int)

    def parent(self) -> Optional[str]:
        return self.stack[-1][0] if self.stack else None

    def enter(self, label: Union[str, Callable[[Optional[str]], str]]) -> Optional[List[Any]]:
        if not self.enabled or threading.get_ident() != self.thread:
            return None
        name = label if isinstance(label, str) else label(self.parent())
        frame = [name, time.perf_counter(), 0.0]
        self.stack.append(frame)
        return frame

    def leave(self, frame: Optional[List[Any]]) -> None:
        if frame is None:
            return
        elapsed = time.perf_counter() - frame[1]
        while self.stack and self.stack[-1] is not frame:  # a frame left by an exception
            self.stack.pop()
        if self.stack:
            self.stack.pop()
        self.own[frame[0]] += (elapsed - frame[2]) * 1000
        self.calls[frame[0]] += 1
        if self.stack:
            self.stack[-1][2] += elapsed

    def take(self) -> Tuple[Dict[str, float], Dict[str, int]]:
        """This turn's own times and calls; starts the next turn."""
        own, calls = dict(self.own), dict(self.calls)
        self.own.clear()
        self.calls.clear()
        self.stack.clear()
        return own, calls


TIMERS = Timers()
_PATCHED: List[Tuple[Any, str, Any]] = []
Label = Union[str, Callable[..., str]]


def wrap(owner: Any, name: str, label: Label,
         after: Optional[Callable[[tuple, dict, Any, float], None]] = None) -> None:
    """Puts a timer around ``owner.name`` (function, coroutine function or classmethod).

    ``label`` is a string or ``label(args, parent_label)``; ``after(args, kwargs, result,
    seconds)`` is called after each timed call."""
    raw = owner.__dict__[name]
    func = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw

    def frame_label(args: tuple) -> Union[str, Callable[[Optional[str]], str]]:
        if isinstance(label, str):
            return label
        return lambda parent: label(args, parent)

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            frame = TIMERS.enter(frame_label(args))
            started = time.perf_counter()
            try:
                result = await func(*args, **kwargs)
            finally:
                TIMERS.leave(frame)
            if after is not None and frame is not None:
                after(args, kwargs, result, time.perf_counter() - started)
            return result
    else:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            frame = TIMERS.enter(frame_label(args))
            started = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            finally:
                TIMERS.leave(frame)
            if after is not None and frame is not None:
                after(args, kwargs, result, time.perf_counter() - started)
            return result

    new = type(raw)(wrapper) if isinstance(raw, (classmethod, staticmethod)) else wrapper
    setattr(owner, name, new)
    _PATCHED.append((owner, name, raw))


def unwrap_all() -> None:
    """Puts every wrapped function back."""
    while _PATCHED:
        owner, name, raw = _PATCHED.pop()
        setattr(owner, name, raw)


@dataclass
class Recorder:
    """What the wrappers record besides the timers."""

    action_calls: List[ActionCall] = field(default_factory=list)


RECORDER = Recorder()


def node_label(args: tuple, parent: Optional[str]) -> str:
    """``NLU · SpacyNLP.process [run_SpacyNLP0]`` for a graph node."""
    node = args[0]
    group = "policies" if parent and parent.startswith("policies") else (
        "NLU" if parent and parent.startswith("NLU") else "graph")
    cls = node._component_class.__name__
    return f"{group} · {cls}.{node._fn_name}|{node._node_name}"


def retrieve_label(args: tuple, parent: Optional[str]) -> str:
    if parent and parent.startswith("tracker store · event diff"):
        return "tracker store · read again before each write (for the event-broker diff)"
    return "tracker store · read (SQL query, JSON of the events)"


def record_action_call(args: tuple, kwargs: dict, result: Any, seconds: float) -> None:
    payload = kwargs.get("json") or {}
    RECORDER.action_calls.append(ActionCall(
        name=str(payload.get("next_action")), payload=copy.deepcopy(payload),
        round_trip_ms=seconds * 1000, payload_bytes=len(json.dumps(payload)),
        response_bytes=len(json.dumps(result)) if result is not None else 0,
        responses=len((result or {}).get("responses", []))))


def install_timers() -> None:
    """Timers around Rasa's extension points (this process only)."""
    from rasa.core.actions import action as actions
    from rasa.core.actions.loops import LoopAction
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.engine.graph import GraphNode
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from clinic.analytics.broker import ConfiguredEventBroker
    from clinic.tracker_store import CachedSQLTrackerStore

    wrap(GraphNode, "__call__", node_label)
    wrap(MessageProcessor, "parse_message", "NLU · graph run (dask) and parse bookkeeping")
    wrap(MessageProcessor, "_predict_next_with_tracker",
         "policies · graph run (dask) and prediction bookkeeping")
    wrap(MessageProcessor, "_run_action",
         "Rasa · running an action (tracker copy, events, sending the messages)")
    wrap(MessageProcessor, "save_tracker", "Rasa · save_tracker (around the store)")
    wrap(actions.RemoteAction, "run", "custom actions · Rasa side (events, its responses)")
    wrap(actions.RemoteAction, "_action_call_format",
         "custom actions · request payload (tracker state + domain as dicts)")
    wrap(actions.RemoteAction, "_validate_action_result",
         "custom actions · response validation (JSON schema)")
    wrap(EndpointConfig, "request",
         "custom actions · HTTP round trip to the action server (incl. the action's code)",
         after=record_action_call)
    wrap(actions.ActionBotResponse, "run", "responses · utter actions")
    wrap(TemplatedNaturalLanguageGenerator, "generate", "responses · templating (NLG)")
    wrap(actions.ActionExtractSlots, "run", "Rasa · action_extract_slots")
    wrap(LoopAction, "run", "Rasa · form/loop actions")
    wrap(SQLTrackerStore, "retrieve", retrieve_label)
    wrap(SQLTrackerStore, "save", "tracker store · write (count query, SQL inserts, commit)")
    wrap(CachedSQLTrackerStore, "retrieve",
         "tracker store · cached read (version query, tracker copy)")
    wrap(CachedSQLTrackerStore, "save",
         "tracker store · cached write (version query, inserts, commit)")
    wrap(TrackerStore, "stream_events", "tracker store · event diff for the broker")
    wrap(DialogueStateTracker, "from_dict", "tracker store · tracker rebuilt from events")
    wrap(DialogueStateTracker, "copy", "Rasa · tracker copies (deepcopy)")
    wrap(ConfiguredEventBroker, "publish", "event broker · publish (queued)")


@functools.lru_cache(maxsize=1)
def slash_guard() -> Any:
    """The REST channel's guard (built once, as the channel builds it once)."""
    from clinic.channels.slash_commands import SlashCommandGuard

    return SlashCommandGuard()


def rest_channel_ms(text: str, messages: List[Dict[str, Any]], domain: Any) -> float:
    """Our REST channel's own work for one turn: input checks and the JSON response."""
    from sanic import response

    from clinic.channels.text import clean_user_text

    guard = slash_guard()
    started = time.perf_counter()
    cleaned = clean_user_text(text) or ""
    guard.screen(cleaned, domain)
    response.json(messages)
    return (time.perf_counter() - started) * 1000


def configure_environment(stack: Stack) -> None:
    """This process sees what the stack's Rasa server sees (endpoints.yml's variables)."""
    from clinic.launcher import child_env
    from clinic.settings import Settings

    os.environ.update(stack.env)
    settings = Settings.from_env()
    os.environ.update(child_env(settings))


async def load_agent() -> Any:
    """The model, loaded as ``rasa run`` loads it, with our endpoints and speed fix."""
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.core.agent import load_agent as rasa_load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from clinic import rasa_speedups
    from clinic.privacy import install_log_redaction

    # What `rasa run` sets up before loading (rasa/__main__.py), at the stack's LOG_LEVEL.
    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    tf_env.setup_tf_environment()
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)
    install_log_redaction()
    rasa_speedups.install()
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    return await rasa_load_agent(model_path=str(MODEL), endpoints=endpoints)


async def handle(agent: Any, sender: str, text: str) -> Tuple[float, List[Dict[str, Any]]]:
    """One in-process turn (what the REST channel hands to Rasa); milliseconds and replies."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    collector = CollectingOutputChannel()
    frame = TIMERS.enter("Rasa · processor, lock store, the rest of the turn")
    started = time.perf_counter()
    try:
        await agent.handle_message(UserMessage(text, collector, sender, input_channel="rest"))
    finally:
        TIMERS.leave(frame)
    return (time.perf_counter() - started) * 1000, collector.messages


async def measure_turns(stack: Stack, agent: Any, rounds: int) -> List[Turn]:
    """``rounds`` conversations of the mix, each message over REST and then in-process."""
    turns: List[Turn] = []
    for _ in range(rounds):
        rest_sender, local_sender = f"prof-rest-{uuid.uuid4().hex}", f"prof-{uuid.uuid4().hex}"
        for text in MIX:
            started = time.perf_counter()
            stack.rest(rest_sender, text, timeout=120)
            rest_ms = (time.perf_counter() - started) * 1000
            TIMERS.take()
            TIMERS.enabled = True
            inproc_ms, messages = await handle(agent, local_sender, text)
            TIMERS.enabled = False
            own, calls = TIMERS.take()
            turns.append(Turn(text, rest_ms, inproc_ms,
                              rest_channel_ms(text, messages, agent.domain), own, calls))
    return turns


async def action_code_ms(calls: List[ActionCall], repeat: int = 3) -> Dict[str, float]:
    """Median ms of each recorded action call run by rasa-sdk's executor in this process
    (the action's own code, without the HTTP hop); per action name."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    by_name: Dict[str, List[float]] = defaultdict(list)
    for call in calls:
        for _ in range(repeat):
            payload = copy.deepcopy(call.payload)
            started = time.perf_counter()
            result = await executor.run(payload)
            by_name[call.name].append((time.perf_counter() - started) * 1000)
            if len((result or {}).get("responses", [])) != call.responses:
                raise RuntimeError(f"{call.name} answered differently in-process")
    return {name: statistics.median(values) for name, values in by_name.items()}


async def cprofile_round(agent: Any) -> Tuple[str, int]:
    """One conversation of the mix under cProfile; the top functions by own time."""
    profiler = cProfile.Profile()
    sender = f"prof-cprofile-{uuid.uuid4().hex}"
    profiler.enable()
    for text in MIX:
        await handle(agent, sender, text)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in entries:
        rows.append((tottime, cumtime, ncalls, short_path(filename), line, func))
    rows.sort(reverse=True)
    total = sum(row[0] for row in rows) or 1.0
    lines = [f"{'own ms/msg':>10} {'share':>6} {'cum ms/msg':>10} {'calls/msg':>9}  function"]
    for tottime, cumtime, ncalls, path, line, func in rows[:TOP_FUNCTIONS]:
        lines.append(f"{tottime * 1000 / len(MIX):10.2f} {tottime / total:6.1%} "
                     f"{cumtime * 1000 / len(MIX):10.2f} {ncalls / len(MIX):9.1f}  "
                     f"{func} ({path}:{line})")
    return "\n".join(lines), len(MIX)


async def profile(stack: Stack, rounds: int) -> Tuple[List[Turn], Dict[str, float], str]:
    """Loads the agent, warms up, measures, splits the action hop, runs cProfile."""
    configure_environment(stack)
    agent = await load_agent()
    install_timers()
    try:
        for text in MIX:  # warm up both servers and this process
            stack.rest("prof-warm-up", text)
            await handle(agent, "prof-warm-up", text)
        turns = await measure_turns(stack, agent, rounds)
        try:
            actions_own = await action_code_ms(RECORDER.action_calls)
        except Exception as error:  # noqa: BLE001 - the table says it was not measured
            print(f"action code not measured in-process: {type(error).__name__}: {error}")
            actions_own = {}
        top, _ = await cprofile_round(agent)
    finally:
        unwrap_all()
    return turns, actions_own, top


def main(argv: Optional[List[str]] = None) -> int:
    """Starts a scratch stack, profiles, writes the section of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10,
                        help="conversations of the 8-message mix (default 10)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the section without writing docs/benchmarks.md")
    args = parser.parse_args(argv)
    load_start, was_busy = load_average(), busy()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="clinic-profile-") as tmp:
        stack = start_stack(Path(tmp))
        try:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            turns, actions_own, top = loop.run_until_complete(profile(stack, args.rounds))
        finally:
            stop_stack(stack)
    meta = {"date": date, "machine": machine(), "load_start": load_start,
            "load_end": load_average(), "busy": "yes" if was_busy or busy() else ""}
    section = render(turns, actions_own, top, meta, RECORDER.action_calls)
    print(section)
    if not args.no_write:
        DOC.write_text(replace_section(DOC.read_text(encoding="utf-8") if DOC.exists() else "",
                                       SECTION, section))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
