"""The FAQ files' checks, in words a non-programmer understands (``make faq-check`` runs them
before the quality gate, ``staff.faq.gate``).

Problems (nothing is published):

* a YAML mistake, with the file and line and what usually causes it;
* a missing question or answer, fewer than five ways of asking, an unknown field, an answer
  over 2,000 characters, a way of asking with no letters or digits (pure punctuation);
* the same way of asking twice, in one FAQ, in two FAQs, or already used as a training
  example of another topic, or copied from the assistant's test questions; the same
  question in two files;
* a placeholder other than ``{clinic_name}`` / ``{clinic_contact}``, a link that is not
  https, a button that asks for an unknown follow-up.

The Spanish fields (optional) follow the same rules: ``answer_es`` at most 2,000 characters
with the same two fill-ins, ``asked_as_es`` (when given) at least five different ways of
asking with no empty, bracketed or word-less line, never a wording of another FAQ, a
training example or a test question. ``answer_es`` without ``asked_as_es`` is fine (the
English wordings find the FAQ); Spanish ways of asking without ``answer_es`` are allowed,
with a note that the FAQ needs a Spanish answer.

Notes (shown, but they do not stop anything): long answers, ignored files, an FAQ that
needs a Spanish answer. ``spanish_summary`` lists, one line each, the FAQs without a
Spanish answer (``make faq-check`` prints it).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

from clinic.channels.slash_commands import FAQ_FOLLOW_UP_PREFIXES
from clinic.faq.model import FAQ_INTENT, Button, Faq, Phrasing
from clinic.settings import PROJECT_ROOT
from staff.faq.text import (
    MIN_PHRASINGS,
    NAME_PATTERN,
    PLACEHOLDERS,
    Problem,
    fold,
    normalise,
    suggested_name,
)
from staff.heldout import FAQ_HELDOUT_FILES, HELDOUT_FILES

LONG_ANSWER_CHARS = 700
MAX_ANSWER_CHARS = 2000
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
    heldout_paths: Sequence[Path] = (*HELDOUT_FILES, *FAQ_HELDOUT_FILES),
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
    elif len(faq.answer) > MAX_ANSWER_CHARS:
        problems.append(Problem(faq.path, faq.line("answer"), f"the answer is "
                                f"{len(faq.answer)} characters long; the most is "
                                f"{MAX_ANSWER_CHARS}. Shorten it, or link to a page with a "
                                "button."))
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
    problems += _phrasing_problems(faq, faq.asked_as)
    for button in faq.buttons:
        problems += _button_problems(faq, button, intents)
    problems += _spanish_problems(faq)
    return problems


def _phrasing_problems(faq: Faq, phrasings: Sequence[Phrasing]) -> List[Problem]:
    problems: List[Problem] = []
    for phrasing in phrasings:
        if re.search(r"[\[\]{}]", phrasing.text):
            problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}': please leave "
                                    "out square [ ] and curly { } brackets."))
        elif not re.search(r"\w", phrasing.text):
            problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' has no "
                                    "words: write a question the way a visitor would type it."))
        elif phrasing.text.startswith("/"):
            problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}': a way of "
                                    "asking cannot start with '/'."))
    return problems


def _spanish_problems(faq: Faq) -> List[Problem]:
    """The rules of the optional Spanish fields (the English ones' rules, in Spanish)."""
    problems: List[Problem] = []
    answer_line = faq.line("answer_es")
    if len(faq.answer_es) > MAX_ANSWER_CHARS:
        problems.append(Problem(faq.path, answer_line, f"the Spanish answer is "
                                f"{len(faq.answer_es)} characters long; the most is "
                                f"{MAX_ANSWER_CHARS}. Shorten it, or link to a page with a "
                                "button."))
    elif len(faq.answer_es) > LONG_ANSWER_CHARS:
        problems.append(Problem(faq.path, answer_line, f"the Spanish answer is long "
                                f"({len(faq.answer_es)} characters); a few sentences read "
                                "better in the small chat window.", "warning"))
    problems += _placeholder_problems(faq, faq.answer_es, answer_line, "Spanish answer")
    if faq.question_es and re.search(r"[{}]", faq.question_es):
        problems.append(Problem(faq.path, faq.line("question_es"), "the Spanish question has "
                                "a curly bracket { or }: remove it (a question is shown as "
                                "written, nothing is filled in)."))
    if faq.asked_as_es:
        distinct = {fold(p.text) for p in faq.asked_as_es if fold(p.text)}
        if len(distinct) < MIN_PHRASINGS:
            problems.append(Problem(faq.path, faq.line("asked_as_es"), f"only {len(distinct)} "
                                    "different Spanish way(s) of asking under 'asked_as_es'; "
                                    f"please write at least {MIN_PHRASINGS}, worded the way "
                                    "visitors would type them in Spanish, or leave "
                                    "'asked_as_es' out."))
        problems += _phrasing_problems(faq, faq.asked_as_es)
    if faq.needs_spanish_answer:
        what = "Spanish ways of asking" if faq.asked_as_es else "a Spanish question"
        problems.append(Problem(faq.path, answer_line or faq.line("asked_as_es")
                                or faq.line("question_es"),
                                f"needs Spanish answer: this FAQ has {what} but no "
                                "'answer_es'. Until you add one, visitors writing in Spanish "
                                "get the English answer after a short note in Spanish.",
                                "warning"))
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
        # what the channels honour when the button is clicked (a typed or clicked slash
        # command that is not a button's is read as text: clinic/channels/slash_commands.py)
        if (not intent or intent not in intents or intent == FAQ_INTENT
                or not intent.startswith(FAQ_FOLLOW_UP_PREFIXES)
                or button.payload != "/" + intent):
            known = ", ".join("/" + name for name in sorted(intents) if name.startswith(
                FAQ_FOLLOW_UP_PREFIXES) and name != FAQ_INTENT)
            problems.append(Problem(faq.path, button.line, f"the payload '{button.payload}' is "
                                    "not a follow-up the assistant knows. Use one of: "
                                    f"{known or 'the payloads listed in docs/staff-guide.md'}."))
    return problems


def check_duplicates(faqs: Sequence[Faq]) -> List[Problem]:
    """The same way of asking twice, within one FAQ or across FAQs."""
    problems: List[Problem] = []
    seen: Dict[str, Tuple[Faq, int]] = {}
    for faq in faqs:
        for phrasing in (*faq.asked_as, *faq.asked_as_es):
            key = fold(phrasing.text)
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
    problems += _shared_questions(
        faqs, lambda faq: normalise(faq.question), "question",
        lambda faq, other: (f"the question '{faq.question}' is also the question of "
                            f"{other.path.name}: keep one of the two files (move the ways of "
                            "asking into it)."))
    problems += _shared_questions(
        faqs, lambda faq: fold(faq.question_es), "question_es",
        lambda faq, other: (f"the Spanish question '{faq.question_es}' is also the Spanish "
                            f"question of {other.path.name}: word the two differently, so a "
                            "visitor can tell the buttons apart."))
    names = Counter(faq.name for faq in faqs)
    for faq in faqs:
        if names[faq.name] > 1:
            problems.append(Problem(faq.path, None, f"two files are called '{faq.name}' (.yml and "
                                    ".yaml): rename or remove one."))
    return problems


def _shared_questions(faqs: Sequence[Faq], key_of: Callable[[Faq], str], field_name: str,
                      describe: Callable[[Faq, Faq], str]) -> List[Problem]:
    """A problem for each FAQ whose question (``key_of``: normalised) an earlier FAQ already
    has; ``describe(faq, earlier)`` says so, on the line of ``field_name``."""
    problems: List[Problem] = []
    first: Dict[str, Faq] = {}
    for faq in faqs:
        key = key_of(faq)
        if key and key in first and first[key] is not faq:
            problems.append(Problem(faq.path, faq.line(field_name), describe(faq, first[key])))
        first.setdefault(key, faq)
    return problems


def check_against_project(faqs: Sequence[Faq], project: ProjectData) -> List[Problem]:
    """Ways of asking that already train another topic, or that copy a test question."""
    problems: List[Problem] = []
    examples = {fold(text): found for text, found in project.examples.items()}
    heldout = {fold(text): path for text, path in project.heldout.items()}
    for faq in faqs:
        for phrasing in (*faq.asked_as, *faq.asked_as_es):
            key = fold(phrasing.text)  # accents ignored: Spanish is typed both ways
            if key in examples:
                intent, path = examples[key]
                problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' already "
                                        f"teaches the assistant the topic '{intent}' "
                                        f"({_shown(path)}). Reword it or remove it."))
            if key in heldout:
                problems.append(Problem(faq.path, phrasing.line, f"'{phrasing.text}' is one of "
                                        "the assistant's test questions "
                                        f"({_shown(heldout[key])}), which must stay unseen "
                                        "in training. Please word it differently."))
    return problems


def static_problems(faqs: Sequence[Faq], folder: Path, project: ProjectData) -> List[Problem]:
    """Every check that needs no trained model."""
    problems: List[Problem] = list(project.problems)
    for faq in faqs:
        problems += check_faq(faq, project.intents)
    problems += check_duplicates(faqs)
    problems += check_against_project(faqs, project)
    return problems


# --------------------------------------------------------------------------- command line


def _shown(path: Optional[Path]) -> str:
    if path is None:
        return "?"
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def spanish_summary(faqs: Sequence[Faq]) -> List[str]:
    """Which FAQs answer in Spanish and, one line each, which do not yet (plain words)."""
    if not faqs:
        return []
    ready = [faq for faq in faqs if faq.has_spanish_answer]
    lines = [f"Spanish: {len(ready)} of {len(faqs)} FAQ(s) have a Spanish answer."]
    missing = sorted((faq for faq in faqs if not faq.has_spanish_answer),
                     key=lambda faq: faq.path.name)
    if missing:
        lines.append("Without a Spanish answer (visitors writing in Spanish get the English "
                     "answer after a short note in Spanish):")
    for faq in missing:
        question = faq.question or faq.name
        if faq.needs_spanish_answer:
            what = "Spanish ways of asking" if faq.asked_as_es else "a Spanish question"
            lines.append(f"  - {faq.path.name}: '{question}' has {what} but needs Spanish "
                         "answer (add 'answer_es').")
        else:
            lines.append(f"  - {faq.path.name}: '{question}' has no Spanish yet (add "
                         "'answer_es', and 'asked_as_es' if you like).")
    return lines


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
        lines.append(f"Found {errors} problem(s). Fix them, save, and run `make faq-check` "
                     "again.")
    else:
        lines.append(f"No problem in the {faq_count} FAQ file(s) of {_shown(folder)}/.")
    return "\n".join(lines)
