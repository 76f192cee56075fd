"""Builds ``models/search-terms.json``: the curated content's search terms, in advance.

The action server's English content search needs every topic's text as lemmas
(clinic/nlp/search_terms.py). Computing them here, at build time, with the project's
spaCy pipeline keeps spaCy out of the action server (issue 20). make runs it whenever
content/, clinic.yml, the filter's rules or the spaCy pipeline change; a stale or missing
file costs only speed and memory (the action server then loads spaCy for what is missing).

Run: ``python -m staff.search_terms [--out PATH]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from actions.knowledge import ContentError, english_documents, knowledge_base
from clinic.nlp.search_terms import TERMS_FILE, spacy_terms, write_terms


def content_terms(terms_of: Callable[[str], List[str]]) -> Dict[str, List[str]]:
    """``{text: terms}`` for every text the English index is built from."""
    terms: Dict[str, List[str]] = {}
    for _, body, boosted in english_documents(knowledge_base()):
        for text in (body, boosted):
            if text not in terms:
                terms[text] = terms_of(text)
    return terms


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Writes the file; exit code 1 (with the reason) when the content is invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TERMS_FILE)
    args = parser.parse_args(argv)
    try:
        terms = content_terms(spacy_terms())
    except ContentError as exc:
        print(f"The curated content in content/ is invalid: {exc}", file=sys.stderr)
        return 1
    write_terms(terms, args.out)
    print(f"==> search terms of {len(terms)} content texts -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
