"""``make bench`` rewrites docs/benchmarks.md but keeps the sections other benchmarks own."""

from __future__ import annotations

from pathlib import Path

from bench.run import keep_sections

SECTION = ("<!-- bench-analytics: begin -->\n## Analytics\n| x | 1 |\n"
           "<!-- bench-analytics: end -->")


def test_a_marked_section_survives_a_rewrite(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n| old | 1 |\n\n{SECTION}\n", encoding="utf-8")
    out = keep_sections("# Benchmarks\n\n| new | 2 |\n", doc)
    assert "| new | 2 |" in out and "| old | 1 |" not in out
    assert out.count(SECTION) == 1


def test_without_a_document_only_the_new_text(tmp_path: Path) -> None:
    assert keep_sections("# Benchmarks\n", tmp_path / "missing.md") == "# Benchmarks\n"


def test_a_section_says_when_where_and_whether_the_machine_was_busy() -> None:
    from bench.stock import measured_lines

    meta = {"date": "2026-12-07 12:00", "machine": "2 cores", "load_start": "0.2 / 0.3 / 0.4",
            "load_end": "0.5 / 0.4 / 0.4"}
    quiet = measured_lines(meta, "rerun `make bench`")
    assert quiet == ["- Measured: 2026-12-07 12:00", "- Machine: 2 cores",
                     "- Load average (1 / 5 / 15 min) at start: 0.2 / 0.3 / 0.4; at end: "
                     "0.5 / 0.4 / 0.4"]
    busy = measured_lines({**meta, "busy": "yes"}, "rerun `make bench`")
    assert busy[:3] == quiet and "not figures of record" in busy[3]
    assert busy[3].endswith("rerun `make bench`.")


def test_only_a_full_training_is_judged_against_the_training_target() -> None:
    from bench.stock import Figures, render

    def figures(training):
        load = {"p50": 40.0, "p95": 80.0, "p99": 90.0, "per_second": 25.0, "turns": 40.0}
        return Figures(load, dict(load), 600.0, 6.0, training)

    meta = {"date": "2026-12-07 12:00", "machine": "2 cores", "load_start": "0.1 / 0.1 / 0.1",
            "load_end": "0.1 / 0.1 / 0.1"}
    stock = figures({"seconds": 57, "kind": "cold", "finished": "x"})

    def training_row(kind: str) -> str:
        ours = figures({"seconds": 19, "kind": kind, "finished": "x"})
        rows = [line for line in render(ours, stock, meta).splitlines()
                if line.startswith("| training")]
        assert len(rows) == 1
        return rows[0]

    assert training_row("cold").endswith("| ≤ 45 s (full) | yes |")
    incremental = training_row("incremental")
    assert "not judged here" in incremental and incremental.endswith("|  |  |")
