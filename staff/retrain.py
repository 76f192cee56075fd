"""``make retrain``: the least work a change needs; ``make rollback-model``.

``make retrain``:

* when only ``faq/`` changed, nothing is trained: the FAQ files are checked, gated and
  published to the FAQ store in seconds (``staff.faq.publish``); running servers pick the
  new version up by themselves;
* when the training data changed (``data/``, ``domain/``, ``config.yml``, the NLU code:
  ``model_is_stale``), a *candidate* model is trained into
  ``models/candidates/<timestamp>.tar.gz`` and tested: the held-out questions end to end
  through the custom actions, as ``make eval`` does (``staff.evaluation``), the test
  conversations in ``tests/stories`` and, with ``--cross-validation`` (slow), 3-fold NLU
  cross-validation; it is compared with the live model, whose figures are cached in
  ``models/live-metrics.json`` (``compare``: plain-language reasons), and published only when
  nothing got worse beyond the tolerance: the live model becomes ``models/previous.tar.gz``,
  the candidate ``models/clinic.tar.gz``, and the running Rasa server loads it through its
  authenticated HTTP API (``PUT /model``), so open conversations carry on. The FAQ files are
  published after that, as above.

``make rollback-model`` swaps ``models/previous.tar.gz`` and ``models/clinic.tar.gz`` back the
same way (running it twice re-applies the newer model). ``make rollback`` steps the FAQ store
back one version (``staff.faq.publish``).

Exit codes: 0 published (or rolled back), 1 problems found or training failed, 2 bad usage,
3 the candidate (model or FAQs) was worse and was not published, 4 the running server or the
FAQ store refused, 5 the FAQ store has a newer version than the files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    TextIO,
    Tuple,
)

from staff.evaluation import cross_validation_command, cross_validation_env
from staff.evaluation import rasa_env as _rasa_env
from staff.heldout import HELDOUT_FILES
from clinic.settings import PROJECT_ROOT, Settings
from staff.train import train_command

if TYPE_CHECKING:  # pragma: no cover
    from rasa.core.agent import Agent


DEFAULT_TOLERANCE = 0.02
LIVE_NAME = "clinic.tar.gz"
PREVIOUS_NAME = "previous.tar.gz"
LIVE_METRICS = "live-metrics.json"
PREVIOUS_METRICS = "previous-metrics.json"
KEEP_CANDIDATES = 3
STORIES_DIR = PROJECT_ROOT / "tests" / "stories"
EVALUATION_INPUTS = HELDOUT_FILES
MODEL_LOAD_TIMEOUT_S = 300.0

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_SERVER = 0, 1, 2, 3, 4


# =========================================================================== metrics + gate


@dataclass(frozen=True)
class Metrics:
    """How well one model did. ``None`` means "not measured"."""

    heldout_accuracy: Optional[float] = None
    story_failures: Optional[int] = None
    story_total: Optional[int] = None
    cv_intent_f1: Optional[float] = None

    def to_json(self) -> Dict[str, Any]:
        """JSON-friendly form (for models/live-metrics.json)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Metrics":
        """Reverse of ``to_json``; unknown keys are ignored."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate may go live, and why, in plain language."""

    publish: bool
    reasons: Tuple[str, ...] = ()  # what got worse (empty when publish is True)
    notes: Tuple[str, ...] = ()  # everything else worth knowing

    def render(self) -> str:
        """The text shown after testing."""
        lines = []
        if self.reasons:
            lines.append("What got worse:")
            lines += [f"  - {reason}" for reason in self.reasons]
        if self.notes:
            lines.append("Good to know:")
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


_ACCURACIES = (
    ("heldout_accuracy", "Right answers to the test questions (tests/heldout)"),
    ("cv_intent_f1", "Cross-validation score (intent macro F1)"),
)
_ON_REQUEST = {"cv_intent_f1"}  # only measured with --cross-validation: absence is no harm


def compare(old: Optional[Metrics], new: Metrics, tolerance: float = DEFAULT_TOLERANCE
            ) -> Verdict:
    """Decides whether ``new`` may replace ``old`` (pure).

    An accuracy may drop by at most ``tolerance`` (absolute); the number of failing test
    conversations must not grow; a figure the live model has but the candidate could not
    produce counts as worse (nothing unmeasured goes live).
    """
    reasons: List[str] = []
    notes: List[str] = []
    if old is None:
        notes.append("There is no live model to compare with, so the new one goes live.")
    allowed = f"{tolerance * 100:.1f} points"
    for key, label in _ACCURACIES:
        before = getattr(old, key) if old else None
        after = getattr(new, key)
        if after is None and before is not None:
            if key not in _ON_REQUEST:
                reasons.append(f"{label}: could not be measured for the new model "
                               f"(the live one has {_pct(before)}).")
        elif after is not None and before is not None:
            if after < before - tolerance:
                reasons.append(f"{label}: {_pct(before)} before, {_pct(after)} now "
                               f"(a drop of more than the allowed {allowed}).")
            elif after != before:
                notes.append(f"{label}: {_pct(before)} before, {_pct(after)} now.")
            else:
                notes.append(f"{label}: {_pct(after)}, unchanged.")
        elif after is not None:
            notes.append(f"{label}: {_pct(after)}.")
    before_fail = old.story_failures if old else None
    if new.story_total is None and old is not None and old.story_total:
        reasons.append("The test conversations (tests/stories) could not be run for the "
                       "new model.")
    elif new.story_failures is not None:
        if before_fail is not None and new.story_failures > before_fail:
            reasons.append(f"Test conversations that go wrong: {before_fail} before, "
                           f"{new.story_failures} now (of {new.story_total}).")
        else:
            notes.append(f"Test conversations that go wrong: {new.story_failures} of "
                         f"{new.story_total}.")
    return Verdict(publish=not reasons, reasons=tuple(reasons), notes=tuple(notes))


# =========================================================================== evaluation


def heldout_available() -> bool:
    """True when ``staff.evaluation`` offers the held-out measurement used here."""
    try:
        from staff import evaluation
    except ImportError:
        return False
    return all(hasattr(evaluation, name) for name in ("run_heldout", "action_server"))


async def _heldout_accuracy(agent: "Agent") -> Optional[float]:
    """Held-out accuracy, measured like ``make eval`` (staff.evaluation) with ``agent``."""
    from rasa.engine.exceptions import GraphComponentException
    from rasa.shared.exceptions import RasaException

    from staff import evaluation, evaluation_scores

    questions = evaluation_scores.load_heldout()
    try:
        results = await evaluation.run_heldout(agent, questions, prefix="retrain")
    except (RasaException, GraphComponentException) as error:
        print(f"    (the held-out questions could not be run: {type(error).__name__})")
        return None
    return float(evaluation_scores.score_heldout(results).accuracy)


def _has_stories(stories: Path) -> bool:
    return stories.is_dir() and any(stories.rglob("*.yml"))


async def _story_results(agent: "Agent", stories: Path) -> Tuple[Optional[int], Optional[int]]:
    """(failed, total) test conversations, as ``rasa test core --stories`` counts them."""
    if not _has_stories(stories):
        return None, None
    from rasa.core.test import test as core_test
    from rasa.engine.exceptions import GraphComponentException
    from rasa.shared.exceptions import RasaException

    with tempfile.TemporaryDirectory(prefix="clinic-stories-") as out:
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # progress bars
                await core_test(str(stories), agent, out_directory=out, disable_plotting=True,
                                errors=False, warnings=False)
        except (RasaException, GraphComponentException) as error:
            # e.g. a model older than the stories: it does not know an action they use
            print(f"    (the test conversations could not be run: {type(error).__name__})")
            return None, None
        report_file = Path(out) / "story_report.json"
        summary = json.loads(report_file.read_text()).get("conversation_accuracy", {})
    total = int(summary.get("total", 0))
    return total - int(summary.get("correct", 0)), total


async def _measure(agent: "Agent", stories: Path, heldout: bool) -> Metrics:
    failures, story_total = await _story_results(agent, stories)
    return Metrics(
        heldout_accuracy=await _heldout_accuracy(agent) if heldout else None,
        story_failures=failures, story_total=story_total,
    )


def evaluate(model: Path, stories: Path = STORIES_DIR, action_url: Optional[str] = None,
             agent: Optional["Agent"] = None) -> Metrics:
    """Measures ``model`` (loaded unless ``agent`` is given). The held-out questions run
    end to end through the custom actions, so they are only measured with ``action_url``."""
    from staff.faq.predict import load_agent

    loaded = agent or load_agent(model, action_url)
    return asyncio.run(_measure(loaded, stories, action_url is not None))


def cached_live_metrics(
    live: Path, stories: Path = STORIES_DIR,
    action_url: Optional[str] = None, agent: Optional["Agent"] = None,
    on_measure: Optional[Any] = None,
) -> Metrics:
    """The live model's figures, cached in ``LIVE_METRICS`` beside it per model fingerprint.

    Measured once per live model (after ``make train`` or a swap not made by ``make
    retrain``); ``publish`` stores the new model's figures, so later retrains only read them.
    ``on_measure(cache_path)`` is called before a measurement (progress output).
    """
    from staff.faq.predict import load_agent

    fingerprint = evaluation_fingerprint(live, stories)
    cache = live.parent / LIVE_METRICS
    cached = read_cached_metrics(cache, fingerprint)
    if cached is not None:
        return cached
    if on_measure is not None:
        on_measure(cache)
    loaded = agent or load_agent(live, action_url)
    metrics = evaluate(live, stories, action_url, agent=loaded)
    write_cached_metrics(cache, fingerprint, metrics)
    return metrics


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (localhost)
            return True
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def action_endpoint(settings: Optional[Settings] = None) -> Iterator[Optional[str]]:
    """An action server for the held-out questions: ``ACTION_SERVER_URL``, else the running
    one (``make run``), else one started for this run by ``staff.evaluation``; ``None``
    when the held-out measurement is unavailable."""
    if not heldout_available():
        yield None
        return
    url = (settings or Settings.from_env()).action_server_url
    configured = os.environ.get("ACTION_SERVER_URL", "").strip()
    if not configured and _answers(url.replace("/webhook", "/health")):
        yield url
        return
    from staff.evaluation import action_server

    with action_server() as started:
        yield started


def cross_validation_f1(data: Sequence[str], work: Path, folds: int = 3) -> Optional[float]:
    """Macro intent F1 of ``rasa test nlu --cross-validation`` (trains ``folds`` times) with
    the first of ``make eval``'s seeded splits; ``None`` when it could not run."""
    nlu_dir = work / "cv-data"
    nlu_dir.mkdir(parents=True, exist_ok=True)
    for index, source in enumerate(_yaml_files(data)):
        if "nlu:" in source.read_text(encoding="utf-8"):
            shutil.copy(source, nlu_dir / f"{index:03d}-{source.name}")
    out = work / "cv-results"
    result = subprocess.run(cross_validation_command(out, folds=folds, nlu=str(nlu_dir)),
                            cwd=PROJECT_ROOT, env=cross_validation_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    report_file = out / "intent_report.json"
    if result.returncode != 0 or not report_file.is_file():
        print("    (cross-validation did not finish; its score is left out)")
        return None
    return float(json.loads(report_file.read_text())["macro avg"]["f1-score"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def evaluation_fingerprint(model: Path, stories: Path = STORIES_DIR) -> str:
    """Identifies a model *and* the test material its cached figures were measured on."""
    digest = hashlib.sha256(_sha256(model).encode())
    inputs = [path for path in EVALUATION_INPUTS if path.is_file()]
    inputs += sorted(stories.rglob("*.yml")) if stories.is_dir() else []
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_cached_metrics(path: Path, fingerprint: str) -> Optional[Metrics]:
    """Cached figures when they belong to ``fingerprint``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("fingerprint") != fingerprint:
        return None
    return Metrics.from_json(data.get("metrics", {}))


def write_cached_metrics(path: Path, fingerprint: str, metrics: Metrics) -> None:
    """Stores figures next to the model they describe."""
    payload = {"fingerprint": fingerprint, "metrics": metrics.to_json(),
               "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    path.write_text(json.dumps(payload, indent=2))


# =========================================================================== Rasa model API


@dataclass(frozen=True)
class Server:
    """Where the running Rasa server listens, and its API token."""

    url: str
    token: Optional[str]

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None) -> "Server":
        """The server ``make run`` starts (RASA_PORT) with the launcher's token."""
        settings = settings or Settings.from_env()
        return cls(f"http://127.0.0.1:{settings.rasa_port}", api_token(settings))


def api_token(settings: Optional[Settings] = None, token_file: Optional[Path] = None
              ) -> Optional[str]:
    """RASA_API_TOKEN, else the token the launcher generated (``var/rasa-api-token``).

    Read only: a token made up here could not match the running server's.
    """
    settings = settings or Settings.from_env()
    if settings.api_token:
        return settings.api_token
    try:
        return (token_file or settings.api_token_file).read_text(encoding="utf-8").strip() \
            or None
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class SwapResult:
    """What happened when the running server was asked to load a model."""

    status: str  # "swapped", "no-server", "refused", "failed"
    message: str

    @property
    def ok(self) -> bool:
        """True unless the server is running and did not take the model."""
        return self.status in ("swapped", "no-server")


def swap_into_server(model: Path, server: Server, timeout: float = MODEL_LOAD_TIMEOUT_S
                     ) -> SwapResult:
    """Asks the running server to load ``model`` (``PUT /model``); never restarts it."""
    try:
        with urllib.request.urlopen(f"{server.url}/", timeout=5):  # noqa: S310 (localhost)
            pass
    except (urllib.error.URLError, OSError):
        return SwapResult("no-server", "The assistant is not running right now; the next "
                          "`make run` starts with this model.")
    query = "?" + urllib.parse.urlencode({"token": server.token}) if server.token else ""
    request = urllib.request.Request(
        f"{server.url}/model{query}", method="PUT",
        data=json.dumps({"model_file": str(model.resolve())}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 (localhost)
            pass
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            return SwapResult("refused", "The running assistant did not accept the API token "
                              "(RASA_API_TOKEN or var/rasa-api-token). Restart it with "
                              "`make run` to use the new model.")
        if error.code in (404, 405):
            return SwapResult("refused", "The running assistant was started without its "
                              "model API. Restart it with `make run` to use the new model.")
        return SwapResult("failed", f"The running assistant could not load the model "
                          f"(HTTP {error.code}); it keeps the model it had.")
    except (urllib.error.URLError, OSError) as error:
        return SwapResult("failed", f"The running assistant did not answer while loading the "
                          f"model ({type(error).__name__}); check it with `make run`.")
    return SwapResult("swapped", "The running assistant now uses it: no restart, open "
                      "conversations carry on.")


# =========================================================================== publish/rollback


def _copy_atomic(source: Path, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    os.utime(target)  # newer than the training inputs: `make run` must not retrain it away


def _move_if_exists(source: Path, target: Path) -> None:
    if source.exists():
        os.replace(source, target)
    elif target.exists():
        target.unlink()


def publish(candidate: Path, metrics: Optional[Metrics], models_dir: Path, server: Server,
            stories: Path = STORIES_DIR) -> SwapResult:
    """Live -> previous, candidate -> live, then the running server loads it.

    When the running server cannot load the candidate, the files are put back as they were.
    """
    live = models_dir / LIVE_NAME
    previous = models_dir / PREVIOUS_NAME
    had_live = live.exists()
    if had_live:
        _copy_atomic(live, previous)
        _move_if_exists(models_dir / LIVE_METRICS, models_dir / PREVIOUS_METRICS)
    _copy_atomic(candidate, live)
    if metrics is not None:
        write_cached_metrics(models_dir / LIVE_METRICS, evaluation_fingerprint(live, stories),
                             metrics)
    result = swap_into_server(live, server)
    if result.status == "failed" and had_live:
        _copy_atomic(previous, live)
        _move_if_exists(models_dir / PREVIOUS_METRICS, models_dir / LIVE_METRICS)
    return result


def rollback(models_dir: Path, server: Server) -> Tuple[bool, str]:
    """Swaps the previous and the live model and loads the result into the running server."""
    live = models_dir / LIVE_NAME
    previous = models_dir / PREVIOUS_NAME
    if not previous.exists():
        return False, ("There is no earlier model to go back to (models/previous.tar.gz is "
                       "made by `make retrain`).")
    spare = models_dir / ".rollback.tmp"
    live_metrics, previous_metrics = models_dir / LIVE_METRICS, models_dir / PREVIOUS_METRICS
    spare_metrics = models_dir / ".rollback-metrics.tmp"
    if live.exists():
        os.replace(live, spare)
    os.replace(previous, live)
    os.utime(live)
    if spare.exists():
        os.replace(spare, previous)
    _move_if_exists(live_metrics, spare_metrics)
    _move_if_exists(previous_metrics, live_metrics)
    _move_if_exists(spare_metrics, previous_metrics)
    result = swap_into_server(live, server)
    message = ("Rolled back: models/clinic.tar.gz is the model from before the last "
               "`make retrain` (run `make rollback` again to undo). " + result.message)
    return result.ok, message


# =========================================================================== the command


@dataclass
class Options:
    """What ``make retrain`` does; the defaults are the real project folders."""

    faq_dir: Path = PROJECT_ROOT / "faq"
    models_dir: Path = PROJECT_ROOT / "models"
    tolerance: float = DEFAULT_TOLERANCE
    cross_validation: bool = False
    publish: bool = True
    server: Optional[Server] = None
    stories: Path = STORIES_DIR
    data_dir: Path = PROJECT_ROOT / "data"
    out: TextIO = field(default=sys.stdout, repr=False)



def _yaml_files(paths: Sequence[str]) -> List[Path]:
    files: List[Path] = []
    for entry in map(Path, paths):
        files += sorted(entry.rglob("*.yml")) if entry.is_dir() else [entry]
    return files


def training_data(data_dir: Path = PROJECT_ROOT / "data") -> List[str]:
    """``--data`` paths: the project's training data (FAQs are not trained: see
    clinic/nlu/faq_retriever.py)."""
    return [str(data_dir)]


TRAINING_INPUTS = ("config.yml", "data", "domain", "clinic/nlu", "clinic/safety")


def model_is_stale(model: Path, root: Path = PROJECT_ROOT,
                   inputs: Sequence[str] = TRAINING_INPUTS) -> bool:
    """True when the model is missing or older than any file it is trained from (as make
    decides for ``make train``): only then does ``make retrain`` train."""
    if not model.exists():
        return True
    built = model.stat().st_mtime
    for name in inputs:
        path = root / name
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.suffix in (".yml", ".yaml", ".py")]
        if any(f.stat().st_mtime > built for f in files):
            return True
    return False


def prune_candidates(folder: Path, keep: int = KEEP_CANDIDATES) -> None:
    """Deletes all but the newest ``keep`` candidates (each is ~25 MB)."""
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        old.unlink()
        log = old.with_name(old.name.replace(".tar.gz", ".log"))
        if log.exists():
            log.unlink()


class Retrain:
    """The steps of ``make retrain``, printing progress a non-programmer can follow."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.started = time.monotonic()
        self.action_url: Optional[str] = None

    def say(self, text: str) -> None:
        """Prints one progress line with the elapsed time."""
        elapsed = int(time.monotonic() - self.started)
        print(f"[{elapsed // 60}:{elapsed % 60:02d}] {text}", file=self.options.out, flush=True)

    def run(self) -> int:
        """Check, train, test, compare, publish (an action server runs for the tests)."""
        with action_endpoint() as url:
            if url is None:
                self.say("(the held-out questions are not measured: staff.evaluation is "
                         "not available)")
            self.action_url = url
            return self._run()

    def _run(self) -> int:
        options = self.options
        self.say("Step 1 of 5: the live model's figures ...")
        live = options.models_dir / LIVE_NAME
        old_metrics = self._live_metrics(live) if live.exists() else None
        candidate = self._train()
        if candidate is None:
            return EXIT_FAILED
        prune_candidates(candidate.parent)
        self.say("Step 3 of 5: testing the new model ...")
        new_metrics = evaluate(candidate, options.stories, self.action_url)
        if options.cross_validation:
            self.say("    cross-validation (trains 3 more times, takes a while) ...")
            with tempfile.TemporaryDirectory(prefix="clinic-cv-") as work:
                cv = cross_validation_f1(training_data(options.data_dir), Path(work))
            new_metrics = replace(new_metrics, cv_intent_f1=cv)
        self.say("Step 4 of 5: comparing with the live model ...")
        verdict = compare(old_metrics, new_metrics, options.tolerance)
        print(verdict.render(), file=options.out)
        if not verdict.publish:
            self.say(f"NOT published: the new model is worse (see above). The assistant keeps "
                     f"its current model; the new one stays in {candidate} for a developer "
                     "to look at. Change the training data you edited (data/), then run "
                     "`make retrain` again.")
            return EXIT_REFUSED
        if not options.publish:
            self.say(f"Passed, not published (--no-publish): {candidate}")
            return EXIT_OK
        self.say("Step 5 of 5: publishing ...")
        result = publish(candidate, new_metrics, options.models_dir,
                         options.server or Server.from_settings(), options.stories)
        if not result.ok:
            self.say(f"The model files are ready, but: {result.message}")
            return EXIT_SERVER
        self.say(f"Done: the new model is live. {result.message} To undo: "
                 "`make rollback-model`.")
        return EXIT_OK

    def _live_metrics(self, live: Path) -> Metrics:
        """The live model's figures: cached, or measured once and cached."""
        return cached_live_metrics(live, self.options.stories, self.action_url,
                                   on_measure=lambda cache: self.say(
                                       f"    measuring the live model once (kept in "
                                       f"{cache.name} afterwards) ..."))

    def _train(self) -> Optional[Path]:
        """``rasa train`` into ``models/candidates/<timestamp>.tar.gz``; ``None`` on failure."""
        options = self.options
        folder = options.models_dir / "candidates"
        folder.mkdir(parents=True, exist_ok=True)
        name = time.strftime("%Y%m%d-%H%M%S")
        log = folder / f"{name}.log"
        self.say(f"Step 2 of 5: training a new model (1-2 minutes; details in {log}) ...")
        # `make validate` and the test suite check the data; Rasa's own validation here
        # would repeat it (~15 s).
        command = train_command(folder, name, training_data(options.data_dir),
                                validate=False)
        with open(log, "wb") as handle:
            result = subprocess.run(command, cwd=PROJECT_ROOT, env=_rasa_env(), stdout=handle,
                                    stderr=subprocess.STDOUT)
        candidate = folder / f"{name}.tar.gz"
        if result.returncode != 0 or not candidate.exists():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            print("\n".join(tail), file=options.out)
            self.say(f"Training failed (details above and in {log}). The assistant is "
                     "unchanged.")
            return None
        return candidate


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point (``make retrain``, ``make rollback``)."""
    parser = argparse.ArgumentParser(description="Retrain with the FAQ files and publish "
                                     "safely, or roll back.")
    parser.add_argument("--rollback", action="store_true",
                        help="go back to the model before the last model retrain")
    parser.add_argument("--force", action="store_true",
                        help="publish the FAQ files even when the FAQ store has a newer version")
    parser.add_argument("--train", action="store_true",
                        help="train a model even when data/ has not changed")
    parser.add_argument("--faq-dir", type=Path, default=PROJECT_ROOT / "faq")
    parser.add_argument("--models-dir", type=Path, default=PROJECT_ROOT / "models")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="largest allowed drop of an accuracy, absolute (default 0.02)")
    parser.add_argument("--cross-validation", action="store_true",
                        help="also run 3-fold cross-validation (slow)")
    parser.add_argument("--no-publish", action="store_true",
                        help="train and test only")
    parser.add_argument("--rasa-url", help="running server (default http://127.0.0.1:RASA_PORT)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    server = Server.from_settings(settings)
    if args.rasa_url:
        server = Server(args.rasa_url.rstrip("/"), server.token)
    if args.rollback:
        ok, message = rollback(args.models_dir, server)
        print(message)
        return EXIT_OK if ok else EXIT_FAILED
    options = Options(faq_dir=args.faq_dir, models_dir=args.models_dir,
                      tolerance=args.tolerance, cross_validation=args.cross_validation,
                      publish=not args.no_publish, server=server)
    live = args.models_dir / LIVE_NAME
    if args.train or args.cross_validation or model_is_stale(live):
        print("Training data (data/, domain/, config.yml) changed since the live model: "
              "training a new model.", flush=True)
        code = Retrain(options).run()
        if code != EXIT_OK:
            return code
    else:
        print("Training data unchanged since the live model: no training needed.", flush=True)
    if args.no_publish:
        return EXIT_OK
    from staff.faq.publish import publish_files

    return publish_files(args.faq_dir, force=args.force)


if __name__ == "__main__":
    sys.exit(main())
