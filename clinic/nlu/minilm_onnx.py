"""MiniLM's six transformer layers as one ONNX graph, run by onnxruntime.

Why (issue 20, docs/benchmarks.md "MiniLM through onnxruntime"): a visitor message is one
sentence of about a dozen tokens, so each of the encoder's 36 matrix products is a thin
one. NumPy's OpenBLAS took 0.47 ms for a 12x384 by 384x1536 product on the 2-core machine,
TensorFlow's eager ops added their own per-call cost on top; onnxruntime's kernels took
0.13 ms for the same product, and running the whole stack of layers as one graph removes
the Python round trip between the 100-odd small operations.

The graph is built in memory from the same safetensors weights that
:class:`clinic.nlu.minilm.MiniLMEncoder` reads (nothing new on disk, no download); the
embeddings, the mean pooling and the normalisation stay in NumPy. It computes exactly
what ``MiniLMEncoder._forward`` computes (a unit test compares the vectors), with ONNX's
own LayerNormalization, Softmax and Erf. Only the layers up to the last one asked for
are run (onnxruntime evaluates just what the requested outputs need).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

OPSET = 17  # LayerNormalization is in the default domain from opset 17
IR_VERSION = 8  # what onnxruntime 1.23 reads with an opset-17 graph
THREADS = 1  # one core per server process: the other core serves the other processes


def use_every_core() -> None:
    """Sessions made from now on use every core: for training, which encodes the training
    examples in batches and runs alone (3,874 texts: 6.0 s with one thread, 3.4 s with
    two on the 2-core machine). Servers keep ``THREADS``."""
    global THREADS
    THREADS = os.cpu_count() or 1


def available() -> bool:
    """True when onnxruntime and onnx (to build the graph) can both be imported."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _graph_bytes(encoder: Any) -> bytes:
    """The serialised ONNX model of ``encoder``'s layers (a loaded
    :class:`clinic.nlu.minilm.MiniLMEncoder`, not imported: minilm imports this module).

    Inputs ``states`` (batch, tokens, hidden; embeddings already normalised) and ``bias``
    (batch, 1, 1, tokens; 0 or -1e9); outputs ``layer_1`` ... ``layer_N`` (batch, tokens,
    hidden)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: List[Any] = []
    weights: List[Any] = []
    head = encoder.hidden // encoder.heads

    def const(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    split_shape = const("split_shape", np.array([0, 0, encoder.heads, head], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, encoder.hidden], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    root2 = const("root2", np.array(np.sqrt(2.0), dtype=np.float32))

    def node(op: str, inputs: Sequence[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, list(inputs), [output], **attributes))
        return output

    def linear(x: str, w: Any, name: str) -> str:
        kernel, bias = w
        product = node("MatMul", [x, const(f"{name}.w", kernel)], f"{name}.mm")
        return node("Add", [product, const(f"{name}.b", bias)], name)

    def norm(x: str, w: Any, name: str) -> str:
        gamma, beta = w
        return node("LayerNormalization", [x, const(f"{name}.g", gamma), const(f"{name}.b", beta)],
                    name, axis=-1, epsilon=encoder.eps)

    x = "states"
    outputs = []
    for number, layer in enumerate(encoder.layers, start=1):
        p = f"l{number}"
        q, k, v = (
            node("Reshape", [linear(x, w, f"{p}.{n}"), split_shape], f"{p}.{n}.heads")
            for n, w in (("q", layer.query), ("k", layer.key), ("v", layer.value))
        )
        q = node("Transpose", [q], f"{p}.qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], f"{p}.kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], f"{p}.vt", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled")
        probs = node("Softmax", [node("Add", [scores, "bias"], f"{p}.masked")], f"{p}.probs",
                     axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], f"{p}.ctx")], f"{p}.ctxt",
                       perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merge_shape], f"{p}.merged")
        attended = linear(context, layer.attention_out, f"{p}.ao")
        x = norm(node("Add", [x, attended], f"{p}.res1"), layer.attention_norm, f"{p}.n1")
        inner = linear(x, layer.intermediate, f"{p}.up")
        # BERT's exact GELU: x * 0.5 * (1 + erf(x / sqrt(2)))
        erf = node("Erf", [node("Div", [inner, root2], f"{p}.scaled_up")], f"{p}.erf")
        gelu = node("Mul", [node("Mul", [inner, half], f"{p}.halfx"),
                            node("Add", [erf, one], f"{p}.erf1")], f"{p}.gelu")
        down = linear(gelu, layer.output, f"{p}.down")
        x = norm(node("Add", [x, down], f"{p}.res2"), layer.output_norm, f"layer_{number}")
        outputs.append(x)

    dims = ["batch", "tokens", encoder.hidden]
    graph = helper.make_graph(
        nodes, "minilm_layers",
        [helper.make_tensor_value_info("states", TensorProto.FLOAT, dims),
         helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", 1, 1, "tokens"])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, dims) for name in outputs],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model.SerializeToString()


class OnnxLayers:
    """Runs an encoder's transformer layers in one onnxruntime session."""

    def __init__(self, encoder: Any, threads: Optional[int] = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or THREADS
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are not news
        self.session = ort.InferenceSession(
            _graph_bytes(encoder), options, providers=["CPUExecutionProvider"]
        )

    def run(self, states: np.ndarray, bias: np.ndarray, keep: Sequence[int]) -> Dict[int, np.ndarray]:
        """Token states after each layer number in ``keep`` (1-based)."""
        names = [f"layer_{number}" for number in keep]
        results = self.session.run(names, {"states": states.astype(np.float32),
                                           "bias": bias.astype(np.float32)})
        return dict(zip(keep, results))
