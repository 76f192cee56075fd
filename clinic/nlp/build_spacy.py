"""Builds the project's spaCy pipeline: blank English + lookup lemmatizer + entity ruler.

The entity ruler's patterns come from the ``lookup:`` tables of
``data/nlu/vocabulary.yml`` (label = table name: ``therapy``, ``body_part``, ``symptom``).
Rasa's ``SpacyNLP`` loads the saved pipeline by path (``config.yml``).

Run: ``python -m clinic.nlp.build_spacy [--vocabulary PATH] [--out DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List

import yaml

from clinic.settings import PROJECT_ROOT

DEFAULT_VOCABULARY = PROJECT_ROOT / "data" / "nlu" / "vocabulary.yml"
DEFAULT_OUT = PROJECT_ROOT / "models" / "spacy-clinic"


def _examples(block: str) -> List[str]:
    lines = [line.strip() for line in (block or "").splitlines()]
    return [line[1:].strip() for line in lines if line.startswith("-") and line[1:].strip()]


def read_vocabulary(path: Path) -> Dict[str, List[str]]:
    """Returns ``{entity label: [surface forms]}`` from the vocabulary's lookup tables."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    tables: Dict[str, List[str]] = {}
    for item in data.get("nlu") or []:
        if "lookup" in item:
            tables.setdefault(item["lookup"], []).extend(_examples(item.get("examples", "")))
    if not tables:
        raise ValueError(f"{path}: no 'lookup:' tables found")
    return tables


def read_synonyms(path: Path) -> Dict[str, str]:
    """Returns ``{surface form (lowercase): canonical value}`` from ``synonym:`` entries."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    mapping: Dict[str, str] = {}
    for item in data.get("nlu") or []:
        if "synonym" in item:
            for example in _examples(item.get("examples", "")):
                mapping[example.lower()] = str(item["synonym"])
    return mapping


def build_pipeline(tables: Dict[str, List[str]]):  # -> spacy.Language
    """Creates the pipeline in memory."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data into the pipeline
    ruler = nlp.add_pipe(
        "entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
    )
    patterns = [
        {"label": label, "pattern": form}
        for label, forms in sorted(tables.items())
        for form in sorted(set(forms), key=str.lower)
    ]
    ruler.add_patterns(patterns)
    nlp.meta["name"] = "clinic"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + lookup lemmatizer + clinic entity ruler"
    return nlp


def main(argv: List[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabulary", type=Path, default=DEFAULT_VOCABULARY)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    tables = read_vocabulary(args.vocabulary)
    nlp = build_pipeline(tables)
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    counts = ", ".join(f"{k}: {len(set(v))}" for k, v in sorted(tables.items()))
    print(f"spaCy pipeline saved to {args.out} ({counts})")


if __name__ == "__main__":
    main()
