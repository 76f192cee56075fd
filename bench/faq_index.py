"""The FAQ index at clinic scale and beyond: 500 FAQs x 10 ways of asking (issue 16).

``measure_faq_index()`` generates 500 synthetic but varied FAQs (a question and 10 ways of
asking each, from templates and topic words: 5,500 indexed texts) and a scratch SQLite FAQ
store, then measures:

* the publish with every vector encoded from scratch, in parts: encoding (the project's
  MiniLM encoder, NumPy backend, as ``make retrain`` runs it), the gate of
  ``staff.faq.gate`` on 500 FAQs (its verdict on synthetic FAQs is not the point), and the
  write (vectors + version); no target;
* the server-side index build from the store (``LiveFaqs.refresh()``, vectors already
  stored, median of 3 fresh loads; target <= 5 s);
* the lookup per message, as ``FaqRetriever.process`` does it (``FaqIndex.matches`` +
  ``decide`` + ``nearest_other`` against the trained model's other-topic vectors), the mean
  over 1,000 synthetic visitor messages (target <= 2 ms);
* the extra memory of one loaded index (``tracemalloc``: what ``refresh`` allocates and
  keeps; target <= 50 MB).

It also reads the last full training time from ``var/last-train.json`` (written by
``make train``; nothing is trained here). Called by ``make bench`` (``bench.run
--faq-cycle``) and on its own: ``python -m bench.faq_index``.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from clinic.faq.live import LiveFaqs
from clinic.faq.model import Faq, Phrasing
from clinic.faq.retrieval import ENCODER_ID, decide_message, faq_texts
from clinic.faq.store import FaqStore
from clinic.settings import PROJECT_ROOT
from staff.faq.publish import MODEL, Publisher, Vectors, model_others, retrieval_settings

FAQS, WORDINGS, MESSAGES = 500, 10, 1000
BUILD_TARGET_S, LOOKUP_TARGET_MS, MEMORY_TARGET_MB = 5.0, 2.0, 50.0
TRAIN_RECORD = PROJECT_ROOT / "var" / "last-train.json"

THINGS = (
    "bike parking", "a phone charger", "a quiet waiting area", "herbal tea", "gift wrapping",
    "student discounts", "senior discounts", "a referral bonus", "loyalty points",
    "monthly memberships", "group bookings", "corporate accounts", "a towel service",
    "hot stone add-ons", "aromatherapy oils", "unscented lotion", "a shower", "lockers",
    "a baby changing table", "sign language interpreting", "large print forms",
    "online intake forms", "paper invoices", "text reminders", "email reminders",
    "a waitlist", "same day slots", "video consultations", "a home exercise sheet",
    "a printed receipt", "cash payment", "contactless payment", "payment plans",
    "a deposit", "a late arrival grace period", "a chaperone", "a second therapist",
    "a heated table", "a pregnancy pillow", "extra pillows", "a fan in the room",
    "background music", "silence during the session", "a blanket", "drinking water",
    "a coat rack", "umbrella storage", "stroller space", "a bench outside",
    "a covered entrance",
)
CONTEXTS = (
    "for new clients", "on weekends", "during public holidays", "for teenagers",
    "for students", "after 6 pm", "at the second location", "for groups of four",
    "in the summer months", "for returning clients",
)
WORDING_TEMPLATES = (
    "do you have {t} {c}", "is there {t} {c}?", "{t} {c}?", "can I get {t} {c}",
    "I was wondering about {t} {c}", "any info on {t} {c} pls", "tell me about {t} {c}",
    "how does {t} work {c}", "what's your policy on {t} {c}", "are you offering {t} {c}",
    "quick question about {t} {c}", "could you explain {t} {c}", "is {t} available {c}",
    "need {t} {c}, possible?", "hey, {t} {c} - yes or no?", "Would it be possible to have "
    "{t} {c}?",
)
MESSAGE_TEMPLATES = (
    "hi, quick one: {t} {c}?", "my friend asked me whether you do {t} {c}",
    "before I book, I need to know about {t} {c}", "do u guys do {t} {c}",
    "Is it true that there is {t} {c}?", "wondering if {t} is a thing {c}",
    "what's the deal with {t} {c}", "ok so {t} {c}, how does that work",
)


@dataclass(frozen=True)
class FaqIndexResult:
    """The figures of one measurement."""

    faqs: int
    texts: int  # indexed texts (questions + ways of asking)
    encode_s: float
    gate_s: float
    write_s: float
    build_s: float  # median of the fresh loads
    lookup_ms: float  # mean per message
    messages: int
    decisions: Dict[str, int]  # answer / choose / none over the messages
    others: int  # the model's other-topic vectors compared with
    memory_mb: float  # kept by one loaded index
    peak_mb: float  # at most, during the load
    training: Optional[Dict[str, Any]]  # var/last-train.json

    @property
    def publish_s(self) -> float:
        """The whole publish with every vector encoded from scratch."""
        return self.encode_s + self.gate_s + self.write_s


def last_training() -> Optional[Dict[str, Any]]:
    """The last ``make train`` (seconds, kind, finished), or ``None`` when not recorded."""
    try:
        return dict(json.loads(TRAIN_RECORD.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _vary(text: str, rng: random.Random) -> str:
    """Typing habits: a capital letter, a missing question mark, a "please"."""
    roll = rng.random()
    if roll < 0.3:
        text = text[:1].upper() + text[1:]
    elif roll < 0.45:
        text = text.rstrip("?")
    elif roll < 0.55:
        text = text.rstrip("?") + " please"
    return text


def synthetic_faqs(count: int = FAQS, wordings: int = WORDINGS, seed: int = 16) -> List[Faq]:
    """``count`` FAQs, each on its own topic (a thing in a context), ``wordings`` ways each."""
    rng = random.Random(seed)
    topics = [(t, c) for c in CONTEXTS for t in THINGS][:count]
    faqs = []
    for number, (thing, context) in enumerate(topics):
        templates = rng.sample(WORDING_TEMPLATES, wordings)
        asked = [_vary(tpl.format(t=thing, c=context), rng) for tpl in templates]
        faqs.append(Faq(
            name=f"synthetic_{number:03d}", path=Path("faq") / f"synthetic_{number:03d}.yml",
            question=f"Do you offer {thing} {context}?",
            asked_as=tuple(Phrasing(text, 0) for text in asked),
            answer=f"Our front desk can tell you about {thing} {context}. {{clinic_contact}}",
        ))
    return faqs


def synthetic_messages(count: int = MESSAGES, seed: int = 61) -> List[str]:
    """Visitor messages in wordings no FAQ lists, on random topics."""
    rng = random.Random(seed)
    return [_vary(rng.choice(MESSAGE_TEMPLATES).format(t=rng.choice(THINGS),
                                                       c=rng.choice(CONTEXTS)), rng)
            for _ in range(count)]


def _no_encoding(texts: Sequence[str]) -> np.ndarray:
    raise RuntimeError(f"{len(texts)} texts had no stored vector: the build would encode")


def _fresh_live(url: str) -> LiveFaqs:
    """A server's ``LiveFaqs`` before its first load, its database connection open."""
    live = LiveFaqs(FaqStore(url), _no_encoding)
    live.store.live_version_number()
    return live


def _publish(store: FaqStore, faqs: Sequence[Faq]) -> Dict[str, float]:
    """Encodes every text, stores the vectors, runs the gate (which reads them back, as a
    later publish does) and writes the version; seconds of each part."""
    vectors = Vectors(store)
    started = time.perf_counter()
    table = vectors.for_texts([text for faq in faqs for text in faq_texts(faq)])
    encoded = time.perf_counter()
    store.save_vectors(ENCODER_ID, table)
    saved = time.perf_counter()
    Publisher(store, model=MODEL).gate(faqs, None, vectors)
    gated = time.perf_counter()
    store.publish(faqs, "bench", [f"{len(faqs)} synthetic FAQs"], base=None)
    return {"encode_s": encoded - started, "gate_s": gated - saved,
            "write_s": saved - encoded + time.perf_counter() - gated}


def measure_faq_index(count: int = FAQS, wordings: int = WORDINGS,
                      messages: int = MESSAGES) -> FaqIndexResult:
    """Publishes ``count`` synthetic FAQs into a scratch store and measures the index."""
    faqs = synthetic_faqs(count, wordings)
    with tempfile.TemporaryDirectory(prefix="clinic-faq-index-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'faqs.db'}"
        store = FaqStore(url)
        parts = _publish(store, faqs)
        builds = []
        for _ in range(3):
            live = _fresh_live(url)
            started = time.perf_counter()
            live.refresh()
            builds.append(time.perf_counter() - started)
            live.store.close()
        index = live.index
        texts = synthetic_messages(messages)
        vectors = Vectors(store).encode(texts)
        others, settings = model_others(MODEL), retrieval_settings()
        for vector in vectors[:50]:  # warm-up, untimed
            decide_message(index, vector, others, settings, spanish=False)
        kinds: Counter = Counter()
        started = time.perf_counter()
        for vector in vectors:
            decision = decide_message(index, vector, others, settings, spanish=False)
            kinds[decision.kind] += 1
        lookup_ms = (time.perf_counter() - started) * 1000 / len(texts)
        memory, peak = _index_memory(url)
        store.close()
    return FaqIndexResult(
        faqs=len(faqs), texts=len(index.texts), build_s=statistics.median(builds),
        lookup_ms=lookup_ms, messages=len(texts), decisions=dict(kinds), others=len(others),
        memory_mb=memory, peak_mb=peak, training=last_training(), **parts)


def _index_memory(url: str) -> Tuple[float, float]:
    """MB that one loaded index keeps, and the peak while loading (``tracemalloc``)."""
    live = _fresh_live(url)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        live.refresh()
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    live.store.close()
    return (kept - before) / 1e6, (peak - before) / 1e6


def table_rows(result: FaqIndexResult) -> List[str]:
    """docs/benchmarks.md's rows for the index."""
    return [
        f"| {result.faqs} FAQs × {WORDINGS} ways of asking ({result.texts:,} texts, synthetic):"
        f" publish with every vector encoded from scratch | {result.publish_s:.1f} s "
        f"(encoding {result.encode_s:.1f} s, gate {result.gate_s:.1f} s, write "
        f"{result.write_s:.1f} s) |",
        "| … server-side index build from the store (`LiveFaqs.refresh()`, median of 3) | "
        f"{result.build_s:.2f} s (target ≤ {BUILD_TARGET_S:.0f} s) |",
        "| … lookup per message (matches + decide + nearest_other against "
        f"{result.others:,} other-topic vectors; mean of {result.messages:,}) | "
        f"{result.lookup_ms:.2f} ms (target ≤ {LOOKUP_TARGET_MS:.0f} ms) |",
        "| … extra memory of the loaded index (tracemalloc: kept / peak while loading) | "
        f"{result.memory_mb:.0f} / {result.peak_mb:.0f} MB (target ≤ "
        f"{MEMORY_TARGET_MB:.0f} MB) |",
    ]


if __name__ == "__main__":
    measured = measure_faq_index()
    print("\n".join(table_rows(measured)))
    print(f"decisions on the messages: {measured.decisions}")
    train = measured.training
    print("full training (last `make train`): " + (
        f"{train['seconds']:.0f} s ({train.get('kind')}, {train.get('finished')})"
        if train else "not recorded"))
