"""Which FAQ answers a message: sentence-vector similarity, decided at run time (pure).

Every FAQ's question and ways of asking (English, and Spanish when written: ``faq_texts``)
are sentence vectors (the English MiniLM's last layer and the multilingual USE side by side,
``clinic.nlu.multilingual.combined_vectors``: unit vectors, so a dot product is the mean of
the two encoders' cosines). A message is compared with all of them; an FAQ scores its best
wording, whatever its language. The decision (``decide``):

* the best FAQ must reach ``answer_threshold``;
* it must be closer than the nearest training example of every other topic (the therapy
  questions, booking, small talk: ``other_score``) by ``therapy_margin``, so a new FAQ,
  which the intent classifier has never seen, cannot take a therapy question;
* when a second FAQ is within ``choice_margin`` of the first, the visitor chooses ("Did you
  mean A or B?");
* otherwise nothing: the rest of the assistant answers (the intent model, the honest
  fallback).

No training is involved: a new version of the FAQs is a new index (``FaqIndex.build``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from clinic.faq.model import Faq

# Vectors in the store are keyed by this (change it when the encoder or layer changes).
ENCODER_ID = "minilm-l6-v2/layer6+use-multilingual-v3"
ENGLISH_DIMENSION = 384  # MiniLM's half comes first
DIMENSION = ENGLISH_DIMENSION + 512


@dataclass(frozen=True)
class RetrievalSettings:
    """The decision's thresholds (config.yml's FaqRetriever sets them; measured in
    docs/nlu-quality.md)."""

    answer_threshold: float = 0.45
    therapy_margin: float = 0.0
    choice_margin: float = 0.03
    # English (or no-language) messages are compared with MiniLM's half of the vectors only
    # (``query_vector``); there a match through a *Spanish* wording counts only from this
    # similarity on, and below it the FAQ keeps its best English wording's score: MiniLM is
    # English-only and puts any two Spanish sentences close together (measured on the 179
    # Spanish messages of tests/language: docs/staff-guide.md, technical appendix).
    # Spanish messages use the whole vector, multilingual half included, where a Spanish
    # wording is an ordinary one (``settings_for``).
    spanish_threshold: float = 0.8

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "RetrievalSettings":
        """From a component config (missing keys keep their defaults)."""
        defaults = cls()
        return cls(**{name: float(config.get(name, getattr(defaults, name)))
                      for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class FaqMatch:
    """One FAQ and how close its best wording is to the message."""

    name: str
    question: str
    score: float
    wording: str = ""
    # the best wording is one of the Spanish ones; then the FAQ's best English wording too
    spanish: bool = False
    english_score: Optional[float] = None
    english_wording: str = ""

    def counted_as(self, settings: "RetrievalSettings") -> Optional["FaqMatch"]:
        """The match the decision counts: this one, or, when it came through a Spanish
        wording below ``settings.spanish_threshold``, the FAQ's best English wording
        (``None`` when it has none)."""
        if not self.spanish or self.score >= settings.spanish_threshold:
            return self
        if self.english_score is None:
            return None
        return FaqMatch(self.name, self.question, self.english_score, self.english_wording)


@dataclass(frozen=True)
class Decision:
    """``answer`` (one FAQ), ``choose`` (two close FAQs) or ``none``."""

    kind: str
    matches: Tuple[FaqMatch, ...] = ()
    other_score: float = 0.0

    @property
    def confidence(self) -> float:
        """The best FAQ's similarity (0 when nothing matched)."""
        return self.matches[0].score if self.matches else 0.0

    def as_parse_data(self, version: Optional[int]) -> Dict[str, Any]:
        """What goes into the parse result under ``faq`` (no visitor text)."""
        return {
            "decision": self.kind,
            "version": version,
            "candidates": [{"name": m.name, "question": m.question, "score": round(m.score, 4)}
                           for m in self.matches],
            "other_score": round(self.other_score, 4),
        }


def _distinct(texts: Sequence[str]) -> List[str]:
    found: List[str] = []
    seen = set()
    for text in texts:
        text = " ".join(text.split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            found.append(text)
    return found


def faq_texts(faq: Faq) -> List[str]:
    """The texts an FAQ is found by (distinct): its question, every way of asking, then the
    Spanish question and Spanish ways of asking when it has them, all for the same FAQ, so
    a Spanish message can match the Spanish wordings."""
    return _distinct((faq.question, *(p.text for p in faq.asked_as),
                      faq.question_es, *(p.text for p in faq.asked_as_es)))


def spanish_texts(faq: Faq) -> List[str]:
    """Those of ``faq_texts`` that are only Spanish (a Spanish wording that is also an
    English one counts as English)."""
    english = {text.lower() for text in _distinct((faq.question,
                                                   *(p.text for p in faq.asked_as)))}
    return [text for text in _distinct((faq.question_es, *(p.text for p in faq.asked_as_es)))
            if text.lower() not in english]


def faq_wordings(faq: Faq) -> List[str]:
    """The ways of asking among ``faq_texts`` (English and Spanish; the questions, which are
    titles, left out): what the gate's leave-one-out tries."""
    questions = {" ".join(q.split()).lower() for q in (faq.question, faq.question_es)}
    return [text for text in faq_texts(faq) if text.lower() not in questions]


class FaqIndex:
    """The vectors of one FAQ version, ready to be searched."""

    def __init__(self, version: Optional[int], faqs: Sequence[Faq], texts: Sequence[str],
                 owners: Sequence[int], matrix: np.ndarray,
                 spanish: Optional[Sequence[bool]] = None) -> None:
        self.version = version
        self.faqs = tuple(faqs)
        self.texts = tuple(texts)
        self.text_array = np.asarray(self.texts, dtype=object)
        self.owners = np.asarray(owners, dtype=np.int32)
        # which rows are Spanish wordings (``RetrievalSettings.spanish_threshold``)
        self.spanish = (np.asarray(spanish, dtype=bool) if spanish is not None
                        else np.zeros(len(self.texts), dtype=bool))
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1, DIMENSION)
        self.by_name = {faq.name: faq for faq in self.faqs}
        # rows are grouped by FAQ (``build`` appends each FAQ's texts together): where each
        # FAQ's rows start, so each FAQ's best wording is one ``np.maximum.reduceat``
        owners_list = self.owners.tolist()
        if owners_list != sorted(owners_list):
            raise ValueError("FaqIndex: the rows of each FAQ must be next to each other")
        self.starts = np.searchsorted(self.owners, np.arange(len(self.faqs)))
        self.present = np.isin(np.arange(len(self.faqs)), self.owners)

    @classmethod
    def empty(cls) -> "FaqIndex":
        """No FAQs (a fresh store, or before the first load)."""
        return cls(None, (), (), (), np.zeros((0, DIMENSION), dtype=np.float32))

    @classmethod
    def build(cls, version: Optional[int], faqs: Sequence[Faq],
              vectors: Mapping[str, np.ndarray]) -> "FaqIndex":
        """The index of ``faqs``; ``vectors`` must hold a vector for every ``faq_texts``."""
        texts: List[str] = []
        owners: List[int] = []
        spanish: List[bool] = []
        for number, faq in enumerate(faqs):
            only_spanish = set(spanish_texts(faq))
            for text in faq_texts(faq):
                texts.append(text)
                owners.append(number)
                spanish.append(text in only_spanish)
        matrix = (np.stack([np.asarray(vectors[t], dtype=np.float32) for t in texts])
                  if texts else np.zeros((0, DIMENSION), dtype=np.float32))
        return cls(version, faqs, texts, owners, matrix, spanish)

    def __len__(self) -> int:
        return len(self.faqs)

    def matches(self, vector: np.ndarray, limit: int = 3,
                exclude_text: Optional[str] = None) -> List[FaqMatch]:
        """The ``limit`` best FAQs for a unit ``vector``, best first (one entry per FAQ).

        ``exclude_text`` leaves one wording out (the gate's leave-one-out check).
        """
        if not len(self.texts):
            return []
        scores = self.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
        if exclude_text is not None:
            scores = np.where(self.text_array == exclude_text, -2.0, scores)
        best = np.full(len(self.faqs), -2.0, dtype=np.float32)
        rows_of = self.present.nonzero()[0]
        best[rows_of] = np.maximum.reduceat(scores, self.starts[rows_of])  # each FAQ's best
        matches: List[FaqMatch] = []
        top = (np.argpartition(-best, limit - 1)[:limit] if len(best) > limit
               else np.arange(len(best)))
        for owner in top[np.argsort(-best[top])]:
            if best[owner] <= -2.0:
                break
            start = int(self.starts[owner])
            end = int(self.starts[owner + 1]) if owner + 1 < len(self.starts) else len(scores)
            row = start + int(np.argmax(scores[start:end]))
            faq = self.faqs[int(owner)]
            if not self.spanish[row]:
                matches.append(FaqMatch(faq.name, faq.question, float(best[owner]),
                                        self.texts[row]))
                continue
            english = np.where(self.spanish[start:end], -2.0, scores[start:end])
            english_row = start + int(np.argmax(english))
            english_score = float(english[english_row - start])
            matches.append(FaqMatch(
                faq.name, faq.question, float(best[owner]), self.texts[row], spanish=True,
                english_score=english_score if english_score > -2.0 else None,
                english_wording=self.texts[english_row] if english_score > -2.0 else ""))
        return matches


def decide(matches: Sequence[FaqMatch], other_score: float,
           settings: RetrievalSettings = RetrievalSettings()) -> Decision:
    """Answer, offer a choice, or leave the message to the rest of the assistant (pure).

    A match through a Spanish wording below ``settings.spanish_threshold`` counts with the
    FAQ's best English wording instead (``FaqMatch.counted_as``)."""
    counted = (m.counted_as(settings) for m in matches)
    matches = sorted((m for m in counted if m is not None), key=lambda m: -m.score)
    if not matches:
        return Decision("none", (), other_score)
    best = matches[0]
    if best.score < settings.answer_threshold or best.score < other_score + settings.therapy_margin:
        return Decision("none", tuple(matches[:2]), other_score)
    close = [m for m in matches[1:] if best.score - m.score < settings.choice_margin
             and m.score >= settings.answer_threshold]
    if close:
        return Decision("choose", (best, close[0]), other_score)
    return Decision("answer", (best,), other_score)


def nearest_other(vector: np.ndarray, others: np.ndarray) -> float:
    """The similarity of the nearest non-FAQ training example (0 when there are none)."""
    if others.size == 0:
        return 0.0
    return float(np.max(others @ np.asarray(vector, dtype=np.float32).reshape(-1)))


def query_vector(vector: np.ndarray, spanish: bool) -> np.ndarray:
    """The vector a message is compared with: the whole combined vector for a Spanish
    message; for any other, MiniLM's half alone, scaled so that its dot product with a
    combined row is exactly MiniLM's cosine (the English decision, measured and tuned on
    MiniLM: docs/nlu-quality.md, "Staff FAQs")."""
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    if spanish:
        return vector
    # both halves of a combined vector carry a factor 1/sqrt(2): twice MiniLM's half dotted
    # with a combined row gives MiniLM's own cosine
    english = np.zeros_like(vector)
    english[:ENGLISH_DIMENSION] = vector[:ENGLISH_DIMENSION] * np.float32(2.0)
    return english


def settings_for(settings: RetrievalSettings, spanish: bool) -> RetrievalSettings:
    """A Spanish message's settings: its Spanish wordings count like any other."""
    if not spanish:
        return settings
    return RetrievalSettings(settings.answer_threshold, settings.therapy_margin,
                             settings.choice_margin, settings.answer_threshold)


def decide_message(index: "FaqIndex", vector: np.ndarray, others: np.ndarray,
                   settings: RetrievalSettings, spanish: bool,
                   exclude_text: Optional[str] = None) -> Decision:
    """The running assistant's decision for one message's combined ``vector``."""
    query = query_vector(vector, spanish)
    return decide(index.matches(query, exclude_text=exclude_text),
                  nearest_other(query, others), settings_for(settings, spanish))
