#!/usr/bin/python3
"""Writes the seed corpus of fuzz_onnx (fuzz/corpus/onnx/): tiny valid ONNX models, each a few hundred bytes.

Run with Debian's python3-onnx:  /usr/bin/python3 fuzz/make_onnx_seeds.py
Weights come from a fixed seed, so a re-run writes the same files. Each model exercises a few
operators the importer maps to the IR, small enough that libFuzzer mutates it quickly.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "onnx")
rng = np.random.default_rng(1)


def weight(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def save(name, nodes, inputs, outputs, initializers, opset):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="hwnas-fuzz-seed")
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


os.makedirs(OUT, exist_ok=True)

# Conv with bias and "same" padding, then Relu.
save("conv_relu",
     [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
      helper.make_node("Relu", ["c"], ["y"])],
     [tensor("x", [1, 2, 6, 6])], [tensor("y", [1, 3, 6, 6])],
     [weight("w", 3, 2, 3, 3), weight("b", 3)], 13)

# Depthwise conv, BatchNormalization, Clip(0, 6), residual Add.
save("depthwise_bn_add",
     [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4),
      helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"], epsilon=1e-3),
      helper.make_node("Clip", ["n", "lo", "hi"], ["r"]),
      helper.make_node("Add", ["r", "x"], ["y"])],
     [tensor("x", [1, 4, 5, 5])], [tensor("y", [1, 4, 5, 5])],
     [weight("w", 4, 1, 3, 3), floats("s", [1, 1, 1, 1]), floats("bb", [0, 0, 0, 0]),
      floats("m", [0, 0, 0, 0]), floats("v", [1, 1, 1, 1]), floats("lo", [0]), floats("hi", [6])], 13)

# Classifier head: GlobalAveragePool, Flatten, Gemm, Softmax.
save("head_gemm_softmax",
     [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
      helper.make_node("Flatten", ["g"], ["f"], axis=1),
      helper.make_node("Gemm", ["f", "w", "b"], ["l"], transB=1),
      helper.make_node("Softmax", ["l"], ["y"], axis=1)],
     [tensor("x", [1, 3, 4, 4])], [tensor("y", [1, 5])],
     [weight("w", 5, 3), weight("b", 5)], 13)

# MaxPool, Concat, nearest Resize by scales, Reshape, HardSigmoid and Mul (a gate).
save("pool_concat_resize_reshape",
     [helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
      helper.make_node("Concat", ["p", "p"], ["c"], axis=1),
      helper.make_node("Resize", ["c", "", "scales"], ["r"], mode="nearest"),
      helper.make_node("HardSigmoid", ["r"], ["h"], alpha=0.2, beta=0.5),
      helper.make_node("Mul", ["r", "h"], ["m"]),
      helper.make_node("Reshape", ["m", "shape"], ["y"])],
     [tensor("x", [1, 2, 4, 4])], [tensor("y", [1, 64])],
     [floats("scales", [1, 1, 2, 2]), ints("shape", [1, -1])], 13)

# Opset 11: Pad as an op, AveragePool with ceil_mode, Sigmoid.
save("pad_avgpool_opset11",
     [helper.make_node("Pad", ["x", "pads"], ["p"], mode="constant"),
      helper.make_node("AveragePool", ["p"], ["a"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
      helper.make_node("Sigmoid", ["a"], ["y"])],
     [tensor("x", [1, 2, 5, 5])], [tensor("y", [1, 2, 3, 3])],
     [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], 11)
