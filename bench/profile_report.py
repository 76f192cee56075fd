"""The "Profile of a turn" section of docs/benchmarks.md, from ``make bench-profile``'s
measurements (bench/profile.py measures, this module only turns the numbers into tables)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from bench.run import MIX
from bench.stock import measured_lines
from clinic.settings import PROJECT_ROOT

SECTION = "bench-profile"
TOP_FUNCTIONS = 15


@dataclass
class ActionCall:
    """One recorded custom-action call."""

    name: str
    payload: Dict[str, Any]
    round_trip_ms: float
    payload_bytes: int
    response_bytes: int
    responses: int  # bot messages in the action server's answer

# The parts a row belongs to (prefix of its label), in the order of a turn.
GROUPS = [
    ("REST channel", "REST channel: input checks, JSON response"),
    ("HTTP", "HTTP and Sanic (REST turn − in-process turn − channel)"),
    ("NLU", "NLU pipeline (all components + graph run)"),
    ("policies", "policies (all + graph run)"),
    ("custom actions", "custom actions (payload, action server round trip, validation)"),
    ("responses", "responses (utter actions, templating)"),
    ("tracker store", "tracker store reads and writes (SQLite)"),
    ("event broker", "event broker (queue for the analytics writer)"),
    ("Rasa", "Rasa's own turn handling (processor, lock, tracker copies, ...)"),
]


@dataclass
class Turn:
    """One message, measured both ways."""

    text: str
    rest_ms: float
    inproc_ms: float
    channel_ms: float
    own: Dict[str, float]
    calls: Dict[str, int]


def short_path(filename: str) -> str:
    """``rasa/core/processor.py`` rather than the venv's full path."""
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def split_label(label: str) -> Tuple[str, str]:
    """(row name, node name) of a timer label."""
    name, _, node = label.partition("|")
    return name, node


def rows_of(turns: List[Turn]) -> List[Tuple[str, float, float]]:
    """(part, ms per message, calls per message), graph nodes told apart by node name only
    where one component class runs in several nodes."""
    count = len(turns)
    own: Dict[str, float] = defaultdict(float)
    calls: Dict[str, int] = defaultdict(int)
    for turn in turns:
        for label, ms in turn.own.items():
            own[label] += ms
            calls[label] += turn.calls.get(label, 0)
    nodes_of: Dict[str, set] = defaultdict(set)
    for label in own:
        name, node = split_label(label)
        nodes_of[name].add(node)
    merged: Dict[str, List[float]] = defaultdict(lambda: [0.0, 0.0])
    for label, ms in own.items():
        name, node = split_label(label)
        key = f"{name} [{node}]" if node and len(nodes_of[name]) > 1 else name
        merged[key][0] += ms / count
        merged[key][1] += calls[label] / count
    channel = sum(t.channel_ms for t in turns) / count
    merged["REST channel · input checks + JSON response"] = [channel, 1.0]
    http = (sum(t.rest_ms for t in turns) - sum(t.inproc_ms for t in turns)) / count - channel
    merged["HTTP · Sanic, HTTP, the server's event loop (the rest of the REST turn)"] = [http, 1.0]
    return sorted(((k, v[0], v[1]) for k, v in merged.items()), key=lambda r: -r[1])


def group_of(label: str) -> str:
    for prefix, _ in GROUPS:
        if label.startswith(prefix + " ·"):
            return prefix
    return "Rasa"


def render(turns: List[Turn], actions_own: Dict[str, float], top: str, meta: Dict[str, str],
           action_calls: List[ActionCall]) -> str:
    """The "Profile of a turn" section."""
    count = len(turns)
    rest_mean = sum(t.rest_ms for t in turns) / count
    inproc_mean = sum(t.inproc_ms for t in turns) / count
    rows = rows_of(turns)
    by_group: Dict[str, float] = defaultdict(float)
    for label, ms, _ in rows:
        by_group[group_of(label)] += ms

    def share(ms: float) -> str:
        return f"{ms / rest_mean:.1%}" if rest_mean else "–"

    lines = [
        f"<!-- {SECTION}: begin -->",
        "## Profile of a turn (issue 20)",
        "",
        "Written by `make bench-profile` (bench/profile.py); `make bench` keeps it. Each part's "
        "*own* time per visitor message (nested parts are their own rows), measured in-process "
        "on an `Agent` loaded as `rasa run` loads it, with the stack's action server, SQLite "
        "tracker store and event broker; the HTTP row is what is left of the REST turn "
        "measured on the stack's own Rasa server, alternately with the in-process turn.",
        "",
        *measured_lines(meta, "rerun `make bench-profile` on a quiet machine"),
    ]
    lines += [
        f"- Messages: {count} ({count // len(MIX)} conversations of the bench mix: "
        + ", ".join(repr(t) for t in MIX) + "); one at a time.",
        f"- Mean REST turn {rest_mean:.1f} ms (median "
        f"{statistics.median(t.rest_ms for t in turns):.1f}); "
        f"mean in-process turn {inproc_mean:.1f} ms (median "
        f"{statistics.median(t.inproc_ms for t in turns):.1f}). Shares are of the mean REST turn.",
    ]
    http = rest_mean - inproc_mean - sum(t.channel_ms for t in turns) / count
    if http < 0:
        lines.append(f"- The HTTP row is negative ({http:.1f} ms): the two turns' noise is larger "
                     "than the HTTP cost; rerun with more `--rounds` on a quiet machine.")
    lines += [
        "",
        "### By part",
        "",
        "| part | ms per message | share of the turn |",
        "|---|---|---|",
    ]
    for prefix, title in GROUPS:
        if prefix in by_group:
            lines.append(f"| {title} | {by_group[prefix]:.2f} | {share(by_group[prefix])} |")
    lines += [f"| **the whole REST turn** | **{rest_mean:.2f}** | 100% |", "",
              "### By component", "",
              "| component or step | ms per message | share of the turn | calls per message |",
              "|---|---|---|---|"]
    for label, ms, calls in rows:
        lines.append(f"| {label} | {ms:.2f} | {share(ms)} | {calls:.1f} |")
    lines += ["", "### Per message (medians, ms)", "",
              "| message | REST turn | in-process | NLU | policies | custom actions | "
              "tracker store | custom action calls |", "|---|---|---|---|---|---|---|---|"]
    for text in MIX:
        mine = [t for t in turns if t.text == text]

        def part(prefix: str) -> float:
            return statistics.median(sum(ms for lab, ms in t.own.items()
                                         if lab.startswith(prefix + " ·")) for t in mine)

        remote = statistics.median(
            t.calls.get("custom actions · HTTP round trip to the action server "
                        "(incl. the action's code)", 0) for t in mine)
        lines.append(f"| {text} | {statistics.median(t.rest_ms for t in mine):.1f} | "
                     f"{statistics.median(t.inproc_ms for t in mine):.1f} | {part('NLU'):.1f} | "
                     f"{part('policies'):.1f} | {part('custom actions'):.1f} | "
                     f"{part('tracker store'):.1f} | {remote:.0f} |")
    if action_calls:
        lines += ["", "### The custom-action hop", "",
                  "Each call's HTTP round trip (Rasa → action server → Rasa) against the same "
                  "call run again by rasa-sdk's `ActionExecutor` in this process (the action's "
                  "own code); the difference is the price of the second hop.", "",
                  "| action | calls per message | request KB | response KB | round trip ms "
                  "(median) | action's own code ms (median) | the hop ms |",
                  "|---|---|---|---|---|---|---|"]
        by_name: Dict[str, List[ActionCall]] = defaultdict(list)
        for call in action_calls:
            by_name[call.name].append(call)
        for name, group in sorted(by_name.items(), key=lambda kv: -len(kv[1])):
            trip = statistics.median(c.round_trip_ms for c in group)
            code = actions_own.get(name)
            lines.append(
                f"| {name} | {len(group) / count:.2f} | "
                f"{statistics.mean(c.payload_bytes for c in group) / 1024:.1f} | "
                f"{statistics.mean(c.response_bytes for c in group) / 1024:.1f} | {trip:.1f} | "
                + (f"{code:.1f} | {trip - code:.1f} |" if code is not None else "– | – |"))
    lines += ["", f"### Top {TOP_FUNCTIONS} functions by own time (cProfile, one conversation "
              "in-process; cProfile's overhead inflates small Python calls)", "", "```text",
              top, "```", "", f"<!-- {SECTION}: end -->"]
    return "\n".join(lines)
