"""docs/safety.md shows exactly what clinic/safety/measure.py measures (it cannot go stale)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.safety import measure


def test_the_documented_counts_match_the_measurement() -> None:
    table = measure.render_table()
    assert measure.doc_table() == table, (
        "docs/safety.md is stale: run `python -m clinic.safety.measure --write`"
    )


def test_the_table_reports_every_sign_group_and_the_totals() -> None:
    counts = measure.measure_emergencies()
    table = measure.render_table(counts)
    for sign in counts.signs:
        assert f"| {sign.sign} |" in table
    assert f"**{counts.positives}**" in table
    assert f"| not emergencies | {counts.negatives} | {len(counts.false_alarms)} |" in table


def test_check_mode_fails_on_a_stale_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "safety.md"
    doc.write_text(
        f"# x\n{measure.START_MARKER}\n| old | table |\n{measure.END_MARKER}\nafter\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(measure, "DOC", doc)
    monkeypatch.setattr(measure, "PROJECT_ROOT", tmp_path)
    assert measure.main(["--check"]) == 1
    assert measure.main(["--write"]) == 0
    assert measure.main(["--check"]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# x\n") and text.endswith("after\n")
    assert "| old | table |" not in text
    capsys.readouterr()
