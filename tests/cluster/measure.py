"""Throughput and latency of the cluster for 1, 2 and 3 Rasa servers (docs/reliability.md).

``.venv/bin/python -m tests.cluster.measure [--replicas 1,2,3] [--visitors 20]``

For each replica count a scratch cluster (2 action servers, its own database) is started on
free ports; after a warm-up, one visitor alone has a 20-turn conversation (latency without
load), then ``--visitors`` visitors at once have theirs (13 questions and a whole booking,
as in test_load.py; throughput and latency at saturation). Prints a Markdown table and
writes ``test-artifacts/cluster-measure.json``. The machine's load average is recorded with
each row: on a shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

from tests.cluster.harness import start_cluster, stop_cluster
from tests.cluster.visitors import Outcome, Pacing, conversation, percentile, rest_visitor

OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "cluster-measure.json"


def cpu_model() -> str:
    """``Model name`` from lscpu."""
    found = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    for line in found.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


async def crowd(url: str, visitors: int, prefix: str) -> List[Outcome]:
    """``visitors`` 20-turn conversations at once."""
    return list(await asyncio.gather(*(
        rest_visitor(url, f"{prefix}-{i}", conversation(i, 13), Pacing())
        for i in range(visitors))))


def summary(outcomes: List[Outcome], seconds: float) -> Dict[str, Any]:
    """Requests, throughput, p50/p95/p99 (ms), failures and 5xx."""
    latencies = [value for outcome in outcomes for value in outcome.latencies]
    return {
        "requests": len(latencies), "seconds": round(seconds, 1),
        "requests_per_s": round(len(latencies) / seconds, 2),
        "p50_ms": round(1000 * percentile(latencies, 0.50)),
        "p95_ms": round(1000 * percentile(latencies, 0.95)),
        "p99_ms": round(1000 * percentile(latencies, 0.99)),
        "failed_requests": sum(len(outcome.failures) for outcome in outcomes),
        "http_5xx": sum(outcome.server_errors for outcome in outcomes),
    }


def measure(replicas: int, visitors: int) -> Dict[str, Any]:
    """Starts a cluster with ``replicas`` Rasa servers and measures it."""
    cluster = start_cluster(Path(tempfile.mkdtemp(prefix="cluster-measure-")),
                            replicas=replicas)
    try:
        asyncio.run(crowd(cluster.url, 4, f"warm-{replicas}"))  # every replica warmed up
        started = time.monotonic()
        alone = asyncio.run(crowd(cluster.url, 1, f"alone-{replicas}"))
        alone_s = time.monotonic() - started
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        busy = asyncio.run(crowd(cluster.url, visitors, f"busy-{replicas}"))
        busy_s = time.monotonic() - started
        return {"replicas": replicas, "startup_s": round(cluster.up_seconds, 1),
                "alone": summary(alone, alone_s), "busy": summary(busy, busy_s),
                "visitors": visitors, "load_average_1m": round(load_before, 1)}
    finally:
        stop_cluster(cluster)


def table(rows: List[Dict[str, Any]]) -> str:
    """The Markdown table of docs/reliability.md."""
    lines = ["| Rasa servers | 1 visitor: p50 / p95 / p99 | "
             f"{rows[0]['visitors']} visitors: throughput | p50 / p95 / p99 | failed / 5xx "
             "| load average |", "|---|---|---|---|---|---|"]
    for row in rows:
        a, b = row["alone"], row["busy"]
        lines.append(
            f"| {row['replicas']} | {a['p50_ms']} / {a['p95_ms']} / {a['p99_ms']} ms | "
            f"{b['requests_per_s']} turns/s ({b['requests']} turns) | "
            f"{b['p50_ms']} / {b['p95_ms']} / {b['p99_ms']} ms | "
            f"{b['failed_requests']} / {b['http_5xx']} | {row['load_average_1m']} |")
    return "\n".join(lines)


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--visitors", type=int, default=20)
    args = parser.parse_args()
    rows = [measure(int(n), args.visitors) for n in args.replicas.split(",")]
    result = {"cpu": cpu_model(), "cores": os.cpu_count(),
              "date": time.strftime("%Y-%m-%d"), "rows": rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{result['cpu']}, {result['cores']} cores, {result['date']}\n\n{table(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
