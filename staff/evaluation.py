"""Measures NLU and answer quality and writes ``docs/nlu-quality.md`` (``make eval``).

Five measurements:

1. **Intent cross-validation**: ``rasa test nlu --cross-validation --folds 5`` with the
   project's config on ``data/``, once per seed of ``CV_SEEDS`` (``staff.seeded_rasa``
   seeds the fold split, which Rasa leaves unseeded; results in
   ``results/cross-validation/seed-N/``): F1 per intent and the macro average, averaged
   over the seeded runs, with each run's macro F1 reported too.
2. **Held-out questions**: every file of ``HELDOUT_FILES`` in ``tests/heldout/`` (written
   apart from the training data, never trained on; batch 2 was written blind, after the
   first batch's misses had been seen, see tests/heldout/README.md) run end to end through the trained model
   (``models/clinic.tar.gz``, loaded in-process) and the custom actions; after each
   question (a fresh conversation each time) the ``last_topic`` slot must name the expected
   topic, or stay empty for questions marked ``none``.
3. **Random letter strings**: ``NONSENSE_COUNT`` strings of made-up "words" (seeded, so the
   same every run) through the same path; none may get a therapy answer.
4. **Spanish held-out**: ``SPANISH_HELDOUT_FILE`` (Spanish messages written apart from the
   training data, tests/heldout/README.md), kept apart from ``HELDOUT_FILES`` and its gate:
   the topic exactly as in 2., plus the intent of the NLU parse of the same message, each
   against the message's labels; its own "Spanish held-out" section in the report.
5. **Held-out questions with a typo**: the questions of 2. that expect a topic, each twice
   with one typo (``staff.typos``: letters swapped, a letter dropped), end to end as in 2.

The action server is the one at ``ACTION_SERVER_URL``; when that variable is not set, one
is started for the run (``python -m clinic.action_server`` on a free local port).

Run: ``python -m staff.evaluation [--skip-cv | --reuse-cv] [--skip-heldout]``;
``python -m staff.evaluation --spanish-only [--report FILE]`` measures the Spanish set alone
(its report section goes to FILE when given, to the console otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from clinic.settings import PROJECT_ROOT
from staff import cv_languages, short_messages, typos
from staff.evaluation_report import fraction, render_markdown, render_spanish
from staff.evaluation_scores import (
    CV_DIR, CV_F1_TARGET, CV_SEEDS, FOLDS, HELDOUT_TARGET, MODEL, NONSENSE_COUNT,
    NONSENSE_TARGET, REPORT_FILE, RESULTS_DIR, SPANISH_HELDOUT_MINIMUM, TOPIC_SLOT,
    EvaluationError, HeldOutQuestion, HeldOutResult, HeldOutScore, IntentReport,
    SpanishScore, combine_reports, load_heldout, load_spanish_heldout, nonsense_questions,
    parse_intent_report, parsed_intent, predicted_topic, score_heldout, score_spanish,
    seen_in_training,
)
from staff.heldout import HELDOUT_FILES

# ---------------------------------------------------------------------------------------
# Measurements (need a trained model / training)
# ---------------------------------------------------------------------------------------


def cross_validation_command(out_dir: Path, folds: int = FOLDS, seed: int = CV_SEEDS[0],
                             nlu: str = "data") -> List[str]:
    """The seeded ``rasa test nlu`` cross-validation command line (``staff.seeded_rasa``)."""
    return [
        sys.executable, "-m", "staff.seeded_rasa", str(seed), "test", "nlu",
        "--cross-validation", "--folds", str(folds),
        "--config", "config.yml", "--nlu", nlu, "--domain", "domain",
        "--out", str(out_dir), "--no-plot",
    ]


def rasa_env() -> Dict[str, str]:
    """Environment for Rasa subprocesses: project importable, no telemetry."""
    path = str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": path}


def cross_validation_env() -> Dict[str, str]:
    """``rasa_env`` with an empty FAQ store: cross-validation measures the intent model, so
    the FaqRetriever must not answer from whatever FAQs this machine's store holds (the
    figures would change with the clinic's FAQs); FAQs have their own held-out measurement
    (``staff.faq.quality``)."""
    empty = RESULTS_DIR / "cv-no-faqs.db"
    empty.parent.mkdir(parents=True, exist_ok=True)
    return {**rasa_env(), "DATABASE_URL": f"sqlite:///{empty}"}


def run_cross_validation(out_dir: Path = CV_DIR, seeds: Sequence[int] = CV_SEEDS
                         ) -> IntentReport:
    """Runs one seeded cross-validation per seed and averages their intent reports."""
    reports = []
    for seed in seeds:
        run_dir = out_dir / f"seed-{seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        print(f"    split {len(reports) + 1} of {len(seeds)} (seed {seed})", flush=True)
        result = subprocess.run(cross_validation_command(run_dir, seed=seed), cwd=PROJECT_ROOT,
                                env=cross_validation_env())
        if result.returncode != 0:
            raise EvaluationError(f"cross-validation failed (exit code {result.returncode})")
        reports.append(_read_intent_report(run_dir))
    return combine_reports(reports)


def _read_intent_report(run_dir: Path) -> IntentReport:
    report_path = run_dir / "intent_report.json"
    try:
        return parse_intent_report(json.loads(report_path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{report_path}: cannot read the intent report: {exc}") from exc


def read_cross_validation(out_dir: Path = CV_DIR, seeds: Sequence[int] = CV_SEEDS
                          ) -> IntentReport:
    """The reports of the last cross-validation run (``--reuse-cv``), averaged."""
    return combine_reports([_read_intent_report(out_dir / f"seed-{seed}") for seed in seeds])


async def run_heldout(
    agent: Any, questions: Sequence[HeldOutQuestion], prefix: str = "heldout"
) -> List[HeldOutResult]:
    """Asks every question in a fresh conversation and reads ``last_topic`` afterwards, and
    the intent the NLU parse gave the question."""
    results = []
    stamp = int(time.time() * 1000)
    for index, question in enumerate(questions):
        sender = f"{prefix}-{stamp}-{index}"
        await agent.handle_text(question.text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        value = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
        results.append(HeldOutResult(question, predicted_topic(value), parsed_intent(tracker)))
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def action_server() -> Iterator[str]:
    """The action server URL: ``ACTION_SERVER_URL``, or one started for this run."""
    configured = os.environ.get("ACTION_SERVER_URL", "").strip()
    if configured:
        yield configured
        return
    port = _free_port()
    env = dict(os.environ, ACTION_PORT=str(port), ACTION_HOST="127.0.0.1")
    process = subprocess.Popen(
        [sys.executable, "-m", "clinic.action_server"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EvaluationError(f"the action server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        else:
            raise EvaluationError("the action server did not start within 120 s")
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def measure_heldout(
    action_url: str,
    question_sets: Sequence[Sequence[HeldOutQuestion]],
    model: Path = MODEL,
    shorts: Sequence[Any] = (),
) -> Tuple[List[HeldOutScore], List[Any]]:
    """Loads the trained model in-process once and scores each set of questions.

    Also sends the short messages ``shorts`` (``staff.short_messages``), when given.
    """
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from clinic import rasa_speedups

    rasa_speedups.install()
    if not model.exists():
        raise EvaluationError(f"{model} is missing: run `make train` first")
    endpoints = AvailableEndpoints(action=EndpointConfig(url=action_url))
    if not os.environ.get("DATABASE_URL"):  # FAQs as `make run` serves them: faq/ seeded
        from staff.faq.publish import seeded_scratch_store

        os.environ["DATABASE_URL"] = seeded_scratch_store()
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    if agent is None or not agent.is_ready():
        raise EvaluationError(f"{model} could not be loaded")
    scores = [score_heldout(await run_heldout(agent, questions)) for questions in question_sets]
    return scores, await short_messages.run_short_messages(agent, shorts) if shorts else []


def training_matches(questions: Sequence[HeldOutQuestion]) -> Set[str]:
    """The questions that are, word for word, also an example of the training data."""
    from staff.faq.check import load_project_data

    return seen_in_training(questions, load_project_data().examples)


def spanish_figures(spanish: SpanishScore) -> str:
    """One console line with the Spanish set's figures."""
    topics, intents = spanish.topics, spanish.intents
    return (f"    Spanish held-out: right topic {fraction(topics.correct, topics.total)}, "
            f"right intent {fraction(intents.correct, intents.total)} (tests fail below "
            f"{SPANISH_HELDOUT_MINIMUM} topic accuracy; not part of this exit code)")


def measure_spanish_only(report: Optional[Path]) -> int:
    """``--spanish-only``: the Spanish set alone, end to end. Writes its report section to
    ``report`` when given, prints it otherwise; exit code 0 (the floor is the server
    test's, tests/server/test_heldout.py)."""
    questions = load_spanish_heldout()
    print(f"==> {len(questions)} Spanish held-out messages, end to end")
    with action_server() as url:
        (topics,), _ = asyncio.run(measure_heldout(url, [questions]))
    spanish = score_spanish(topics.results, training_matches(questions))
    section = "\n".join(render_spanish(spanish)[1:]) + "\n"
    if report is None:
        print(section)
    else:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(section, encoding="utf-8")
        print(f"==> Spanish section written to {report}")
    print(spanish_figures(spanish))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the measurements and writes the report; exit code 1 when a target is missed
    (the Spanish set is reported, not part of the exit code)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--skip-heldout", action="store_true", help="skip held-out questions")
    parser.add_argument("--reuse-cv", action="store_true",
                        help="report the last cross-validation (results/cross-validation) "
                             "instead of running it: only valid while data/ is unchanged")
    parser.add_argument("--spanish-only", action="store_true",
                        help="measure only the Spanish held-out set (tests/heldout/spanish.yml)"
                             "; its section goes to --report when given, else to the console")
    parser.add_argument("--report", type=Path, default=None,
                        help=f"the report file (default {REPORT_FILE.relative_to(PROJECT_ROOT)})")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    if args.spanish_only:
        return measure_spanish_only(args.report)
    report: Path = args.report or REPORT_FILE

    intents: Optional[IntentReport] = None
    heldout: Optional[HeldOutScore] = None
    nonsense: Optional[HeldOutScore] = None
    short: List[Any] = []
    spanish: Optional[SpanishScore] = None
    typo_score: Optional[HeldOutScore] = None
    if args.reuse_cv:
        print(f"==> the last cross-validation, from {CV_DIR.relative_to(PROJECT_ROOT)}")
        intents = read_cross_validation()
    elif not args.skip_cv:
        print(f"==> {FOLDS}-fold intent cross-validation, {len(CV_SEEDS)} seeded splits "
              "(about 4 minutes each on 2 cores)")
        intents = run_cross_validation()
    if not args.skip_heldout:
        questions = load_heldout()
        print(f"==> {len(questions)} held-out questions and {NONSENSE_COUNT} random letter "
              "strings, end to end")
        shorts = short_messages.load_short_messages()
        print(f"==> {len(shorts)} short context-free messages, end to end")
        spanish_questions = load_spanish_heldout()
        print(f"==> {len(spanish_questions)} Spanish held-out messages, end to end (apart)")
        misspelled = typos.typo_questions(questions)
        print(f"==> {len(misspelled)} held-out questions with a typo, end to end")
        with action_server() as url:
            (heldout, nonsense, spanish_topics, typo_score), short = asyncio.run(measure_heldout(
                url, [questions, nonsense_questions(), spanish_questions, misspelled],
                shorts=shorts))
        spanish = score_spanish(spanish_topics.results, training_matches(spanish_questions))
    from staff.faq import quality

    print("==> held-out FAQ questions against the FAQ files (seconds)")
    faq_score = quality.measure_project()
    seen: Optional[Set[str]] = None
    if heldout is not None:
        seen = training_matches([r.question for r in heldout.results])
    by_language: List[cv_languages.LanguageScore] = []
    if intents is not None:
        by_language = cv_languages.score_languages(
            [CV_DIR / f"seed-{seed}" for seed in CV_SEEDS], PROJECT_ROOT / "data" / "nlu")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        render_markdown(intents, heldout, time.strftime("%Y-%m-%d %H:%M"), seen=seen,
                        nonsense=nonsense, short=short,
                        faq_section=quality.render(faq_score), spanish=spanish, typos=typo_score,
                        cv_by_language=cv_languages.render(by_language, CV_F1_TARGET)),
        encoding="utf-8",
    )
    print(f"==> report written to {report}")
    ok = True
    if intents is not None:
        print(f"    intent macro F1: {intents.macro_f1:.3f}")
        # the target is the English examples' (the Spanish ones are reported beside them)
        english = [s for s in by_language if s.language == "English"]
        for score in by_language:
            print(f"    … {score.language} examples: macro F1 {score.macro_f1:.3f}"
                  + (f" (target {CV_F1_TARGET})" if score.language == "English" else ""))
        ok &= (english[0].macro_f1 if english else intents.macro_f1) >= CV_F1_TARGET
    if heldout is not None:
        print(f"    held-out accuracy: {heldout.accuracy:.3f} (target {HELDOUT_TARGET})")
        ok &= heldout.accuracy >= HELDOUT_TARGET
    if typo_score is not None:
        print(f"    held-out questions with a typo: {typo_score.accuracy:.3f} "
              f"(tests fail below {typos.TYPO_MINIMUM})")
    if nonsense is not None:
        print(f"    random letter strings without a therapy answer: {nonsense.accuracy:.3f} "
              f"(target {NONSENSE_TARGET})")
        ok &= nonsense.accuracy >= NONSENSE_TARGET
    if short:
        share = short_messages.sensible_share(short)
        print(f"    short messages answered sensibly: {share:.3f} "
              f"(target {short_messages.SENSIBLE_TARGET})")
        ok &= share >= short_messages.SENSIBLE_TARGET and all(r.answered for r in short)
    print(f"    FAQ questions that reach their FAQ: {faq_score.faq_accuracy:.3f} "
          f"(target {quality.TARGET})")
    ok &= faq_score.faq_accuracy >= quality.TARGET
    if spanish is not None:
        print(spanish_figures(spanish))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

