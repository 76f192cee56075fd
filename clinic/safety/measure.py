"""Measures the deterministic safety checks on the phrasing sets and prints the table.

``python -m clinic.safety.measure`` prints the Markdown table that docs/safety.md shows
between its ``measured`` markers; ``--write`` puts it there, ``--check`` exits 1 when the
document is stale (tests/unit/test_safety_measure.py runs the same comparison).

Sets: tests/safety/phrasings.yml and tests/safety/phrasings_es.yml (emergencies in English
and in Spanish: positives by sign, hard negatives) and tests/safety/contraindications.yml
(categories to find, messages that mention none).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from clinic.safety.contraindications import detect_contraindications
from clinic.safety.emergency import detect_emergency
from clinic.settings import PROJECT_ROOT

PHRASINGS = PROJECT_ROOT / "tests" / "safety" / "phrasings.yml"
PHRASINGS_ES = PROJECT_ROOT / "tests" / "safety" / "phrasings_es.yml"
CONTRAINDICATIONS = PROJECT_ROOT / "tests" / "safety" / "contraindications.yml"
DOC = PROJECT_ROOT / "docs" / "safety.md"
START_MARKER = "<!-- measured:start (python -m clinic.safety.measure --write) -->"
END_MARKER = "<!-- measured:end -->"


@dataclass(frozen=True)
class SignCount:
    """Results for one group of emergency signs."""

    sign: str
    intent: str
    total: int
    detected: int
    wrong_kind: int  # detected, but as the other kind (911 instead of 988 or vice versa)
    missed: List[str]  # no alarm, the wrong kind, or the reply in the wrong language


@dataclass(frozen=True)
class EmergencyCounts:
    """Results on the emergency phrasing set."""

    signs: Tuple[SignCount, ...]
    negatives: int
    false_alarms: List[str]
    language: str = "en"  # the language every positive must be answered in

    @property
    def positives(self) -> int:
        """How many emergency phrasings there are."""
        return sum(s.total for s in self.signs)

    @property
    def missed(self) -> List[str]:
        """Phrasings that got no alarm, the wrong kind of alarm or the wrong language."""
        return [m for s in self.signs for m in s.missed]


@dataclass(frozen=True)
class ContraindicationCounts:
    """Results on the contraindication phrasing set."""

    positives: int
    exact: int
    missed_categories: List[Tuple[str, str]]  # (text, category)
    extra_categories: List[Tuple[str, str]]
    negatives: int
    false_alarms: List[str]


def _load(path: Path) -> Dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def measure_emergencies(path: Path = PHRASINGS) -> EmergencyCounts:
    """Runs ``detect_emergency`` on every phrasing of the set.

    A positive counts as detected only with the right kind of alarm and, for a set that
    names its ``language`` (``es``; English by default), the reply in that language.
    """
    data = _load(path)
    language = data.get("language", "en")
    signs = []
    for sign, group in data["positives"].items():
        intent = group["intent"]
        detected = wrong = 0
        missed = []
        for text in group["examples"]:
            match = detect_emergency(text)
            if match is not None and match.intent == intent and match.language == language:
                detected += 1
            else:
                if match is not None and match.intent != intent:
                    wrong += 1
                missed.append(text)
        signs.append(SignCount(sign, intent, len(group["examples"]), detected, wrong, missed))
    negatives = list(data["negatives"])
    alarms = [text for text in negatives if detect_emergency(text) is not None]
    return EmergencyCounts(tuple(signs), len(negatives), alarms, language)


def measure_contraindications(path: Path = CONTRAINDICATIONS) -> ContraindicationCounts:
    """Runs ``detect_contraindications`` on every phrasing of the set."""
    data = _load(path)
    exact = 0
    missed: List[Tuple[str, str]] = []
    extra: List[Tuple[str, str]] = []
    for item in data["positives"]:
        found = set(detect_contraindications(item["text"]))
        wanted = set(item["categories"])
        exact += found == wanted
        missed += [(item["text"], c) for c in sorted(wanted - found)]
        extra += [(item["text"], c) for c in sorted(found - wanted)]
    negatives = list(data["negatives"])
    alarms = [text for text in negatives if detect_contraindications(text)]
    return ContraindicationCounts(
        len(data["positives"]), exact, missed, extra, len(negatives), alarms
    )


def _emergency_lines(e: EmergencyCounts, title: str, detected: str) -> List[str]:
    lines = [
        f"| {title} | Expected reply | Phrasings | {detected} | Missed |",
        "|---|---|---:|---:|---:|",
    ]
    for s in e.signs:
        reply = "988" if s.intent == "crisis" else "911"
        lines.append(
            f"| {s.sign} | {reply} | {s.total} | {s.detected} | {len(s.missed)} |"
        )
    lines.append(
        f"| **all emergencies** | | **{e.positives}** | "
        f"**{e.positives - len(e.missed)}** | **{len(e.missed)}** |"
    )
    return lines


def render_table(
    emergencies: Optional[EmergencyCounts] = None,
    contraindications: Optional[ContraindicationCounts] = None,
    spanish: Optional[EmergencyCounts] = None,
) -> str:
    """The Markdown tables docs/safety.md shows (deterministic for a given data set)."""
    e = emergencies or measure_emergencies()
    c = contraindications or measure_contraindications()
    es = spanish or measure_emergencies(PHRASINGS_ES)
    lines = _emergency_lines(e, "Emergency sign group", "Detected")
    lines += [
        "",
        "| Hard negatives | Phrasings | False alarms |",
        "|---|---:|---:|",
        f"| not emergencies | {e.negatives} | {len(e.false_alarms)} |",
        "",
    ]
    lines += _emergency_lines(es, "Spanish sign group", "Detected, answered in Spanish")
    lines += [
        "",
        "| Spanish hard negatives | Phrasings | False alarms |",
        "|---|---:|---:|",
        f"| not emergencies | {es.negatives} | {len(es.false_alarms)} |",
        "",
        "| Contraindication set | Phrasings | Exactly right | Categories missed "
        "| Extra categories | False alarms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| mentions a category | {c.positives} | {c.exact} | {len(c.missed_categories)} "
        f"| {len(c.extra_categories)} | |",
        f"| mentions none | {c.negatives} | | | | {len(c.false_alarms)} |",
    ]
    return "\n".join(lines)


def doc_table(doc: Optional[Path] = None) -> Optional[str]:
    """The table currently between the markers of docs/safety.md (``None`` if absent)."""
    text = (doc or DOC).read_text(encoding="utf-8")
    if START_MARKER not in text or END_MARKER not in text:
        return None
    inner = text.split(START_MARKER, 1)[1].split(END_MARKER, 1)[0]
    return inner.strip()


def write_doc(table: str, doc: Optional[Path] = None) -> None:
    """Replaces the measured table in docs/safety.md."""
    doc = doc or DOC
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(START_MARKER, 1)
    _, tail = rest.split(END_MARKER, 1)
    doc.write_text(f"{head}{START_MARKER}\n{table}\n{END_MARKER}{tail}", encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    """Prints the table (and, with ``--details``, every miss and false alarm)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/safety.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/safety.md is stale")
    parser.add_argument("--details", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    emergencies = measure_emergencies()
    spanish = measure_emergencies(PHRASINGS_ES)
    contraindications = measure_contraindications()
    table = render_table(emergencies, contraindications, spanish)
    print(table)
    if args.details:
        for counts in (emergencies, spanish):
            for text in counts.missed:
                print(f"missed emergency ({counts.language}): {text}")
            for text in counts.false_alarms:
                print(f"false alarm ({counts.language}): {text}")
        for text, category in contraindications.missed_categories:
            print(f"missed {category}: {text}")
        for text, category in contraindications.extra_categories:
            print(f"extra {category}: {text}")
        for text in contraindications.false_alarms:
            print(f"contraindication false alarm: {text}")
    if args.write:
        write_doc(table)
        print(f"updated {DOC.relative_to(PROJECT_ROOT)}")
    if args.check and doc_table() != table:
        print(f"{DOC.relative_to(PROJECT_ROOT)} is stale: run "
              "`python -m clinic.safety.measure --write`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
