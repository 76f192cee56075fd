"""Reads the FAQ files, keeping the line of every value so messages can point at it.

The files are parsed with ``yaml.compose`` (nodes with positions) instead of
``yaml.safe_load`` (plain values): a staff member told "line 7" finds the mistake.
Structural mistakes (a list where one text is expected, a YAML syntax error) become
``Problem``s here; the content rules (how many ways of asking, duplicates, ...) live in
``staff.faq.check``.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from clinic.faq.model import Button, Faq, Phrasing
from staff.faq.text import FIELDS, Problem

FAQ_SUFFIXES = (".yml", ".yaml")
IGNORED_SUFFIXES = (".md",)  # faq/README.md
NULL_TAG = "tag:yaml.org,2002:null"
# Field names people type by mistake, and the field they meant.
ALIASES = {
    "examples": "asked_as", "phrasings": "asked_as", "questions": "asked_as",
    "asked": "asked_as", "ask_as": "asked_as", "asked-as": "asked_as", "asked as": "asked_as",
    "response": "answer", "reply": "answer", "text": "answer", "answers": "answer",
    "links": "buttons", "link": "buttons", "button": "buttons", "title": "question",
    # the Spanish fields
    "asked_es": "asked_as_es", "asked_as_spanish": "asked_as_es", "examples_es": "asked_as_es",
    "spanish_asked_as": "asked_as_es", "preguntas": "asked_as_es",
    "answer_spanish": "answer_es", "spanish_answer": "answer_es", "respuesta": "answer_es",
    "reply_es": "answer_es", "response_es": "answer_es",
    "question_spanish": "question_es", "spanish_question": "question_es",
    "pregunta": "question_es", "title_es": "question_es",
}
# PyYAML's wording -> what to do about it, in plain language.
YAML_HINTS = (
    ("mapping values are not allowed", "A colon (:) inside a text confuses the file format. "
     'Put the whole text in double quotes, e.g. answer: "Note: ...".'),
    ("found character '\\t'", "Use spaces, not the Tab key, to indent."),
    ("could not find expected ':'", "A line is missing its colon (e.g. 'answer:'), or a text "
     "that continues on the next line is not indented."),
    ("expected <block end>", "The indentation is off: every '- ' of a list must start in the "
     "same column."),
    ("found unexpected end of stream", "A quote (\") was opened but never closed."),
    ("while scanning a quoted scalar", "A quote (\") was opened but never closed."),
    ("found undefined alias", "A text starts with '*'. Put the whole text in double quotes."),
)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and (node.tag == NULL_TAG or not node.value.strip())


def yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    """A YAML syntax error as a plain-language problem with its line."""
    line: Optional[int] = None
    detail = str(error)
    if isinstance(error, yaml.MarkedYAMLError):
        # An unclosed quote or a missing colon is noticed lines later: point at its start.
        starts_earlier = (error.context or "").startswith(
            ("while scanning a quoted scalar", "while scanning a simple key"))
        mark = (error.context_mark if starts_earlier else None) or error.problem_mark \
            or error.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = " ".join(part for part in (error.context, error.problem) if part)
    hint = next((h for key, h in YAML_HINTS if key in detail), "Check this line for a "
                "missing colon, an unclosed quote or a wrong indentation.")
    return Problem(path, line, f"the file cannot be read: {hint} (details: {detail})")


def _text(path: Path, key: str, node: yaml.Node, problems: List[Problem]) -> str:
    if _is_empty(node):
        return ""
    if not isinstance(node, yaml.ScalarNode):
        problems.append(Problem(path, _line(node), f"'{key}' should be one piece of text, "
                                "not a list. If the text contains a colon, put it in quotes."))
        return ""
    return str(node.value).strip()


def _phrasings(path: Path, node: yaml.Node, problems: List[Problem],
               key: str = "asked_as") -> Tuple[Phrasing, ...]:
    if _is_empty(node):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(path, _line(node), f"'{key}' should be a list: one way of "
                                "asking per line, each line starting with '- '."))
        return ()
    found: List[Phrasing] = []
    for item in node.value:
        if _is_empty(item):
            problems.append(Problem(path, _line(item), f"this line of '{key}' is empty: "
                                    "remove it or write a question after the '- '."))
        elif not isinstance(item, yaml.ScalarNode):
            problems.append(Problem(path, _line(item), "this way of asking is not plain text. "
                                    "If it contains a colon (:), put it in double quotes."))
        else:
            found.append(Phrasing(" ".join(str(item.value).split()), _line(item)))
    return tuple(found)


def _button(path: Path, node: yaml.Node, problems: List[Problem]) -> Optional[Button]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(path, _line(node), "each button needs a 'title' and either a "
                                "'url' (a link) or a 'payload' (a follow-up question)."))
        return None
    values: Dict[str, str] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in ("title", "url", "payload"):
            problems.append(Problem(path, _line(key_node), f"buttons have no field '{key}': "
                                    "use 'title' with 'url' or 'payload'."))
            continue
        values[key] = _text(path, f"buttons.{key}", value_node, problems)
    return Button(title=values.get("title", ""), line=_line(node),
                  url=values.get("url") or None, payload=values.get("payload") or None)


def _buttons(path: Path, node: yaml.Node, problems: List[Problem]) -> Tuple[Button, ...]:
    if _is_empty(node):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(path, _line(node), "'buttons' should be a list: each button "
                                "starts with '- title:' on its own line."))
        return ()
    found = (_button(path, item, problems) for item in node.value)
    return tuple(button for button in found if button is not None)


def _unknown_field(path: Path, key: str, line: int) -> Problem:
    meant = ALIASES.get(key.lower()) or next(
        iter(difflib.get_close_matches(key.lower(), FIELDS, n=1, cutoff=0.6)), None)
    hint = f" Did you mean '{meant}'?" if meant else ""
    return Problem(path, line, f"'{key}' is not a field of an FAQ file.{hint} The fields are: "
                   + ", ".join(FIELDS) + ".")


def load_faq_text(path: Path, text: str) -> Tuple[Optional[Faq], List[Problem]]:
    """Parses one FAQ file's text; returns the FAQ (when readable) and its problems."""
    problems: List[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return None, [yaml_problem(path, error)]
    if root is None or _is_empty(root):
        return None, [Problem(path, None, "the file is empty. Copy the example from "
                              "docs/staff-guide.md and fill it in.")]
    if not isinstance(root, yaml.MappingNode):
        return None, [Problem(path, _line(root), "an FAQ file starts with 'question:' "
                              "(see the example in docs/staff-guide.md).")]
    nodes: Dict[str, yaml.Node] = {}
    lines: Dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in FIELDS:
            problems.append(_unknown_field(path, key, _line(key_node)))
            continue
        if key in nodes:
            problems.append(Problem(path, _line(key_node), f"'{key}' appears twice (also on "
                                    f"line {lines[key]}): keep one."))
            continue
        nodes[key] = value_node
        lines[key] = _line(key_node)
    empty = yaml.ScalarNode(NULL_TAG, "")
    faq = Faq(
        name=path.stem,
        path=path,
        question=_text(path, "question", nodes.get("question", empty), problems),
        asked_as=_phrasings(path, nodes.get("asked_as", empty), problems),
        answer=_text(path, "answer", nodes.get("answer", empty), problems),
        buttons=_buttons(path, nodes.get("buttons", empty), problems),
        question_es=_text(path, "question_es", nodes.get("question_es", empty), problems),
        asked_as_es=_phrasings(path, nodes.get("asked_as_es", empty), problems, "asked_as_es"),
        answer_es=_text(path, "answer_es", nodes.get("answer_es", empty), problems),
        lines=lines,
    )
    return faq, problems


def load_faq_file(path: Path) -> Tuple[Optional[Faq], List[Problem]]:
    """Reads and parses one FAQ file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(path, None, "the file is not saved as plain text (UTF-8). "
                              "Save it again as plain text from your editor.")]
    return load_faq_text(path, text)


def faq_files(folder: Path) -> Tuple[List[Path], List[Problem]]:
    """The FAQ files of ``folder`` (sorted) and notes about files that will be ignored."""
    files: List[Path] = []
    notes: List[Problem] = []
    if not folder.is_dir():
        return files, [Problem(folder, None, "the FAQ folder does not exist.")]
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.endswith("~"):
            continue
        if path.is_file() and path.suffix in FAQ_SUFFIXES:
            files.append(path)
        elif path.is_file() and path.name.endswith(IGNORED_SUFFIXES):
            continue
        else:
            notes.append(Problem(path, None, "this is ignored: FAQ files must be files whose "
                                 "name ends in .yml, directly in the faq folder.", "warning"))
    return files, notes


def load_faq_folder(folder: Path) -> Tuple[List[Faq], List[Problem]]:
    """Loads every FAQ file of ``folder``; unreadable files only produce problems."""
    paths, problems = faq_files(folder)
    faqs: List[Faq] = []
    for path in paths:
        faq, found = load_faq_file(path)
        problems.extend(found)
        if faq is not None:
            faqs.append(faq)
    return faqs, problems


def guide_example(guide: Path = Path(__file__).resolve().parents[2] / "docs" / "staff-guide.md"
                  ) -> str:
    """The "Is there parking?" FAQ exactly as docs/staff-guide.md tells staff to write it
    (the new FAQ that tests, benchmarks and ``make eval`` add without retraining)."""
    import re

    text = guide.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return next(block for block in blocks if "question: Is there parking?" in block)
