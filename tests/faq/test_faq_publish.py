"""Publishing FAQ versions end to end (staff/faq/publish.py): files -> checks -> gate ->
store, on a scratch copy of faq/ and a scratch SQLite store.

The gate uses the real MiniLM encoder (models/minilm-l6) and the trained model
(models/clinic.tar.gz), which `make test` builds before pytest runs.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

import pytest

from clinic.faq.model import Faq, faq_to_record
from clinic.faq.retrieval import ENCODER_ID, faq_texts
from clinic.faq.store import FaqStore
from clinic.settings import PROJECT_ROOT
from staff.faq.load import load_faq_folder
from staff.faq.publish import (
    EXIT_NEWER,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_REFUSED,
    EXIT_STORE,
    Publisher,
    describe_changes,
    read_sync,
    write_faq_file,
    write_sync,
)

PARKING_QUESTION = "Is there parking near the clinic?"
PARKING = f"""\
# A new FAQ, written as staff would.
question: {PARKING_QUESTION}
asked_as:
  - where can i leave my car
  - can I park near the clinic
  - do you have parking for patients
  - is parking free at your clinic
  - where should I park when I come in
  - are there parking spaces close by
answer: >
  Our front desk can tell you where to park when you visit. {{clinic_contact}}
"""
ADDED_PARKING = f"added '{PARKING_QUESTION}' (parking)"


@dataclass
class Workspace:
    """A scratch faq/ folder, store and sync file."""

    root: Path
    faq_dir: Path
    store: FaqStore
    sync_file: Path

    def publisher(self, faq_dir: Optional[Path] = None, sync_file: Optional[Path] = None,
                  author: str = "ana (files)", store: Optional[FaqStore] = None) -> Publisher:
        return Publisher(store or self.store, faq_dir=faq_dir or self.faq_dir,
                         sync_file=sync_file or self.sync_file, author=author,
                         out=io.StringIO())

    def live(self) -> Optional[int]:
        return self.store.live_version_number()

    def versions(self) -> List[int]:
        return [info.version for info in self.store.history()]

    def seed_directly(self) -> None:
        """Version 1 = the files, written without the gate (for tests about the checks)."""
        faqs, _ = load_faq_folder(self.faq_dir)
        info = self.store.publish(faqs, "seed", ["seed"], base=None)
        write_sync(self.store.url, info.version, self.sync_file)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    faq_dir = tmp_path / "faq"
    faq_dir.mkdir()
    for path in sorted((PROJECT_ROOT / "faq").glob("*.yml")):
        shutil.copy(path, faq_dir / path.name)
    store = FaqStore(f"sqlite:///{tmp_path}/x.db")
    yield Workspace(tmp_path, faq_dir, store, tmp_path / "faq-sync.json")
    store.close()


def run(publisher: Publisher, action: Optional[Callable[[], int]] = None,
        **options: bool) -> Tuple[int, str]:
    """Runs ``publisher.publish(**options)`` (or ``action``): (exit code, what it printed)."""
    out = publisher.out
    assert isinstance(out, io.StringIO)
    out.seek(0)
    out.truncate()
    code = action() if action is not None else publisher.publish(**options)
    return code, out.getvalue()


def records(faqs: List[Faq]) -> List[dict]:
    return sorted((faq_to_record(faq) for faq in faqs), key=lambda r: r["name"])


def vector_rows(ws: Workspace) -> int:
    with sqlite3.connect(ws.root / "x.db") as connection:
        return int(connection.execute("SELECT count(*) FROM faq_vectors").fetchone()[0])


def file_problems(output: str, path: Path) -> List[str]:
    """The lines the report prints under ``path``'s heading."""
    lines = output.splitlines()
    heading = str(path)
    assert heading in lines, f"{path.name} is not named in:\n{output}"
    block: List[str] = []
    for line in lines[lines.index(heading) + 1:]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    return block


# --------------------------------------------------------------------------- seed / publish


def test_seed_publishes_the_files_once(ws: Workspace) -> None:
    code, output = run(ws.publisher(), seed_only=True)
    assert code == EXIT_OK, output
    assert "Published FAQ version 1 (added 'What is your cancellation policy?'" in output
    assert ws.versions() == [1] and ws.live() == 1
    assert read_sync(ws.store.url, ws.sync_file) == 1
    live = ws.store.live()
    assert live is not None
    assert records(list(live.faqs)) == records(load_faq_folder(ws.faq_dir)[0])
    assert live.info.author == "ana (files)"

    code, output = run(ws.publisher(), seed_only=True)
    assert code == EXIT_OK
    assert output.strip() == "FAQ store: version 1 is live (nothing to seed)."
    assert ws.versions() == [1]


def test_publishing_unchanged_files_publishes_nothing(ws: Workspace) -> None:
    run(ws.publisher(), seed_only=True)
    code, output = run(ws.publisher())
    assert code == EXIT_OK
    assert "The FAQ files are the same as the live version 1: nothing to publish." in output
    assert ws.versions() == [1]


def test_a_new_faq_file_publishes_the_next_version(ws: Workspace) -> None:
    run(ws.publisher(), seed_only=True)
    (ws.faq_dir / "parking.yml").write_text(PARKING, encoding="utf-8")

    code, output = run(ws.publisher())
    assert code == EXIT_OK, output
    assert f"Published FAQ version 2 ({ADDED_PARKING})" in output
    assert "NOT published" not in output
    assert ws.versions() == [2, 1] and ws.live() == 2
    assert ws.store.history()[0].changes == (ADDED_PARKING,)
    live = ws.store.live()
    assert live is not None
    parking = next(faq for faq in live.faqs if faq.name == "parking")
    assert [p.text for p in parking.asked_as][:2] == ["where can i leave my car",
                                                       "can I park near the clinic"]
    assert read_sync(ws.store.url, ws.sync_file) == 2
    stored = ws.store.vectors(ENCODER_ID, faq_texts(parking))  # servers need not encode
    assert set(stored) == set(faq_texts(parking))


def test_check_runs_everything_but_writes_nothing(ws: Workspace) -> None:
    code, output = run(ws.publisher(), dry_run=True)  # an empty store
    assert code == EXIT_OK, output
    assert "All good" in output and ws.versions() == []
    assert not ws.sync_file.exists()

    run(ws.publisher(), seed_only=True)
    sync_before = ws.sync_file.read_text(encoding="utf-8")
    vectors_before = vector_rows(ws)
    (ws.faq_dir / "parking.yml").write_text(PARKING, encoding="utf-8")
    code, output = run(ws.publisher(), dry_run=True)
    assert code == EXIT_OK, output
    assert f"What `make retrain` would publish: {ADDED_PARKING}." in output
    assert ws.versions() == [1] and ws.live() == 1
    assert ws.sync_file.read_text(encoding="utf-8") == sync_before
    assert vector_rows(ws) == vectors_before


def test_the_gate_refuses_two_faqs_with_the_same_answer(ws: Workspace) -> None:
    ws.seed_directly()
    gift_answer = load_faq_folder(ws.faq_dir)[0][1].answer
    (ws.faq_dir / "parking.yml").write_text(
        PARKING.split("answer:")[0] + f"answer: {gift_answer}\n", encoding="utf-8")
    code, output = run(ws.publisher())
    assert code == EXIT_REFUSED, output
    assert "NOT published, because something would get worse:" in output
    assert (f"The FAQs 'Do you offer gift cards?' and '{PARKING_QUESTION}' give (almost) the "
            "same answer") in output
    assert ws.versions() == [1]


# --------------------------------------------------------------------------- bad files


def _broken_yaml(folder: Path) -> Tuple[str, int, str]:
    (folder / "parking.yml").write_text(PARKING.replace(
        "  - do you have parking for patients", '  - "do you have parking for patients'),
        encoding="utf-8")
    return "parking.yml", 6, "A quote (\") was opened but never closed."


def _no_wordings(folder: Path) -> Tuple[str, int, str]:
    (folder / "parking.yml").write_text(
        f"question: {PARKING_QUESTION}\nasked_as:\nanswer: Ask the front desk.\n",
        encoding="utf-8")
    return "parking.yml", 2, "only 0 different way(s) of asking under 'asked_as'"


def _same_question_twice(folder: Path) -> Tuple[str, int, str]:
    (folder / "parking.yml").write_text(PARKING, encoding="utf-8")
    (folder / "parking_lot.yml").write_text(
        f"question: {PARKING_QUESTION}\n"
        "asked_as:\n  - any spots for cars\n  - room for my car at your place\n"
        "  - garage for visitors\n  - spaces for a van\n  - somewhere to put the car\n"
        "answer: Ask the front desk about the lot.\n", encoding="utf-8")
    return "parking_lot.yml", 1, (f"the question '{PARKING_QUESTION}' is also the question "
                                  "of parking.yml")


def _answer_too_long(folder: Path) -> Tuple[str, int, str]:
    long_answer = "Our front desk can tell you where to park. " * 50  # 2150 characters
    (folder / "parking.yml").write_text(
        PARKING.split("answer:")[0] + f"answer: {long_answer.strip()}\n", encoding="utf-8")
    return "parking.yml", 10, "the answer is 2149 characters long; the most is 2000"


def _pure_punctuation(folder: Path) -> Tuple[str, int, str]:
    (folder / "parking.yml").write_text(
        PARKING.replace("  - are there parking spaces close by\n",
                        "  - are there parking spaces close by\n  - ???\n"),
        encoding="utf-8")
    return "parking.yml", 10, "'???' has no words"


@pytest.mark.parametrize("spoil", [_broken_yaml, _no_wordings, _same_question_twice,
                                   _answer_too_long, _pure_punctuation])
def test_a_bad_file_is_named_with_its_line_and_nothing_is_published(
        ws: Workspace, spoil: Callable[[Path], Tuple[str, int, str]]) -> None:
    ws.seed_directly()
    name, line, message = spoil(ws.faq_dir)

    for options in ({}, {"dry_run": True}, {"force": True}):
        code, output = run(ws.publisher(), **options)
        assert code == EXIT_PROBLEMS, output
        problems = file_problems(output, ws.faq_dir / name)
        assert any(p.startswith(f"Problem (line {line}): ") and message in p
                   for p in problems), problems
        assert "Nothing was published; the assistant is unchanged." in output
        assert ws.versions() == [1] and ws.live() == 1


# --------------------------------------------------------------------------- newer store


def test_a_store_newer_than_the_files_is_not_overwritten_unless_forced(ws: Workspace) -> None:
    mine = ws.publisher()
    assert run(mine, seed_only=True)[0] == EXIT_OK

    console_dir, console_sync = ws.root / "console-faq", ws.root / "console-sync.json"
    console = ws.publisher(faq_dir=console_dir, sync_file=console_sync, author="ben (console)")
    assert run(console, console.export)[0] == EXIT_OK
    (console_dir / "parking.yml").write_text(PARKING, encoding="utf-8")
    code, output = run(console)
    assert code == EXIT_OK, output
    assert ws.live() == 2

    (ws.faq_dir / "session_length.yml").write_text(
        (ws.faq_dir / "session_length.yml").read_text(encoding="utf-8").replace(
            "asked_as:\n", "asked_as:\n  - how many minutes is a treatment\n"),
        encoding="utf-8")
    code, output = run(mine)
    assert code == EXIT_NEWER, output
    assert "The FAQ store has version 2 (by ben (console)," in output
    assert f"  - removed '{PARKING_QUESTION}' (parking)" in output
    assert "  - changed ways of asking of 'How long is a session?' (session_length)" in output
    assert "`make faq-export`" in output and "FORCE=1" in output
    assert "Nothing was published." in output
    assert ws.versions() == [2, 1] and ws.live() == 2

    code, output = run(mine, force=True)
    assert code == EXIT_OK, output
    assert "Published FAQ version 3" in output
    assert ws.live() == 3
    assert read_sync(ws.store.url, ws.sync_file) == 3
    assert ws.store.history()[0].changes == (
        "removed 'Is there parking near the clinic?' (parking)",
        "changed ways of asking of 'How long is a session?' (session_length)")


# --------------------------------------------------------------------------- export / rollback


def test_export_writes_the_live_version_back_as_files(ws: Workspace) -> None:
    (ws.faq_dir / "parking.yml").write_text(PARKING, encoding="utf-8")
    assert run(ws.publisher(), seed_only=True)[0] == EXIT_OK
    original = records(load_faq_folder(ws.faq_dir)[0])

    exported_dir, exported_sync = ws.root / "exported", ws.root / "exported-sync.json"
    exported_dir.mkdir()
    (exported_dir / "old_question.yml").write_text("question: gone?\n", encoding="utf-8")
    (exported_dir / "README.md").write_text("kept\n", encoding="utf-8")
    exporter = ws.publisher(faq_dir=exported_dir, sync_file=exported_sync)
    code, output = run(exporter, exporter.export)
    assert code == EXIT_OK, output
    assert f"Exported FAQ version 1 (7 FAQs) to {exported_dir}/." in output

    assert sorted(p.name for p in exported_dir.iterdir()) == sorted(
        ["README.md"] + [f"{r['name']}.yml" for r in original])
    faqs, problems = load_faq_folder(exported_dir)
    assert [p for p in problems if p.is_error] == []
    live = ws.store.live()
    assert live is not None
    assert records(faqs) == records(list(live.faqs)) == original
    assert read_sync(ws.store.url, exported_sync) == 1
    assert run(exporter)[1].strip().endswith("nothing to publish.")


def test_write_faq_file_round_trips_buttons_and_odd_text(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "parking.yml"
    source.write_text(PARKING.replace("answer: >", 'buttons:\n  - title: "Map: parking"\n'
                                      "    url: https://example.com/map\nanswer: >")
                      .replace("  - where can i leave my car", '  - "parking: is it free?"'),
                      encoding="utf-8")
    (faq,), problems = load_faq_folder(tmp_path / "src")
    assert problems == []
    target = tmp_path / "out" / "parking.yml"
    target.parent.mkdir()
    write_faq_file(target, faq)
    (again,), problems = load_faq_folder(target.parent)
    assert problems == []
    assert faq_to_record(again) == faq_to_record(faq)
    assert again.asked_as[0].text == "parking: is it free?"


def test_rollback_steps_back_and_stops_at_the_first_version(ws: Workspace) -> None:
    run(ws.publisher(), seed_only=True)
    (ws.faq_dir / "parking.yml").write_text(PARKING, encoding="utf-8")
    assert run(ws.publisher())[0] == EXIT_OK

    publisher = ws.publisher(author="ben")
    code, output = run(publisher, publisher.rollback)
    assert code == EXIT_OK
    assert "Rolled back: FAQ version 1 is live again (was 2)." in output
    assert "`make faq-export`" in output
    assert ws.live() == 1 and ws.versions() == [2, 1]

    code, output = run(publisher, publisher.history)
    assert code == EXIT_OK
    lines = output.splitlines()
    assert lines[0].startswith("     v2 ") and ADDED_PARKING in lines[0]
    assert lines[1].startswith("live v1 ")
    assert lines[2] == "Roll-backs (newest first):"
    assert lines[3].endswith("ben put v1 live again")

    code, output = run(publisher, publisher.rollback)
    assert code == EXIT_PROBLEMS
    assert output.startswith("Nothing to roll back: version 1 is the first version")
    assert ws.live() == 1


def test_history_of_an_empty_store(ws: Workspace) -> None:
    publisher = ws.publisher()
    assert run(publisher, publisher.history) == (
        EXIT_OK, "No FAQ version has been published yet.\n")
    assert run(publisher, publisher.export) == (
        EXIT_OK, "The FAQ store is empty: nothing to export.\n")


# --------------------------------------------------------------------------- no database


def test_an_unreachable_store_publishes_nothing(ws: Workspace) -> None:
    gone = FaqStore(f"sqlite:///{ws.root}/no/such/folder/x.db")
    publisher = ws.publisher(store=gone)
    for options in ({}, {"seed_only": True}, {"dry_run": True}, {"force": True}):
        code, output = run(publisher, **options)
        assert code == EXIT_STORE, output
        assert output.startswith("The FAQ store cannot be reached (")
        assert "Nothing was published; the assistant keeps answering with the version it " \
               "has." in output
    for action in (publisher.export, publisher.rollback, publisher.history):
        code, output = run(publisher, action)
        assert code == EXIT_STORE and "cannot be reached" in output
    assert not ws.sync_file.exists()
    assert list(ws.faq_dir.glob("*.yml"))  # export removed nothing


# --------------------------------------------------------------------------- pure helpers


def test_describe_changes_names_each_faq_once() -> None:
    faqs, _ = load_faq_folder(PROJECT_ROOT / "faq")
    by_name = {faq.name: faq for faq in faqs}
    changed = replace(by_name["prices"], answer="New prices.", question="What are the prices?")
    new = [changed] + [faq for faq in faqs if faq.name not in ("prices", "gift_cards")]
    assert describe_changes(faqs, new) == [
        "removed 'Do you offer gift cards?' (gift_cards)",
        "changed question, answer of 'What are the prices?' (prices)",
    ]
    assert describe_changes(faqs, faqs) == []


def test_sync_file_keeps_one_version_per_database(tmp_path: Path) -> None:
    path = tmp_path / "var" / "faq-sync.json"
    assert read_sync("sqlite:///a.db", path) is None
    write_sync("sqlite:///a.db", 3, path)
    write_sync("postgresql://db/x", 7, path)
    assert read_sync("sqlite:///a.db", path) == 3
    assert read_sync("postgresql://db/x", path) == 7
    path.write_text("not json", encoding="utf-8")
    assert read_sync("sqlite:///a.db", path) is None
    write_sync("sqlite:///a.db", 4, path)  # a broken file is replaced
    assert read_sync("sqlite:///a.db", path) == 4
