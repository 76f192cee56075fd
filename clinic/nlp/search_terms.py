"""The English search terms of a text: lemmas without stop words (pure, no spaCy import).

The content search of the action server (actions/search.py) compares a visitor's words
with the curated content's as lemmas ("points" = "point"). The lemmas come from the
project's spaCy pipeline, but the action server does not load spaCy (56 MB of its
memory, issue 20). Instead:

* the Rasa server, which has the pipeline loaded anyway, adds each message's terms to its
  parse data (``parse_data["search_terms"]``, clinic/nlu/search_terms.py);
* the content's terms are computed at build time into ``models/search-terms.json``
  (``python -m staff.search_terms``, run by make);
* whatever is in neither (a model trained before this existed, content edited since the
  build) is lemmatized by loading spaCy after all (actions/search.py): slower, same terms.

Every path lower-cases the text first (Rasa's SpacyNLP does, ``case_sensitive: false``)
and keeps the same words: ``terms_from_tokens`` is the one filter.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import (Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional,
                    Sequence, Tuple)

from clinic.nlp.build_spacy import DEFAULT_OUT as SPACY_MODEL
from clinic.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

#: Key of a message's terms in its parse data (``tracker.latest_message["search_terms"]``).
PARSE_KEY = "search_terms"
#: The content's terms, written by ``python -m staff.search_terms``.
TERMS_FILE = PROJECT_ROOT / "models" / "search-terms.json"
_HERE = Path(__file__).resolve().parent

# Question words that do say what a visitor is after ("where" -> the location topic).
KEEP_WORDS = frozenset({"where"})
# The project's own stop words, beside spaCy's (also used by the fallback tokenizer).
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been being before
    between both but by can could did do does doing done for from get got had has have
    having he her here him his how i if in into is it its itself just me might more most
    my no nor not now of off on once only or other our out over own please same she should
    so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself tell know want like need im i'm ive i've whats what's
    thing things something really much many lot kind sort anything""".split()
) - KEEP_WORDS
# Chat filler that says nothing about the topic ("hi, I was reading your website and...").
FILLER_WORDS = frozenset(
    """hi hello hey thanks thank ok okay hmm um website site page read reading wonder
    wondering actually basically curious question ask asking explain exactly quick little
    bit maybe probably guess look looking hear heard say said think anyway pls plz wat
    wats whats wht u ur r ya""".split()
)
# Where spaCy's lookup lemmatizer goes wrong for our purposes ("number" -> "numb").
LEMMA_FIXES = {"number": "number", "numbers": "number"}


def _word_list(name: str) -> FrozenSet[str]:
    lines = (_HERE / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


@lru_cache(maxsize=1)
def spacy_stop_words_en() -> FrozenSet[str]:
    """spaCy's English stop words (a copy: clinic/nlp/stop_words_en.txt)."""
    return _word_list("stop_words_en.txt")


@lru_cache(maxsize=1)
def spacy_stop_words_es() -> FrozenSet[str]:
    """spaCy's Spanish stop words (a copy: clinic/nlp/stop_words_es.txt)."""
    return _word_list("stop_words_es.txt")


@lru_cache(maxsize=1)
def stop_words() -> FrozenSet[str]:
    """Every word the English search ignores."""
    return (spacy_stop_words_en() | STOP_WORDS | FILLER_WORDS) - KEEP_WORDS


def terms_from_tokens(tokens: Iterable[Tuple[str, str]]) -> List[str]:
    """The search terms of ``(lower-case word, lemma)`` pairs, in order.

    Drops words without a letter, stop words (as written or as lemma) and one-letter
    lemmas; applies ``LEMMA_FIXES``.
    """
    ignored = stop_words()
    terms = []
    for lower, lemma in tokens:
        if not any(ch.isalpha() for ch in lower) or lower in ignored:
            continue
        term = LEMMA_FIXES.get(lower) or lemma.lower() or lower
        if term in ignored or len(term) < 2:
            continue
        terms.append(term)
    return terms


def terms_of_doc(doc: Any) -> List[str]:
    """The search terms of a spaCy ``Doc`` of lower-cased text."""
    return terms_from_tokens((token.lower_, token.lemma_) for token in doc)


def spacy_terms(model_path: Path = SPACY_MODEL) -> Callable[[str], List[str]]:
    """The terms of a text with the project's spaCy pipeline, loaded now (as the Rasa
    server makes them: of the lower-cased text). Raises ImportError / OSError when spaCy
    or the pipeline is missing."""
    import spacy  # only the builder and the action server's fallback get here

    nlp = spacy.load(str(model_path))
    return lambda text: terms_of_doc(nlp(text.lower()))


def parse_terms(value: Any) -> Optional[List[str]]:
    """The terms of a message's parse data, or None when absent or malformed."""
    if isinstance(value, list) and all(isinstance(term, str) for term in value):
        return list(value)
    return None


def rules_fingerprint() -> str:
    """Changes whenever a term could come out differently: the filter's word lists and
    the versions of spaCy and its lookup tables."""
    versions = []
    for package in ("spacy", "spacy-lookups-data"):
        try:
            versions.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    parts = versions + sorted(stop_words()) + sorted(f"{k}>{v}" for k, v in LEMMA_FIXES.items())
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def write_terms(terms: Mapping[str, Sequence[str]], path: Path = TERMS_FILE) -> None:
    """Writes ``{text: terms}`` with the rules' fingerprint (atomically: a reader never
    sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"rules": rules_fingerprint(), "terms": {k: list(v) for k, v in terms.items()}}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".search-terms-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, sort_keys=True)
    os.replace(tmp, path)


def read_terms(path: Path = TERMS_FILE) -> Dict[str, List[str]]:
    """``{text: terms}`` from ``path``; empty when the file is missing, unreadable or made
    with other rules (then every text is lemmatized with spaCy instead)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("%s unreadable (%s): content terms via spaCy", path.name, exc)
        return {}
    if not isinstance(payload, dict) or payload.get("rules") != rules_fingerprint():
        logger.warning("%s made with other rules: content terms via spaCy", path.name)
        return {}
    terms = payload.get("terms")
    if not isinstance(terms, dict):
        return {}
    return {text: value for text, value in terms.items() if parse_terms(value) is not None}
