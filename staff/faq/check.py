"""``make faq-check``: finds mistakes in the FAQ files, in words a non-programmer understands.

Problems (the exit code is 1 and ``make retrain`` refuses to train):

* a YAML mistake, with the file and line and what usually causes it;
* a missing question or answer, fewer than five ways of asking, an unknown field;
* the same way of asking twice, in one FAQ, in two FAQs, or already used as a training
  example of another topic, or copied from the assistant's test questions;
* a placeholder other than ``{clinic_name}`` / ``{clinic_contact}``, a link that is not
  https, a button that asks for an unknown follow-up;
* a conflict with the current model (``models/clinic.tar.gz``): it confidently (>= 0.8)
  takes a way of asking for a different FAQ or another topic *and* that other topic has a
  training example worded alike (at least half of their topic words in common: Jaccard of
  content words >= 0.5, so a long example sharing one word does not count). The model's
  opinion alone is not enough: a classifier is confidently wrong about text it has never
  seen (a new FAQ), so conflicts are only reported when the wording backs them up.

Notes (shown, but they do not stop anything): very long answers, ignored files.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from staff.evaluation import HELDOUT_FILES
from staff.faq.load import load_faq_folder
from clinic.faq.model import (
    FAQ_INTENT,
    MIN_FAQS,
    MIN_PHRASINGS,
    NAME_PATTERN,
    PLACEHOLDERS,
    Button,
    Faq,
    Problem,
    content_tokens,
    jaccard,
    normalise,
    suggested_name,
)
from staff.faq.predict import Prediction
from clinic.settings import PROJECT_ROOT

if TYPE_CHECKING:  # pragma: no cover
    from staff.faq.predict import Parser

CONFLICT_CONFIDENCE = 0.8
CONFLICT_SIMILARITY = 0.5
LONG_ANSWER_CHARS = 700
NOT_A_TOPIC = {"nlu_fallback"}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class ProjectData:
    """What the FAQs are checked against: other training data, test questions, intents."""

    examples: Dict[str, Tuple[str, Path]] = field(default_factory=dict)  # text -> intent, file
    examples_by_intent: Dict[str, List[str]] = field(default_factory=dict)
    heldout: Dict[str, Path] = field(default_factory=dict)  # test question -> its file
    intents: Set[str] = field(default_factory=set)
    problems: List[Problem] = field(default_factory=list)  # about the project's own files


# --------------------------------------------------------------------------- project data


def _nlu_examples(document: object) -> Iterable[Tuple[str, str]]:
    if not isinstance(document, dict):
        return
    for item in document.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples") or ""
        lines = examples.splitlines() if isinstance(examples, str) else [
            str(entry.get("text", "")) if isinstance(entry, dict) else str(entry)
            for entry in examples
        ]
        for line in (line.strip() for line in lines):
            text = _ENTITY_MARKUP.sub(r"\1", line[2:] if line.startswith("- ") else line)
            if text:
                yield str(item["intent"]), text


def load_project_data(
    data_dir: Path = PROJECT_ROOT / "data",
    domain_dir: Path = PROJECT_ROOT / "domain",
    heldout_paths: Sequence[Path] = HELDOUT_FILES,
    skip: Sequence[Path] = (PROJECT_ROOT / "data" / "generated",),
) -> ProjectData:
    """Reads the non-FAQ training examples, the held-out questions and the domain's intents."""
    project = ProjectData()
    skipped = [path.resolve() for path in skip]
    for path in sorted(data_dir.rglob("*.yml")) if data_dir.is_dir() else []:
        resolved = path.resolve()
        if any(folder == resolved or folder in resolved.parents for folder in skipped):
            continue
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            project.problems.append(Problem(path, None, "this training-data file (not an FAQ) "
                                            "cannot be read, so the FAQs cannot be checked "
                                            "against it. Please tell a developer.", "warning"))
            continue
        for intent, text in _nlu_examples(document):
            project.examples.setdefault(normalise(text), (intent, path))
            project.examples_by_intent.setdefault(intent, []).append(text)
    for heldout_path in heldout_paths:
        if not heldout_path.is_file():
            continue
        questions = (yaml.safe_load(heldout_path.read_text(encoding="utf-8")) or {})
        for question in questions.get("questions") or []:
            if isinstance(question, dict):
                project.heldout.setdefault(normalise(str(question.get("text", ""))),
                                           heldout_path)
    for path in sorted(domain_dir.glob("*.yml")) if domain_dir.is_dir() else []:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for intent in document.get("intents") or []:
            project.intents.update(intent.keys() if isinstance(intent, dict) else [str(intent)])
    return project


# --------------------------------------------------------------------------- checks


def _rename_problem(faq: Faq) -> Optional[Problem]:
    if NAME_PATTERN.match(faq.name):
        return None
    better = suggested_name(faq.name) + faq.path.suffix
    return Problem(faq.path, None, f"please rename the file to '{better}': file names may only "
                   "use lower-case letters, digits and underscores (_), no spaces.")


def _placeholder_problems(faq: Faq, text: str, line: Optional[int], what: str) -> List[Problem]:
    problems = []
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            allowed = " and ".join("{" + p + "}" for p in PLACEHOLDERS)
            problems.append(Problem(faq.path, line, f"'{{{name}}}' in the {what} is not something "
                                    f"the assistant can fill in. You can use {allowed}."))
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append(Problem(faq.path, line, f"the {what} has a curly bracket {{ or }} on its "
                                "own; remove it (they are only for {clinic_name} and "
                                "{clinic_contact})."))
    return problems


def check_faq(faq: Faq, intents: Set[str]) -> List[Problem]:
    """The rules for one FAQ file on its own."""
    problems: List[Problem] = []
    rename = _rename_problem(faq)
    if rename:
        problems.append(rename)
    if not faq.question:
        problems.append(Problem(faq.path, faq.line("question"), "the 'question' is missing: "
                                "write the question as a title, e.g. question: Is there parking?"))
    if not faq.answer:
        problems.append(Problem(faq.path, faq.line("answer"), "the 'answer' is missing: write "
                                "what the assistant should reply, after 'answer:'."))
    elif len(faq.answer) > LONG_ANSWER_CHARS:
        problems.append(Problem(faq.path, faq.line("answer"), f"the answer is long "
                                f"({len(faq.answer)} characters); a few sentences read better "
                                "in the small chat window.", "warning"))
    problems += _placeholder_problems(faq, faq.answer, faq.line("answer"), "answer")
    distinct = {normalise(p.text) for p in faq.asked_as if normalise(p.text)}
    if len(distinct) < MIN_PHRASINGS:
        problems.append(Problem(faq.path, faq.line("asked_as"), f"only {len(distinct)} different "
                                f"way(s) of asking under 'asked_as'; please write at least "
                                f"{MIN_PHRASINGS}, worded the way visitors would type them."))
    for phrasing in faq.asked_as:
        if re.search(r"[\[\]{}]", phrasing.text):
            problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}': please leave "
                                    "out square [ ] and curly { } brackets."))
        elif phrasing.text.startswith("/"):
            problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}': a way of "
                                    "asking cannot start with '/'."))
    for button in faq.buttons:
        problems += _button_problems(faq, button, intents)
    return problems


def _button_problems(faq: Faq, button: Button, intents: Set[str]) -> List[Problem]:
    problems: List[Problem] = []
    if not button.title:
        problems.append(Problem(faq.path, button.line, "this button has no 'title' (the words "
                                "shown on the button)."))
    problems += _placeholder_problems(faq, button.title, button.line, "button title")
    if bool(button.url) == bool(button.payload):
        problems.append(Problem(faq.path, button.line, "a button needs either a 'url' (a link) "
                                "or a 'payload' (a follow-up question), not both and not none."))
    if button.url and (not button.url.startswith("https://") or re.search(r"\s", button.url)):
        problems.append(Problem(faq.path, button.line, f"the link '{button.url}' must start with "
                                "https:// and contain no spaces."))
    if button.payload:
        intent = button.payload[1:].split("{", 1)[0] if button.payload.startswith("/") else ""
        if not intent or intent not in intents or intent == FAQ_INTENT:
            known = ", ".join("/" + name for name in sorted(intents) if name.startswith(
                ("ask_", "request_")))
            problems.append(Problem(faq.path, button.line, f"the payload '{button.payload}' is "
                                    "not a follow-up the assistant knows. Use one of: "
                                    f"{known or 'the payloads listed in docs/staff-guide.md'}."))
    return problems


def check_duplicates(faqs: Sequence[Faq]) -> List[Problem]:
    """The same way of asking twice, within one FAQ or across FAQs."""
    problems: List[Problem] = []
    seen: Dict[str, Tuple[Faq, int]] = {}
    for faq in faqs:
        for phrasing in faq.asked_as:
            key = normalise(phrasing.text)
            if not key:
                continue
            if key not in seen:
                seen[key] = (faq, phrasing.line)
                continue
            other, line = seen[key]
            if other is faq:
                message = f"'{phrasing.text}' is listed twice (also on line {line}): remove one."
            else:
                message = (f"'{phrasing.text}' is also a way of asking '{other.question}' "
                           f"({other.path.name}, line {line}). The assistant cannot tell which "
                           "answer you mean: keep it in one FAQ only.")
            problems.append(Problem(faq.path, phrasing.line, message))
    names = Counter(faq.name for faq in faqs)
    for faq in faqs:
        if names[faq.name] > 1:
            problems.append(Problem(faq.path, None, f"two files are called '{faq.name}' (.yml and "
                                    ".yaml): rename or remove one."))
    return problems


def check_against_project(faqs: Sequence[Faq], project: ProjectData) -> List[Problem]:
    """Ways of asking that already train another topic, or that copy a test question."""
    problems: List[Problem] = []
    for faq in faqs:
        for phrasing in faq.asked_as:
            key = normalise(phrasing.text)
            if key in project.examples:
                intent, path = project.examples[key]
                problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' already "
                                        f"teaches the assistant the topic '{intent}' "
                                        f"({_shown(path)}). Reword it or remove it."))
            if key in project.heldout:
                problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' is one of "
                                        "the assistant's test questions "
                                        f"({_shown(project.heldout[key])}), which must stay unseen "
                                        "in training. Please word it differently."))
    return problems


def check_count(faqs: Sequence[Faq], folder: Path) -> List[Problem]:
    """The assistant needs at least two FAQs to learn to tell them apart."""
    if len(faqs) >= MIN_FAQS:
        return []
    return [Problem(folder, None, f"there are {len(faqs)} readable FAQ file(s); the assistant "
                    f"needs at least {MIN_FAQS} to learn to tell them apart.")]


def static_problems(faqs: Sequence[Faq], folder: Path, project: ProjectData) -> List[Problem]:
    """Every check that needs no trained model."""
    problems: List[Problem] = list(project.problems)
    for faq in faqs:
        problems += check_faq(faq, project.intents)
    problems += check_duplicates(faqs)
    problems += check_against_project(faqs, project)
    problems += check_count(faqs, folder)
    return problems


# --------------------------------------------------------------------------- conflicts


def _closest(text: str, candidates: Iterable[str]) -> Tuple[float, str]:
    """The candidate worded most like ``text`` (Jaccard of topic words) and its score."""
    words = content_tokens(text)
    scored = ((jaccard(words, content_tokens(other)), other) for other in candidates)
    return max(scored, key=lambda pair: pair[0], default=(0.0, ""))


def find_conflicts(
    faqs: Sequence[Faq],
    predictions: Mapping[str, Prediction],
    examples_by_intent: Mapping[str, Sequence[str]],
    confidence: float = CONFLICT_CONFIDENCE,
    min_similarity: float = CONFLICT_SIMILARITY,
) -> List[Problem]:
    """Ways of asking the model confidently gives to another FAQ or topic that is worded alike."""
    by_name = {faq.name: faq for faq in faqs}
    problems: List[Problem] = []
    for faq in faqs:
        for phrasing in faq.asked_as:
            prediction = predictions.get(phrasing.text)
            if prediction is None or prediction.intent in NOT_A_TOPIC:
                continue
            if prediction.intent == FAQ_INTENT:
                other = by_name.get(prediction.faq or "")
                sure = min(prediction.confidence, prediction.faq_confidence)
                if other is None or other is faq or sure < confidence:
                    continue
                score, example = _closest(phrasing.text, (p.text for p in other.asked_as))
                target = f"the FAQ '{other.question}' ({other.path.name})"
            else:
                if prediction.confidence < confidence:
                    continue
                score, example = _closest(phrasing.text,
                                          examples_by_intent.get(prediction.intent, ()))
                target = f"'{prediction.intent}'"
            if score >= min_similarity:
                problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' looks like "
                                        f"{target} to the assistant (it knows '{example}' there). "
                                        "Reword it so it clearly belongs to this FAQ, or remove "
                                        "it."))
    return problems


# --------------------------------------------------------------------------- command line


def _shown(path: Optional[Path]) -> str:
    if path is None:
        return "?"
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def report(problems: Sequence[Problem], faq_count: int, folder: Path, footer: bool = True
           ) -> str:
    """The text ``make faq-check`` prints, grouped by file (``footer``: the verdict line)."""
    grouped: Dict[str, List[Problem]] = defaultdict(list)
    for problem in problems:
        grouped[_shown(problem.path) if problem.path else ""].append(problem)
    lines: List[str] = []
    for where in sorted(grouped):
        lines.append(where or "(general)")
        for problem in sorted(grouped[where], key=lambda p: (p.line or 0, p.message)):
            label = "Problem" if problem.is_error else "Note"
            at = f" (line {problem.line})" if problem.line else ""
            lines.append(f"  {label}{at}: {problem.message}")
        lines.append("")
    errors = sum(problem.is_error for problem in problems)
    if not footer:
        return "\n".join(lines).rstrip()
    if errors:
        lines.append(f"Found {errors} problem(s). Fix them, save, and run `make faq-check` again.")
    else:
        lines.append(f"All good: {faq_count} FAQ(s) in {_shown(folder)}/ are ready. "
                     "Next step: `make retrain`.")
    return "\n".join(lines)


def model_problems(faqs: Sequence[Faq], model: Path, project: ProjectData,
                   agent: Optional["Parser"] = None) -> List[Problem]:
    """Asks ``model`` (loaded unless ``agent`` is given: 10-20 s) and looks for conflicts.

    ``agent`` may be an ``Agent`` or a ``ServerParser`` for the running server's model.
    """
    from staff.faq.predict import load_agent, predict_all

    loaded = agent or load_agent(model)
    texts = [p.text for faq in faqs for p in faq.asked_as]
    predictions = asyncio.run(predict_all(loaded, texts))
    return find_conflicts(faqs, predictions, project.examples_by_intent)


def running_server_parser(model: Path) -> Optional["Parser"]:
    """The running Rasa server (``RASA_PORT`` and the API token, found as ``make retrain``
    finds them) when it has exactly ``model`` loaded, so the check need not load it again;
    ``None`` when no such server answers."""
    from staff.faq.predict import server_parser_for
    from staff.retrain import Server

    try:
        server = Server.from_settings()
    except ValueError:  # a setting is wrong: load the model instead, as without a server
        return None
    return server_parser_for(model, server.url, server.token)


def run_checks(folder: Path, model: Optional[Path], project: Optional[ProjectData] = None,
               announce: bool = False, parser: Optional["Parser"] = None,
               ) -> Tuple[List[Faq], List[Problem]]:
    """Loads the FAQ folder and runs every check; the model comparison only when ``model``
    is given and nothing else is wrong: through ``parser`` (the running server, seconds)
    when given, otherwise by loading ``model`` (about 20 seconds)."""
    project = project or load_project_data()
    faqs, problems = load_faq_folder(folder)
    problems += static_problems(faqs, folder, project)
    if model is not None and not any(p.is_error for p in problems):
        if announce:
            where = ("the running assistant" if parser is not None
                     else "the current assistant (about 20 seconds)")
            print(f"Asking {where} how it reads each way of asking ...", flush=True)
        problems += model_problems(faqs, model, project, agent=parser)
    return faqs, problems


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point (``make faq-check``)."""
    parser = argparse.ArgumentParser(description="Check the FAQ files before retraining.")
    parser.add_argument("--faq-dir", type=Path, default=PROJECT_ROOT / "faq")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "clinic.tar.gz",
                        help="compare with this trained model when it exists")
    parser.add_argument("--no-model", action="store_true", help="skip the model comparison")
    args = parser.parse_args(argv)
    model = None if args.no_model or not args.model.is_file() else args.model
    print(f"Checking the FAQ files in {_shown(args.faq_dir)}/ ...", flush=True)
    if model is None:
        print("(No comparison with the trained assistant: there is no model yet or "
              "--no-model was given.)", flush=True)
    parser_ = running_server_parser(model) if model is not None else None
    faqs, problems = run_checks(args.faq_dir, model, announce=True, parser=parser_)
    print(report(problems, len(faqs), args.faq_dir))
    return 1 if any(problem.is_error for problem in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
