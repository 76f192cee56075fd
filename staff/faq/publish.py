"""Publishing FAQ versions: files -> checks -> gate -> the FAQ store, in seconds.

``python -m staff.faq.publish COMMAND`` (the Makefile's targets call it):

* ``publish``: ``make retrain`` when only ``faq/`` changed. Checks the files, runs the gate
  (``staff.faq.gate``) against the live version and publishes a new version. It refuses to
  overwrite a version that is newer than the files (published from the staff console since
  the files were last published or exported) unless ``--force``: it says what differs and
  how to export (``make faq-export``).
* ``seed``: publishes the files when the store has no version yet (``make run`` on a fresh
  install); does nothing otherwise.
* ``check``: everything ``publish`` does except the write (``make faq-check``).
* ``export``: writes the live version to ``faq/*.yml`` (``make faq-export``).
* ``rollback``: the version before the live one goes live again (``make rollback``).
* ``history``: the versions, newest first (``make faq-history``).

The files' last sync with the store (version number per database) is kept in
``var/faq-sync.json``: it is how ``publish`` knows whether the files or the store moved on.
Exit codes: 0 done, 1 problems found (nothing published), 2 bad usage, 3 the gate refused,
4 the store refused or cannot be reached (nothing published; the servers keep the live
version), 5 the store is newer than the files.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Protocol, Sequence, TextIO, Tuple

import numpy as np
import yaml

from clinic.faq.model import SPANISH_FIELDS, Faq, faq_to_record
from staff.faq.text import Problem
from clinic.faq.retrieval import DIMENSION, ENCODER_ID, FaqIndex, RetrievalSettings, faq_texts
from clinic.faq.store import (
    ConcurrentPublish,
    FaqStore,
    FaqVersion,
    StaleVersion,
    StoreError,
    VersionInfo,
    content_hash,
)
from clinic.settings import PROJECT_ROOT, Settings
from staff.faq.check import load_project_data, report, spanish_summary, static_problems
from staff.faq.gate import GateReport, run_gate
from staff.faq.load import load_faq_folder
from staff.heldout import HELDOUT_FILES

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_REFUSED, EXIT_STORE, EXIT_NEWER = 0, 1, 2, 3, 4, 5
SYNC_FILE = PROJECT_ROOT / "var" / "faq-sync.json"
MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
CONFIG = PROJECT_ROOT / "config.yml"
RETRIEVER = "FaqRetriever"
ENCODER_DIR = PROJECT_ROOT / "models" / "minilm-l6"  # as in clinic/nlu/sentence_featurizer.py


# --------------------------------------------------------------------------- what changed


def describe_changes(old: Sequence[Faq], new: Sequence[Faq]) -> List[str]:
    """What changed between two versions, one sentence per FAQ (pure)."""
    before = {faq.name: faq_to_record(faq) for faq in old}
    after = {faq.name: faq_to_record(faq) for faq in new}
    changes: List[str] = []
    for name in sorted(after.keys() - before.keys()):
        changes.append(f"added '{after[name]['question']}' ({name})")
    for name in sorted(before.keys() - after.keys()):
        changes.append(f"removed '{before[name]['question']}' ({name})")
    for name in sorted(after.keys() & before.keys()):
        fields = [key for key in ("question", "asked_as", "answer", "buttons", *SPANISH_FIELDS)
                  if before[name].get(key) != after[name].get(key)]
        if fields:
            label = {"asked_as": "ways of asking", "question_es": "Spanish question",
                     "asked_as_es": "Spanish ways of asking", "answer_es": "Spanish answer"}
            changed = ", ".join(label.get(f, f) for f in fields)
            changes.append(f"changed {changed} of '{after[name]['question']}' ({name})")
    return changes


# --------------------------------------------------------------------------- sync record


def read_sync(url: str, path: Path = SYNC_FILE) -> Optional[int]:
    """The store version the files were last published as or exported from."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        value = data.get(url, {}).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) else None


def write_sync(url: str, version: Optional[int], path: Path = SYNC_FILE) -> None:
    """Records that the files match store ``version``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[url] = {"version": version, "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temporary.replace(path)


# --------------------------------------------------------------------------- inputs


def retrieval_settings(config: Path = CONFIG) -> RetrievalSettings:
    """The FaqRetriever's thresholds from config.yml (the gate decides as the server does)."""
    try:
        document = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return RetrievalSettings()
    for component in document.get("pipeline") or []:
        if str(component.get("name", "")).endswith(RETRIEVER):
            return RetrievalSettings.from_config(component)
    return RetrievalSettings()


def model_others(model: Path = MODEL) -> np.ndarray:
    """The other topics' training vectors kept in the trained model (empty without one)."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            for member in archive:
                if RETRIEVER in member.name and member.name.endswith("others.npy"):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        others = np.load(io.BytesIO(handle.read()))
                        # a model trained with another encoder: `make train` replaces it
                        if others.ndim == 2 and others.shape[1] == DIMENSION:
                            return others
    except (OSError, tarfile.TarError, ValueError):
        pass
    return np.zeros((0, DIMENSION), dtype=np.float32)


def therapy_questions() -> List[Tuple[str, str]]:
    """(question, topic) of the held-out therapy questions (``topic`` other than none)."""
    found: List[Tuple[str, str]] = []
    for path in HELDOUT_FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("questions") or []:
            if isinstance(item, dict) and item.get("topic") not in (None, "none"):
                found.append((str(item["text"]), str(item["topic"])))
    return found


class Vectors:
    """Sentence vectors: from the store when it has them, else encoded (and then stored)."""

    def __init__(self, store: FaqStore) -> None:
        self.store = store
        self._encoder = None
        self.new: Dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encodes with the FAQ retriever's encoder (loaded on first use)."""
        if self._encoder is None:
            from clinic.nlu.multilingual import RetrievalEncoder

            self._encoder = RetrievalEncoder.load(ENCODER_DIR, numpy_only=True)
        return self._encoder.encode(list(texts))

    def for_texts(self, texts: Sequence[str]) -> Dict[str, np.ndarray]:
        """A vector for every text; new ones are stored with the next publish."""
        unique = list(dict.fromkeys(texts))
        found = self.store.vectors(ENCODER_ID, unique)
        missing = [t for t in unique if t not in found]
        if missing:
            encoded = dict(zip(missing, self.encode(missing)))
            found.update(encoded)
            self.new.update(encoded)
        return found


# --------------------------------------------------------------------------- the steps


class FaqSource(Protocol):
    """Where FAQs come from instead of ``faq_dir`` (the staff console's draft)."""

    def load(self) -> Tuple[List[Faq], List[Problem]]:
        """The FAQs and the problems found reading them."""

    def synced_version(self) -> Optional[int]:
        """The newest store version these FAQs have seen (the files' sync record)."""

    def mark_synced(self, version: Optional[int]) -> None:
        """Records that these FAQs have seen store version ``version``."""


@dataclass
class Publisher:
    """Checks, gates and publishes the FAQ files of ``faq_dir`` (or of ``source``) to
    ``store``. After ``publish`` the verdict, problems and new version are kept in
    ``last_report``, ``last_problems`` and ``last_info`` for callers that word their own
    messages (the staff console)."""

    store: FaqStore
    faq_dir: Path = PROJECT_ROOT / "faq"
    sync_file: Path = SYNC_FILE
    author: str = "files"
    out: TextIO = sys.stdout
    model: Path = MODEL
    source: Optional[FaqSource] = None
    last_report: Optional[GateReport] = field(default=None, init=False)
    last_problems: List[Problem] = field(default_factory=list, init=False)
    last_info: Optional[VersionInfo] = field(default=None, init=False)
    last_newer: Optional[FaqVersion] = field(default=None, init=False)

    def say(self, text: str) -> None:
        """One line of progress."""
        print(text, file=self.out, flush=True)

    def load_checked(self) -> Tuple[List[Faq], List[Problem]]:
        """The files, and every static check (``make faq-check``'s messages)."""
        faqs, problems = self.source.load() if self.source else load_faq_folder(self.faq_dir)
        problems += static_problems(faqs, self.faq_dir, load_project_data())
        return faqs, problems

    def gate(self, faqs: Sequence[Faq], live: Optional[FaqVersion], vectors: Vectors
             ) -> GateReport:
        """The gate of ``staff.faq.gate`` for ``faqs`` against ``live``."""
        settings = retrieval_settings()
        texts = [t for faq in faqs for t in faq_texts(faq)]
        old_texts = [t for faq in (live.faqs if live else ()) for t in faq_texts(faq)]
        table = vectors.for_texts(texts + old_texts)
        new_index = FaqIndex.build(None, faqs, table)
        old_index = FaqIndex.build(live.version, live.faqs, table) if live else None
        questions = therapy_questions()
        therapy_vectors = vectors.for_texts([q for q, _ in questions])
        therapy = [(q, topic, therapy_vectors[q]) for q, topic in questions]
        answer_vectors = vectors.for_texts([faq.answer for faq in faqs])  # cached in the store
        answers = {faq.name: answer_vectors[faq.answer] for faq in faqs}
        return run_gate(new_index, old_index, table, model_others(self.model), therapy,
                        settings, answers)

    def publish(self, force: bool = False, seed_only: bool = False,
                dry_run: bool = False) -> int:
        """The ``publish`` / ``seed`` / ``check`` (``dry_run``: everything but the write)."""
        started = time.monotonic()
        try:
            live = self.store.live()
        except StoreError as exc:
            self.say(f"The FAQ store cannot be reached ({exc}). Nothing was published; the "
                     "assistant keeps answering with the version it has. Try again later.")
            return EXIT_STORE
        if seed_only and live is not None:
            self.say(f"FAQ store: version {live.version} is live (nothing to seed).")
            return EXIT_OK
        faqs, problems = self.load_checked()
        self.last_problems = problems
        errors = [p for p in problems if p.is_error]
        if problems:
            self.say(report(problems, len(faqs), self.faq_dir, footer=bool(errors)))
        if dry_run:  # `make faq-check`: which FAQs still lack Spanish, one line each
            for line in spanish_summary(faqs):
                self.say(line)
        if errors:
            self.say("Nothing was published; the assistant is unchanged.")
            return EXIT_PROBLEMS
        url = self.store.url
        if live is not None and content_hash(faqs) == live.info.content_hash:
            if not dry_run:  # the files have seen everything published so far
                self._mark_synced(self.store.newest_version_number())
            self.say(f"The FAQ files are the same as the live version {live.version}: "
                     "nothing to publish.")
            return EXIT_OK
        unseen = self._unseen_version(url) if live is not None and not force else None
        self.last_newer = unseen
        if unseen is not None:
            self.say(self._newer_message(unseen, faqs))
            return EXIT_NEWER
        vectors = Vectors(self.store)
        self.say("Checking the new FAQs against the live ones (a few seconds) ...")
        verdict = self.gate(faqs, live, vectors)
        self.last_report = verdict
        if verdict.loo_accuracy is not None:
            spanish = (f" (Spanish: {verdict.spanish_hits} of {verdict.spanish_total})"
                       if verdict.spanish_total else "")
            self.say(f"  ways of asking that find their own FAQ: {verdict.loo_hits} of "
                     f"{verdict.loo_total}{spanish}; therapy test questions taken by an FAQ: "
                     f"{verdict.therapy_taken} of {verdict.therapy_total}")
        for note in verdict.notes:
            self.say(f"  Note: {note}")
        if not verdict.passed:
            self.say("NOT published, because something would get worse:")
            for problem in verdict.problems:
                self.say(f"  - {problem}")
            self.say("Fix the files, then run `make retrain` again. The assistant is "
                     "unchanged.")
            return EXIT_REFUSED
        changes = describe_changes(live.faqs if live else (), faqs) or ["no visible change"]
        if dry_run:
            self.say("All good: these FAQs would pass. What `make retrain` would publish: "
                     + "; ".join(changes) + ".")
            return EXIT_OK
        try:
            self.store.save_vectors(ENCODER_ID, vectors.new)
            info = self.store.publish(faqs, self.author, changes,
                                      base=live.version if live else None)
        except (ConcurrentPublish, StaleVersion) as exc:
            self.say(f"Not published: {exc}. Run `make retrain` again.")
            return EXIT_STORE
        except StoreError as exc:
            self.say(f"Not published: {exc}. The assistant keeps answering with version "
                     f"{live.version if live else 'none'}. Try again later.")
            return EXIT_STORE
        self.last_info = info
        self._mark_synced(info.version)
        seconds = time.monotonic() - started
        self.say(f"Published FAQ version {info.version} ({'; '.join(changes)}) in "
                 f"{seconds:.1f} s. The running assistant answers with it within 2 seconds. "
                 "To undo: `make rollback`.")
        return EXIT_OK

    def _unseen_version(self, url: str) -> Optional[FaqVersion]:
        """The newest version the files have not seen: published after the version they were
        last published as or exported from (any version, when there is no such record).
        A rollback publishes nothing, so files rolled back from can be fixed and published."""
        synced = (self.source.synced_version() if self.source
                  else read_sync(url, self.sync_file))
        newest = self.store.newest_version_number()
        if newest is None or (synced is not None and newest <= synced):
            return None
        return self.store.get(newest)

    def _mark_synced(self, version: Optional[int]) -> None:
        """Records that the FAQs (files or ``source``) have seen store version ``version``."""
        if self.source:
            self.source.mark_synced(version)
        else:
            write_sync(self.store.url, version, self.sync_file)

    def _newer_message(self, newer: FaqVersion, faqs: Sequence[Faq]) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newer.info.created_at))
        differences = describe_changes(newer.faqs, faqs)
        lines = [f"The FAQ store has version {newer.version} (by {newer.info.author}, {when}), "
                 "which is newer than these files. Publishing them would undo it. "
                 "What the files would change:"]
        lines += [f"  - {change}" for change in differences]
        lines += ["Nothing was published. To keep the store's version, run "
                  "`make faq-export` (it writes the live FAQs into faq/), then make your "
                  "change again. To publish the files anyway: `make retrain FORCE=1`."]
        return "\n".join(lines)

    def export(self) -> int:
        """Writes the live version into ``faq_dir`` (``make faq-export``)."""
        try:
            live = self.store.live()
        except StoreError as exc:
            self.say(f"The FAQ store cannot be reached ({exc}); nothing was exported.")
            return EXIT_STORE
        if live is None:
            self.say("The FAQ store is empty: nothing to export.")
            return EXIT_OK
        self.faq_dir.mkdir(parents=True, exist_ok=True)
        wanted = {f"{faq.name}.yml" for faq in live.faqs}
        for faq in live.faqs:
            write_faq_file(self.faq_dir / f"{faq.name}.yml", faq)
        for path in self.faq_dir.glob("*.y*ml"):
            if path.name not in wanted:
                path.unlink()
        write_sync(self.store.url, self.store.newest_version_number(), self.sync_file)
        self.say(f"Exported FAQ version {live.version} ({len(live.faqs)} FAQs) to "
                 f"{self.faq_dir}/.")
        return EXIT_OK

    def rollback(self) -> int:
        """The version before the live one goes live (``make rollback``)."""
        try:
            before, info = self.store.rollback(self.author)
        except LookupError as exc:
            self.say(f"Nothing to roll back: {exc}.")
            return EXIT_PROBLEMS
        except StoreError as exc:
            self.say(f"The FAQ store cannot be reached ({exc}); nothing changed.")
            return EXIT_STORE
        self.say(f"Rolled back: FAQ version {info.version} is live again (was {before}). "
                 "The running assistant answers with it within 2 seconds. Your faq/ files "
                 "still hold the newer FAQs: `make faq-export` makes them match.")
        return EXIT_OK

    def history(self, limit: int = 20) -> int:
        """Prints the versions, newest first."""
        try:
            live = self.store.live_version_number()
            versions = self.store.history(limit)
            rollbacks = [a for a in self.store.activations(limit) if a[3] == "rollback"]
        except StoreError as exc:
            self.say(f"The FAQ store cannot be reached ({exc}).")
            return EXIT_STORE
        if not versions:
            self.say("No FAQ version has been published yet.")
        for info in versions:
            mark = "live" if info.version == live else "    "
            self.say(f"{mark} v{info.version}  {_when(info.created_at)}  {info.author}: "
                     f"{'; '.join(info.changes)}")
        if rollbacks:
            self.say("Roll-backs (newest first):")
        for version, author, at, _ in rollbacks:
            self.say(f"     {_when(at)}  {author} put v{version} live again")
        return EXIT_OK


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def write_faq_file(path: Path, faq: Faq) -> None:
    """Writes one FAQ in the file format of docs/staff-guide.md."""
    record = faq_to_record(faq)
    document = {"question": record["question"], "asked_as": record["asked_as"],
                "answer": record["answer"]}
    if record.get("buttons"):
        document["buttons"] = record["buttons"]
    for key in SPANISH_FIELDS:  # only the Spanish fields the FAQ has
        if record.get(key):
            document[key] = record[key]
    text = ("# One FAQ. How to edit: docs/staff-guide.md. Then run `make retrain`.\n"
            + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=90))
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def seeded_scratch_store(faq_dir: Path = PROJECT_ROOT / "faq") -> str:
    """A new SQLite FAQ store under ``results/`` holding the files of ``faq_dir`` as its
    first version (``make eval`` measures what a fresh ``make run`` serves)."""
    folder = PROJECT_ROOT / "results"
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "eval-faq-store.db"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    publisher = Publisher(FaqStore(url), faq_dir=faq_dir, author="make eval",
                          sync_file=folder / "eval-faq-sync.json", out=io.StringIO())
    if publisher.publish() != EXIT_OK:
        raise RuntimeError(f"the FAQ files cannot be published:\n{publisher.out.getvalue()}")
    return url


def publish_files(faq_dir: Path, force: bool = False) -> int:
    """``make retrain``'s FAQ step: publish ``faq_dir`` to the configured store."""
    url = Settings.from_env().database_url
    author = os.environ.get("FAQ_AUTHOR") or f"{getpass.getuser()} (files)"
    sync_file = Path(os.environ.get("FAQ_SYNC_FILE") or SYNC_FILE)
    publisher = Publisher(FaqStore(url), faq_dir=faq_dir, author=author, sync_file=sync_file)
    return publisher.publish(force=force)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Publish, export and roll back FAQ versions.")
    parser.add_argument("command",
                        choices=("publish", "seed", "check", "export", "rollback", "history"))
    parser.add_argument("--faq-dir", type=Path, default=PROJECT_ROOT / "faq")
    parser.add_argument("--force", action="store_true",
                        help="publish even when the store has a newer version")
    parser.add_argument("--author", default=os.environ.get("FAQ_AUTHOR") or None)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    args = parser.parse_args(argv)
    try:
        url = args.database_url or Settings.from_env().database_url
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    author = args.author or f"{getpass.getuser()} (files)"
    sync_file = Path(os.environ.get("FAQ_SYNC_FILE") or SYNC_FILE)
    publisher = Publisher(FaqStore(url), faq_dir=args.faq_dir, author=author,
                          sync_file=sync_file)
    if args.command in ("publish", "seed", "check"):
        return publisher.publish(force=args.force, seed_only=args.command == "seed",
                                 dry_run=args.command == "check")
    return {"export": publisher.export, "rollback": publisher.rollback,
            "history": publisher.history}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
