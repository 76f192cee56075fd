"""``make bench``: measures the running assistant and writes docs/benchmarks.md.

Figures: REST turn latency (p50/p95/p99) with 1 and with 20 concurrent conversations,
messages per second, resident memory of the servers, start-up time, training time, the
cost of answering from curated content versus a plain response, the widget's size and,
with ``--faq-cycle``, the FAQ figures of issue 16: saving a new FAQ -> the running bot
answering it (``bench.faq_cycle``) and the FAQ index at 500 FAQs (``bench.faq_index``).
It also runs a stock ``rasa init`` bot beside ours with the same Rasa install and the same load
generator, and writes the side-by-side table with ratios and issue 20's targets
(``bench.stock``; ``--compare`` runs only that, ``--no-compare`` leaves it out).
Timings are never asserted in tests; they are written down here with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import TimeoutExpired
from typing import Callable, Dict, List, Optional, Sequence, TypeVar

from bench import faq_cycle, faq_index, stock
from clinic.devstack import Stack, StackError, start_stack, stop_stack
from clinic.settings import PROJECT_ROOT

T = TypeVar("T")
DOC = PROJECT_ROOT / "docs" / "benchmarks.md"

# A realistic mix of visitor turns (plain responses and answers from curated content).
MIX = [
    "hello",
    "what is NMT?",
    "how is fmm different from neuromuscular therapy",
    "what are trigger points",
    "thanks!",
    "my hand goes numb when I type, can massage help?",
    "are you a bot?",
    "write me a poem",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed_turn(stack: Stack, sender: str, text: str) -> float:
    """Milliseconds for one REST turn."""
    started = time.perf_counter()
    stack.rest(sender, text, timeout=120)
    return (time.perf_counter() - started) * 1000


def conversation(stack: Stack, turns: int, texts: Sequence[str]) -> List[float]:
    """One visitor sending ``turns`` messages in order; returns each turn's latency."""
    sender = f"bench-{uuid.uuid4().hex}"
    return [timed_turn(stack, sender, texts[i % len(texts)]) for i in range(turns)]


def load(stack: Stack, conversations: int, turns: int,
         texts: Sequence[str] = MIX) -> Dict[str, float]:
    """Runs ``conversations`` visitors concurrently; latency percentiles and throughput.
    ``stack`` is anything with ``rest(sender, text, timeout)`` (the stock bot too)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        results = list(pool.map(lambda _: conversation(stack, turns, texts),
                                range(conversations)))
    elapsed = time.perf_counter() - started
    latencies = [ms for conv in results for ms in conv]
    return {
        "turns": len(latencies),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "per_second": len(latencies) / elapsed,
    }


def rss_mib(pids: Sequence[int]) -> Dict[int, float]:
    """Resident memory (MiB) of each process, from /proc."""
    sizes = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return sizes


def process_name(pid: int) -> str:
    """A short label for a server process."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    text = " ".join(part.decode(errors="replace") for part in cmd)
    for module, label in (("clinic.rasa_main", "Rasa server"),
                          ("clinic.action_server", "action server"),
                          ("clinic.web", "demo page"),
                          ("actions.booking.worker", "booking worker"),
                          ("clinic.analytics.consumer", "analytics consumer"),
                          ("staff.console", "staff console")):
        if module in text:
            return label
    return text[:40]


def content_overhead(stack: Stack, rounds: int = 40) -> Dict[str, float]:
    """p50 of a content answer vs. a plain response, alternating to share conditions."""
    plain: List[float] = []
    content: List[float] = []
    for _ in range(rounds):
        plain.append(timed_turn(stack, f"plain-{uuid.uuid4().hex}", "thank you"))
        content.append(timed_turn(stack, f"content-{uuid.uuid4().hex}", "what is NMT?"))
    return {"plain_p50": statistics.median(plain), "content_p50": statistics.median(content),
            "added_p50": statistics.median(content) - statistics.median(plain)}


def machine() -> str:
    """CPU model, cores and memory of this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    return (f"{cpu}, {os.cpu_count()} cores, {mem_kib / 1024 / 1024:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def optional(measure: Callable[[], Optional[T]]) -> Optional[T]:
    """Runs a measurement provided by another module when it is available."""
    try:
        return measure()
    except (ImportError, AttributeError):
        return None


def render(results: Dict[str, object]) -> str:
    """docs/benchmarks.md."""
    single, many = results["single"], results["concurrent"]
    mem = results["memory"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); refresh after changing the model, the "
        "pipeline or the servers. Tests never assert timings.",
        "",
        f"- Measured: {results['date']}",
        f"- Machine: {results['machine']}",
        "- Model: models/clinic.tar.gz; servers started by the real launcher on SQLite "
        "(the `make run` defaults), requests over REST from the same machine.",
        f"- Turn mix: {', '.join(repr(t) for t in MIX)}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| REST turn latency, 1 conversation (p50 / p95 / p99) | "
        f"{single['p50']:.0f} / {single['p95']:.0f} / {single['p99']:.0f} ms "
        f"({single['turns']} turns) |",
        f"| REST turn latency, 20 concurrent conversations (p50 / p95 / p99) | "
        f"{many['p50']:.0f} / {many['p95']:.0f} / {many['p99']:.0f} ms "
        f"({many['turns']} turns) |",
        f"| messages per second, 1 conversation | {single['per_second']:.1f} |",
        f"| messages per second, 20 concurrent conversations | {many['per_second']:.1f} |",
    ]
    for name, mib in sorted(mem.items()):
        lines.append(f"| resident memory after the load, {name} | {mib:.0f} MiB |")
    lines.append(f"| start-up time (launcher start to all servers healthy) | "
                 f"{results['startup']:.1f} s |")
    train = results.get("training")
    kind = {"cold": "cold: every component trained",
            "incremental": "incremental: Rasa reused cached components"}
    lines.append("| training time (last `make train`) | "
                 + (f"{train['seconds']:.0f} s ({kind.get(train.get('kind'), 'kind unknown')}; "
                    f"finished {train['finished']}) |"
                    if train else "not recorded yet (run `make train`) |"))
    overhead = results["content"]
    lines.append(f"| answer from curated content vs. plain response (p50) | "
                 f"{overhead['content_p50']:.0f} ms vs. {overhead['plain_p50']:.0f} ms: "
                 f"{overhead['added_p50']:+.1f} ms (target < 20 ms) |")
    widget = results.get("widget_bytes")
    if widget is not None:
        lines.append(f"| widget script + styles (unminified, socket.io excluded) | "
                     f"{widget / 1024:.1f} KB (target < 30 KB) |")
    cycle, index = results.get("faq_cycle"), results.get("faq_index")
    if isinstance(cycle, faq_cycle.FaqCycle):
        lines += faq_cycle.table_rows(cycle)
    elif cycle is not None:
        lines.append(f"| FAQ saved → answering on the running bot | not measured: {cycle} |")
    if isinstance(index, faq_index.FaqIndexResult):
        lines += faq_index.table_rows(index)
    lines.append("")
    if "faq_measured" in results:
        lines += [f"FAQ figures (issue 16; `--faq-cycle`), measured {results['faq_measured']}: "
                  "FAQs are answered by sentence-vector retrieval from the FAQ store, so an "
                  "FAQ change trains nothing (compare the training time above).", ""]
    if isinstance(cycle, faq_cycle.FaqCycle):
        lines += ["The FAQ cycle's runs on one scratch stack (each publish keeps the FAQs "
                  "before it):", "", "```text", *faq_cycle.run_lines(cycle), "```", ""]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Starts a scratch stack, measures, writes docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10, help="turns per conversation")
    parser.add_argument("--faq-cycle", action="store_true",
                        help="also measure FAQ publishing: saved FAQ -> live answer on a "
                             "scratch stack, and the index at 500 FAQs (no training)")
    parser.add_argument("--compare", action="store_true",
                        help="only the side-by-side with a stock `rasa init` bot (issue 20): "
                             "rewrites only that section of docs/benchmarks.md")
    parser.add_argument("--no-compare", action="store_true",
                        help="leave out the stock bot (its section stays as it was)")
    parser.add_argument("--retrain-stock", action="store_true",
                        help="train the stock bot again instead of reusing var/bench-stock/")
    args = parser.parse_args(argv)
    if args.compare:
        return compare_only(args.turns, args.retrain_stock)
    load_start = stock.load_average()
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
        stack = start_stack(Path(tmp))
        try:
            for text in MIX:  # warm up every code path once
                stack.rest("warm-up", text)
            results: Dict[str, object] = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": machine(),
                "startup": stack.startup_seconds,
                "single": load(stack, 1, args.turns * 4),
                "concurrent": load(stack, 20, args.turns),
                "content": content_overhead(stack),
            }
            pids = stack.server_pids()
            results["memory"] = {process_name(pid): mib for pid, mib in rss_mib(pids).items()}
            if not args.no_compare:
                results["rasa_startup"] = stock.our_rasa_startup(stack, Path(tmp))
        finally:
            stop_stack(stack)
    section = None
    if not args.no_compare:
        ours = our_figures(results, errors=0)  # a failed turn stops the load above
        try:
            section = compare_section(ours, args.turns, args.retrain_stock, load_start,
                                      str(results["date"]))
        except (stock.StockError, OSError, TimeoutExpired) as error:
            print(f"stock bot not measured (its section stays as it was): {error}")
    results["training"] = faq_index.last_training()

    def widget_size() -> Optional[float]:
        from clinic.web import widget_size_bytes

        return float(widget_size_bytes())

    results["widget_bytes"] = optional(widget_size)
    if args.faq_cycle:
        results["faq_measured"] = (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
                                   f" on {machine()}")
        results["faq_index"] = faq_index.measure_faq_index()
        try:
            results["faq_cycle"] = faq_cycle.measure_faq_cycle()
        except (faq_cycle.FaqCycleError, StackError, TimeoutExpired) as error:
            print(f"FAQ cycle not measured: {error}")
            results["faq_cycle"] = str(error).splitlines()[0]
    text = keep_sections(render(results), DOC)
    DOC.write_text(replace_section(text, stock.SECTION, section) if section else text)
    print(DOC.read_text())
    return 0


def our_figures(results: Dict[str, object], errors: int,
                silent: Optional[int] = None) -> "stock.Figures":
    """Our side of the comparison, from the figures this run measured."""
    memory: Dict[str, float] = results["memory"]  # type: ignore[assignment]
    extra = {"launcher": float(results["startup"])}  # type: ignore[arg-type]
    if "action server" in memory:
        extra["action_rss"] = memory["action server"]
    startup = float(results["rasa_startup"])  # type: ignore[arg-type]
    return stock.Figures(
        single=results["single"], concurrent=results["concurrent"],  # type: ignore[arg-type]
        rss_mib=memory.get("Rasa server", 0.0), startup=startup,
        training=faq_index.last_training(), errors=errors, silent=silent, extra=extra)


def compare_section(ours: "stock.Figures", turns: int, retrain: bool, load_start: str,
                    date: str) -> str:
    """Measures the stock bot (after our stack has stopped) and renders the section."""
    theirs = stock.measure_stock(load, rss_mib, turns, retrain=retrain)
    meta = {"date": date, "machine": machine(), "load_start": load_start,
            "load_end": stock.load_average(),
            "busy": "yes" if stock.busy() or stock.first_load(load_start) > stock.BUSY_LOAD
            else ""}
    return stock.render(ours, theirs, meta)


def compare_only(turns: int, retrain: bool) -> int:
    """``make bench-compare``: our stack and the stock bot under the same load; writes only
    the side-by-side section of docs/benchmarks.md."""
    load_start = stock.load_average()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    stock.ensure_trained(retrain=retrain)  # before our stack starts: it competes for CPU
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
        stack = start_stack(Path(tmp))
        try:
            for text in MIX:
                stack.rest("warm-up", text)
            client = stock.Counted(stack)
            results: Dict[str, object] = {
                "startup": stack.startup_seconds,
                "single": load(client, 1, turns * 4),
                "concurrent": load(client, 20, turns),
            }
            pids = stack.server_pids()
            results["memory"] = {process_name(pid): mib for pid, mib in rss_mib(pids).items()}
            results["rasa_startup"] = stock.our_rasa_startup(stack, Path(tmp))
        finally:
            stop_stack(stack)
    ours = our_figures(results, client.errors, client.silent)
    section = compare_section(ours, turns, False, load_start, date)
    DOC.write_text(replace_section(DOC.read_text(encoding="utf-8") if DOC.exists() else "",
                                   stock.SECTION, section))
    print(section)
    return 0


def keep_sections(new: str, doc: Path) -> str:
    """``new`` with the sections other benchmarks wrote into ``doc`` between their
    ``<!-- name: begin -->`` / ``<!-- name: end -->`` markers (``make bench-analytics``)."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    blocks = [m.group(0) for m in
              re.finditer(r"<!-- ([\w-]+): begin -->.*?<!-- \1: end -->", old, flags=re.S)]
    return new.rstrip("\n") + "".join("\n\n" + block for block in blocks) + "\n"


def replace_section(text: str, name: str, block: str) -> str:
    """``text`` with its ``<!-- name: begin/end -->`` section replaced by ``block`` (which
    carries the markers), or with ``block`` appended when there is none yet."""
    pattern = re.compile(rf"<!-- {re.escape(name)}: begin -->.*?<!-- {re.escape(name)}: end -->",
                         flags=re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block.strip("\n"), text, count=1)
    return text.rstrip("\n") + "\n\n" + block.strip("\n") + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
