#!/usr/bin/python3
"""Writes the ONNX import fixtures of hwnas (tests/data/onnx/): models, a random input and the framework's output each.

Run from anywhere with Debian's python3-torch, python3-torchvision and python3-onnx:
    /usr/bin/python3 tests/data/onnx/make_fixtures.py
Every random choice takes a fixed seed, so a re-run writes the same tensors (the ONNX files may
differ only in producer metadata).

Fixtures (each NAME.onnx comes with NAME.input.f32 and NAME.output.f32: raw little-endian
float32 tensors in the model's input and output shapes):
  mobilenet_v2_035         torchvision mobilenet_v2(width_mult=0.35, num_classes=10), 1x3x96x96, opset 13
  mobilenet_v3_small_050   torchvision mobilenet_v3_small(num_classes=10, width_mult=0.5), 1x3x64x64,
                           opset 17 (HardSwish, HardSigmoid, squeeze-excitation). Width 0.5, not 1.0:
                           the full-width model alone is 6.1 MB of weights and the fixtures must stay
                           under about 5 MB together; the operators and the structure are the same.
  tiny_ops_opset11         a small custom net at opset 11: Pad (folded into Conv and into AvgPool, and
                           a free-standing Pad), MaxPool(ceil_mode), AvgPool, Resize nearest and bilinear
                           (align_corners True and False), Concat, x*sigmoid(x), clamp -> Clip, a
                           stand-alone BatchNorm, view -> Reshape, Linear -> Gemm, Softmax
  mobilenet_v2_035_no_params  the same mobilenet_v2 exported with export_params=False: its weights are
                           graph inputs (shapes only), and there is no input or output file
  tf2onnx_style_opset13    NOT written by tf2onnx: TensorFlow is not packaged in Debian, so this model
                           is built with onnx.helper to mimic what tf2onnx writes for a small Keras
                           CNN (tensor names with ':0', an explicit Pad before a Conv, Clip with
                           constant min/max inputs for relu6, Identity nodes, Reshape with an
                           initializer shape, MatMul + Add for the dense layer). Its expected output
                           is computed by an equivalent PyTorch functional program.

manifest.json records per fixture: file names, input and output shapes, opset, the ONNX operator
counts, the PyTorch parameter count and the count expected after the exporter folds every
BatchNorm that follows a Conv into the Conv (the Conv keeps its weight and gains a bias; the
BatchNorm's scale and bias disappear).
"""

import json
import os
import sys
from collections import Counter

import numpy as np
import onnx
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def randomise_batch_norms(model, generator):
    """Gives every BatchNorm non-trivial statistics and affine parameters, so folding is visible."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(c, generator=generator) * 0.1)


def params_after_bn_folding(model):
    """PyTorch's parameter count minus what the exporter's Conv+BatchNorm folding removes.

    Follows the data flow (torch.fx): a BatchNorm2d whose input is a Conv2d read by nothing else
    is folded into that Conv, which keeps its weight and gains a bias.
    """
    total = sum(p.numel() for p in model.parameters())
    traced = torch.fx.symbolic_trace(model)
    modules = dict(traced.named_modules())
    for node in traced.graph.nodes:
        if node.op != "call_module" or not isinstance(modules[node.target], nn.BatchNorm2d):
            continue
        source = node.args[0]
        if (isinstance(source, torch.fx.Node) and source.op == "call_module"
                and isinstance(modules[source.target], nn.Conv2d) and len(source.users) == 1):
            total -= 2 * modules[node.target].num_features   # BN scale and bias vanish
            if modules[source.target].bias is None:
                total += modules[source.target].out_channels  # the conv gains a bias
    return total


def save_tensor(path, tensor):
    np.ascontiguousarray(tensor.detach().numpy().astype("<f4")).tofile(path)


def op_counts(path):
    model = onnx.load(path)
    return dict(sorted(Counter(n.op_type for n in model.graph.node).items()))


def record(manifest, name, opset, x, y, torch_params, expected_params, note):
    path = os.path.join(HERE, name + ".onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    save_tensor(os.path.join(HERE, name + ".input.f32"), x)
    save_tensor(os.path.join(HERE, name + ".output.f32"), y)
    manifest[name] = {
        "file": name + ".onnx",
        "input": name + ".input.f32",
        "output": name + ".output.f32",
        "input_shape": list(x.shape),
        "output_shape": list(y.shape),
        "opset": opset,
        "ops": op_counts(path),
        "torch_params": torch_params,
        "params_after_bn_folding": expected_params,
        "note": note,
    }
    print(f"{name}: torch params {torch_params}, after BN folding {expected_params}, "
          f"{os.path.getsize(path)} bytes, ops {manifest[name]['ops']}")


def export_torch(manifest, name, model, input_shape, opset, seed, note):
    generator = torch.Generator().manual_seed(seed)
    randomise_batch_norms(model, generator)
    model.eval()
    x = torch.randn(*input_shape, generator=generator)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, os.path.join(HERE, name + ".onnx"), opset_version=opset,
                      do_constant_folding=True, input_names=["input"], output_names=["output"])
    torch_params = sum(p.numel() for p in model.parameters())
    record(manifest, name, opset, x, y, torch_params, params_after_bn_folding(model), note)


class TinyOpsNet(nn.Module):
    """One of each operator the importer must map, on a 1x3x32x32 input."""

    def __init__(self):
        super().__init__()
        self.stem_pad = nn.ZeroPad2d(1)                      # Pad -> folded into stem conv
        self.stem = nn.Conv2d(3, 8, 3, padding=0, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)                     # folded into the conv by the exporter
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # 32 -> 16 only with ceil_mode
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pointwise = nn.Conv2d(8, 16, 1)
        self.mixed_bn = nn.BatchNorm2d(32)                   # after a concat: stays a BatchNormalization
        self.fc = nn.Linear(32 * 6 * 6, 10)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(self.stem_pad(x))))
        x = self.pool(x)                                                 # 8x16x16
        a = self.depthwise(x)
        a = a * torch.sigmoid(a)                                         # swish
        b = F.avg_pool2d(F.pad(x, (1, 1, 1, 1)), 3, stride=2)            # Pad folded into AveragePool
        b = F.interpolate(b, scale_factor=2.0, mode="nearest")           # 8x8 -> 16x16
        c = torch.clamp(self.pointwise(x), -1.0, 1.0)                    # Clip(-1, 1)
        x = self.mixed_bn(torch.cat([a, b, c], dim=1))                   # 32x16x16
        x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)  # 32x8x8
        x = F.pad(x, (0, 1, 0, 1), value=0.5)                            # free-standing Pad: 9x9
        x = F.interpolate(x, size=(12, 12), mode="bilinear", align_corners=False)
        x = F.interpolate(x, size=(6, 6), mode="bilinear", align_corners=True)
        x = x.view(x.size(0), -1)                                        # Reshape
        return torch.softmax(self.fc(x), dim=1)


def export_structure_only(name, model, input_shape, opset):
    """torch.onnx.export(..., export_params=False): the weights become graph inputs (shapes only)."""
    model.eval()
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, torch.zeros(*input_shape), path, opset_version=opset, export_params=False,
                      do_constant_folding=True, input_names=["input"], output_names=["output"])
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print(f"{name}: structure only, {os.path.getsize(path)} bytes")


def make_tf2onnx_style(manifest, seed):
    """A Keras-like CNN written the way tf2onnx writes it (see the module comment)."""
    name = "tf2onnx_style_opset13"
    g = torch.Generator().manual_seed(seed)
    w_stem = torch.randn(16, 3, 3, 3, generator=g) * 0.3
    b_stem = torch.randn(16, generator=g) * 0.1
    w_dw = torch.randn(16, 1, 3, 3, generator=g) * 0.3
    b_dw = torch.randn(16, generator=g) * 0.1
    w_pw = torch.randn(16, 16, 1, 1, generator=g) * 0.3
    b_pw = torch.randn(16, generator=g) * 0.1
    w_dense = torch.randn(16, 10, generator=g) * 0.3   # Keras kernel layout [in, out]
    b_dense = torch.randn(10, generator=g) * 0.1
    x = torch.randn(1, 3, 32, 32, generator=g)

    def init(tname, tensor, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(tensor, dtype=dtype), tname)

    initializers = [
        init("model/conv_stem/Conv2D/ReadVariableOp:0", w_stem),
        init("model/conv_stem/BiasAdd/ReadVariableOp:0", b_stem),
        init("model/dw/depthwise/ReadVariableOp:0", w_dw),
        init("model/dw/BiasAdd/ReadVariableOp:0", b_dw),
        init("model/pw/Conv2D/ReadVariableOp:0", w_pw),
        init("model/pw/BiasAdd/ReadVariableOp:0", b_pw),
        init("model/dense/MatMul/ReadVariableOp:0", w_dense),
        init("model/dense/BiasAdd/ReadVariableOp:0", b_dense),
        init("const_fold_opt__12", [0, 0, 0, 0, 0, 0, 1, 1], np.int64),  # TF 'SAME' stride 2: pad end
        init("model/re_lu/Relu6/min:0", 0.0),
        init("model/re_lu/Relu6/max:0", 6.0),
        init("new_shape__20", [-1, 16], np.int64),
    ]
    nodes = [
        helper.make_node("Identity", ["input_1:0"], ["model/input_identity:0"], name="model/input_identity"),
        helper.make_node("Pad", ["model/input_identity:0", "const_fold_opt__12"], ["model/zero_padding2d/Pad:0"],
                         name="model/zero_padding2d/Pad", mode="constant"),
        helper.make_node("Conv", ["model/zero_padding2d/Pad:0", "model/conv_stem/Conv2D/ReadVariableOp:0",
                                  "model/conv_stem/BiasAdd/ReadVariableOp:0"], ["model/conv_stem/BiasAdd:0"],
                         name="model/conv_stem/BiasAdd", kernel_shape=[3, 3], strides=[2, 2], dilations=[1, 1],
                         group=1, pads=[0, 0, 0, 0]),
        helper.make_node("Clip", ["model/conv_stem/BiasAdd:0", "model/re_lu/Relu6/min:0", "model/re_lu/Relu6/max:0"],
                         ["model/re_lu/Relu6:0"], name="model/re_lu/Relu6"),
        helper.make_node("Conv", ["model/re_lu/Relu6:0", "model/dw/depthwise/ReadVariableOp:0",
                                  "model/dw/BiasAdd/ReadVariableOp:0"], ["model/dw/BiasAdd:0"],
                         name="model/dw/BiasAdd", kernel_shape=[3, 3], strides=[1, 1], group=16, auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["model/dw/BiasAdd:0"], ["model/dw_relu/Relu:0"], name="model/dw_relu/Relu"),
        helper.make_node("Conv", ["model/dw_relu/Relu:0", "model/pw/Conv2D/ReadVariableOp:0",
                                  "model/pw/BiasAdd/ReadVariableOp:0"], ["model/pw/BiasAdd:0"],
                         name="model/pw/BiasAdd", kernel_shape=[1, 1], strides=[1, 1], auto_pad="VALID"),
        helper.make_node("Add", ["model/pw/BiasAdd:0", "model/re_lu/Relu6:0"], ["model/add/add:0"], name="model/add/add"),
        helper.make_node("GlobalAveragePool", ["model/add/add:0"], ["model/gap/Mean:0"], name="model/gap/Mean"),
        helper.make_node("Reshape", ["model/gap/Mean:0", "new_shape__20"], ["model/flatten/Reshape:0"],
                         name="model/flatten/Reshape"),
        helper.make_node("Identity", ["model/flatten/Reshape:0"], ["model/dropout/Identity:0"],
                         name="model/dropout/Identity"),
        helper.make_node("MatMul", ["model/dropout/Identity:0", "model/dense/MatMul/ReadVariableOp:0"],
                         ["model/dense/MatMul:0"], name="model/dense/MatMul"),
        helper.make_node("Add", ["model/dense/MatMul:0", "model/dense/BiasAdd/ReadVariableOp:0"],
                         ["model/dense/BiasAdd:0"], name="model/dense/BiasAdd"),
        helper.make_node("Softmax", ["model/dense/BiasAdd:0"], ["dense"], name="model/dense/Softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "tf2onnx", [helper.make_tensor_value_info("input_1:0", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("dense", TensorProto.FLOAT, [1, 10])], initializers)
    model = helper.make_model(graph, producer_name="hwnas make_fixtures.py (mimics tf2onnx)",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, os.path.join(HERE, name + ".onnx"))

    # The same network in PyTorch functional form, for the expected output.
    with torch.no_grad():
        h = F.pad(x, (0, 1, 0, 1))
        h = F.conv2d(h, w_stem, b_stem, stride=2).clamp(0.0, 6.0)
        skip = h
        h = F.relu(F.conv2d(h, w_dw, b_dw, padding=1, groups=16))
        h = F.conv2d(h, w_pw, b_pw) + skip
        h = h.mean(dim=(2, 3))
        y = torch.softmax(h @ w_dense + b_dense, dim=-1)
    count = sum(t.numel() for t in (w_stem, b_stem, w_dw, b_dw, w_pw, b_pw, w_dense, b_dense))
    record(manifest, name, 13, x, y, count, count,
           "hand-built with onnx.helper to mimic tf2onnx output; TensorFlow is not packaged in Debian")


def main():
    torch.manual_seed(0)
    manifest = {}
    export_torch(manifest, "mobilenet_v2_035",
                 torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=10), (1, 3, 96, 96), 13, 1,
                 "torchvision mobilenet_v2(width_mult=0.35, num_classes=10), random weights, eval mode")
    torch.manual_seed(0)
    export_structure_only("mobilenet_v2_035_no_params",
                          torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=10), (1, 3, 96, 96), 13)
    torch.manual_seed(0)
    export_torch(manifest, "mobilenet_v3_small_050",
                 torchvision.models.mobilenet_v3_small(num_classes=10, width_mult=0.5), (1, 3, 64, 64), 17, 2,
                 "torchvision mobilenet_v3_small(num_classes=10, width_mult=0.5), random weights, eval mode")
    torch.manual_seed(0)
    export_torch(manifest, "tiny_ops_opset11", TinyOpsNet(), (1, 3, 32, 32), 11, 3,
                 "custom net covering Pad, pools, Resize, Concat, Clip, BatchNorm, Reshape, Gemm, Softmax")
    make_tf2onnx_style(manifest, 4)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
    print(f"all fixture files: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
