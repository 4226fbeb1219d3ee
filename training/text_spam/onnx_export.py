"""ONNX graph for a linear model over padded sparse features.

inputs  indices int64 [N, K] (bucket ids, padding 0), values float32 [N, K] (padding 0.0)
output  probabilities float32 [N, 2] = [1 - p, p], p = sigmoid(sum_k W[indices] * values + b)
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def build(w: np.ndarray, b: float) -> bytes:
    weights = numpy_helper.from_array(np.asarray(w, np.float32), "weights")
    bias = numpy_helper.from_array(np.asarray([b], np.float32), "bias")
    one = numpy_helper.from_array(np.asarray([1.0], np.float32), "one")
    axes = numpy_helper.from_array(np.asarray([1], np.int64), "axes")
    nodes = [
        helper.make_node("Gather", ["weights", "indices"], ["w_k"], axis=0),
        helper.make_node("Mul", ["w_k", "values"], ["contrib"]),
        helper.make_node("ReduceSum", ["contrib", "axes"], ["dot"], keepdims=1),
        helper.make_node("Add", ["dot", "bias"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["p_spam"]),
        helper.make_node("Sub", ["one", "p_spam"], ["p_ham"]),
        helper.make_node("Concat", ["p_ham", "p_spam"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "text_spam",
        [
            helper.make_tensor_value_info("indices", TensorProto.INT64, ["N", "K"]),
            helper.make_tensor_value_info("values", TensorProto.FLOAT, ["N", "K"]),
        ],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
        initializer=[weights, bias, one, axes],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="integrity-worker/training",
        producer_version="1",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def pad(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pads a batch to its longest row (at least 1 column) with index 0 / value 0."""
    k = max(1, max((len(i) for i, _ in rows), default=1))
    idx = np.zeros((len(rows), k), np.int64)
    val = np.zeros((len(rows), k), np.float32)
    for r, (i, v) in enumerate(rows):
        idx[r, : len(i)] = i
        val[r, : len(v)] = v
    return idx, val
