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
