"""Searching the curated content when the NLU is unsure (pure, no Rasa).

A small BM25 index over every topic's title, quick-reply label, texts and keywords, built
once. Words are reduced to lemmas of the project's own spaCy pipeline without loading it
here (clinic/nlp/search_terms.py): the content's terms are computed at build time and a
message's come in its parse data; only what is in neither is lemmatized here (or, without
spaCy, cut with a simple lowercase tokenizer). Unknown words close to a known one
("tirgger") are corrected.

A second index over the Spanish texts (``answer_es``, ..., ``keywords_es``, plus the English
keywords for Spanglish) serves Spanish conversations; ``spanish_tokens`` folds accents
("qué" = "que"), drops Spanish and English function words and strips plural and gender
endings ("músculos", "muscular" -> "muscul", "muscular").

``decide`` turns a search result (plus what the intent classifier guessed) into one of:
answer (strong match), "did you mean" (close) or "I don't know" (nothing relevant). How
much of the question the content covers is what keeps unrelated questions ("write me a
poem") from ever getting a therapy answer.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from clinic.nlp.search_terms import (
    FILLER_WORDS,
    SPACY_MODEL,
    STOP_WORDS,
    read_terms,
    spacy_stop_words_es,
    spacy_terms,
)

logger = logging.getLogger(__name__)

Tokenizer = Callable[[str], List[str]]

# BM25 parameters (the usual defaults).
K1 = 1.5
B = 0.75
# Title, label and keywords say what a topic is about: they count this many times.
FIELD_BOOST = 2
# Share of the question's (IDF-weighted) words the content knows.
STRONG_COVERAGE = 0.6
CLOSE_COVERAGE = 0.5
# A strong match must be clearly ahead of the runner-up.
STRONG_RATIO = 1.35
MIN_STRONG_SCORE = 4.0
# Candidates for "did you mean" must score at least this share of the best one.
CLOSE_SHARE = 0.5
MAX_SUGGESTIONS = 3
# The intent classifier's guesses below the fallback threshold still help: several intents
# leading to one topic add up (DIRECT), and a guess the search agrees with is answered.
DIRECT_CONFIDENCE = 0.6
AGREE_CONFIDENCE = 0.2
AGREE_COVERAGE = 0.3
SUGGEST_CONFIDENCE = 0.4
# The search "supports" a guess that scores at least this share of its best hit.
SUPPORT_SHARE = 0.85
FUZZY_CUTOFF = 0.84
FUZZY_MIN_LENGTH = 5

_SUFFIXES = ("ies", "ing", "ed", "es", "s")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def simple_tokens(text: str) -> List[str]:
    """Lowercase words without stop words, with a crude suffix stripping."""
    tokens = []
    for word in _WORD.findall(text.lower()):
        word = word.replace("’", "'")
        if word in STOP_WORDS or word in FILLER_WORDS or len(word) < 2 or word.isdigit():
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
                break
        tokens.append(word)
    return tokens


class LemmaTokenizer:
    """Lemmas without stop words (clinic/nlp/search_terms.py) for the English index.

    The content's texts are looked up in the terms computed at build time
    (``models/search-terms.json``); a visitor's message brings its terms in the parse
    data (``search`` is given them). Only a text found in neither is lemmatized here, with
    the project's spaCy pipeline, loaded then (once per process); without it, with
    ``simple_tokens``.
    """

    def __init__(
        self, known: Optional[Mapping[str, List[str]]] = None, model_path: Path = SPACY_MODEL
    ) -> None:
        self._known = dict(known or {})
        self._model_path = model_path
        self._fallback: Optional[Tokenizer] = None
        self.lemmatized = 0  # texts that needed spaCy (the tests read it)

    def __call__(self, text: str) -> List[str]:
        known = self._known.get(text)
        if known is not None:
            return list(known)
        self.lemmatized += 1
        if self._fallback is None:
            self._fallback = _spacy_tokenizer(self._model_path)
        return self._fallback(text)


def _spacy_tokenizer(model_path: Path) -> Tokenizer:
    try:
        terms = spacy_terms(model_path)
    except (ImportError, OSError, ValueError) as exc:
        logger.warning(
            "spaCy pipeline unavailable (%s); search uses simple tokens", type(exc).__name__
        )
        return simple_tokens
    logger.info("spaCy loaded for search terms not computed in advance")
    return terms


# Spanish words spaCy counts as stop words that do say what a visitor is after.
_KEEP_WORDS_ES = frozenset(
    "donde diferente diferentes diferencia igual largo mejor lado manera sesion".split()
)
# Spanish chat filler ("hola, quisiera saber...").
_FILLER_WORDS_ES = frozenset(
    """hola buenas buenos gracias oiga oye disculpe perdon pregunta preguntar duda dudas
    quiero quisiera queria gustaria saber explicar expliqueme explicame explica digame
    dime cuenteme cuentame favor porfa pagina web sitio leyendo leer estaba ok okay
    pues bueno entonces exactamente rapido rapida poquito algo cosa cosas eh este tiempo
    tipo forma ejemplo gente persona personas hablar necesito necesita necesitar cita citas
    reservar agendar""".split()
)
_WORD_ES = re.compile(r"[a-z0-9]+")


def fold_accents(text: str) -> str:
    """Lowercase without accents or tildes ("Qué músculo" -> "que musculo")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _spanish_stop_words() -> frozenset:
    words = {fold_accents(w) for w in spacy_stop_words_es()} | _FILLER_WORDS_ES
    return frozenset((words - _KEEP_WORDS_ES) | STOP_WORDS | FILLER_WORDS)


def _spanish_stem(word: str) -> str:
    if len(word) > 4 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 4 and word[-1] in "aeo":
        word = word[:-1]
    return word


def spanish_tokens(text: str) -> List[str]:
    """Spanish (and Spanglish) words without accents, function words, plural and gender
    endings: the tokens of the Spanish index."""
    stop_words = _spanish_stop_words()
    tokens = []
    for word in _WORD_ES.findall(fold_accents(text)):
        if word in stop_words or len(word) < 2 or word.isdigit():
            continue
        tokens.append(_spanish_stem(word))
    return tokens


def default_tokenizer() -> LemmaTokenizer:
    """The English index's tokenizer, with the content's terms computed at build time."""
    return LemmaTokenizer(read_terms())


@dataclass(frozen=True)
class Hit:
    """A topic and how well it matches the question."""

    topic: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits and how much of the question the content knows (0..1)."""

    hits: Tuple[Hit, ...]
    coverage: float

    @property
    def top(self) -> Optional[Hit]:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class Decision:
    """What to do with an unclear question: ``answer``, ``clarify`` or ``unknown``."""

    kind: str
    topics: Tuple[str, ...] = ()


ANSWER, CLARIFY, UNKNOWN = "answer", "clarify", "unknown"


class TopicIndex:
    """BM25 over the topics' text; built once, then searched per message."""

    def __init__(self, documents: Dict[str, Tuple[str, str]], tokenizer: Tokenizer) -> None:
        """Indexes ``{topic id: (body text, boosted text)}``."""
        self._tokenize = tokenizer
        self._docs: Dict[str, Counter] = {}
        for topic_id, (body, boosted) in documents.items():
            tokens = tokenizer(body) + tokenizer(boosted) * FIELD_BOOST
            self._docs[topic_id] = Counter(tokens)
        self._lengths = {tid: sum(c.values()) for tid, c in self._docs.items()}
        count = len(self._docs) or 1
        self._avg_length = (sum(self._lengths.values()) / count) or 1.0
        frequency: Counter = Counter()
        for counts in self._docs.values():
            frequency.update(counts.keys())
        self._idf = {
            term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._vocabulary = sorted(self._idf)

    @property
    def vocabulary(self) -> Sequence[str]:
        """Every indexed term."""
        return self._vocabulary

    def _correct(self, token: str) -> str:
        if token in self._idf or len(token) < FUZZY_MIN_LENGTH:
            return token
        close = difflib.get_close_matches(token, self._vocabulary, n=1, cutoff=FUZZY_CUTOFF)
        return close[0] if close else token

    def query_terms(self, text: str, tokens: Optional[Sequence[str]] = None) -> List[str]:
        """The question's terms as the index sees them (lemmas, typos corrected).

        ``tokens``: the text's terms when already known (a message's parse data);
        otherwise the index's tokenizer makes them.
        """
        tokens = self._tokenize(text) if tokens is None else tokens
        return [self._correct(token) for token in tokens]

    def search(self, text: str, tokens: Optional[Sequence[str]] = None) -> SearchResult:
        """Ranks topics for ``text`` (``tokens`` as for ``query_terms``)."""
        terms = list(dict.fromkeys(self.query_terms(text, tokens)))
        if not terms:
            return SearchResult(hits=(), coverage=0.0)
        weights = {t: self._idf.get(t, self._unknown_idf) for t in terms}
        known = sum(w for t, w in weights.items() if t in self._idf)
        coverage = known / sum(weights.values())
        scores: Dict[str, float] = {}
        for topic_id, counts in self._docs.items():
            norm = K1 * (1 - B + B * self._lengths[topic_id] / self._avg_length)
            score = 0.0
            for term in terms:
                tf = counts.get(term, 0)
                if tf:
                    score += self._idf[term] * tf * (K1 + 1) / (tf + norm)
            if score > 0:
                scores[topic_id] = score
        hits = tuple(
            Hit(tid, round(s, 4))
            for tid, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        return SearchResult(hits=hits, coverage=round(coverage, 4))


def decide(
    result: SearchResult,
    classifier_topic: Optional[str] = None,
    classifier_confidence: float = 0.0,
) -> Decision:
    """Answer, ask "did you mean", or admit not knowing.

    Args:
        result: the content search for the visitor's message.
        classifier_topic: the topic the intent classifier's (sub-threshold) guesses lead
            to, if the message is a therapy question at all.
        classifier_confidence: the summed confidence of the intents leading to it.
    """
    hits = result.hits
    if classifier_topic is not None and classifier_confidence >= DIRECT_CONFIDENCE:
        return Decision(ANSWER, (classifier_topic,))
    scores = {hit.topic: hit.score for hit in hits}
    supported = (
        classifier_topic is not None
        and bool(hits)
        and scores.get(classifier_topic, 0.0) >= SUPPORT_SHARE * hits[0].score
    )
    agrees = supported and (
        (classifier_confidence >= AGREE_CONFIDENCE and result.coverage >= AGREE_COVERAGE)
        or classifier_confidence >= SUGGEST_CONFIDENCE
    )
    if agrees and classifier_topic is not None:
        return Decision(ANSWER, (classifier_topic,))
    if hits and result.coverage >= CLOSE_COVERAGE:
        top = hits[0]
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        clear_lead = top.score >= STRONG_RATIO * runner_up and top.score >= MIN_STRONG_SCORE
        if result.coverage >= STRONG_COVERAGE and clear_lead:
            return Decision(ANSWER, (top.topic,))
        candidates = [h.topic for h in hits if h.score >= CLOSE_SHARE * top.score]
        if classifier_topic and classifier_confidence >= AGREE_CONFIDENCE:
            candidates.insert(0, classifier_topic)
        return Decision(CLARIFY, tuple(dict.fromkeys(candidates))[:MAX_SUGGESTIONS])
    if classifier_topic and classifier_confidence >= SUGGEST_CONFIDENCE:
        return Decision(CLARIFY, (classifier_topic,))
    return Decision(UNKNOWN)


def build_index(documents: Iterable[Tuple[str, str, str]], tokenizer: Tokenizer) -> TopicIndex:
    """Builds a ``TopicIndex`` from ``(topic id, body text, boosted text)`` triples."""
    return TopicIndex({tid: (body, boosted) for tid, body, boosted in documents}, tokenizer)
