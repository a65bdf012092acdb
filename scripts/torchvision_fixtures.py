#!/usr/bin/python3
"""Exports torchvision models to ONNX with random weights, for hwnas's import tests and bench.

Run with Debian's python3-torchvision and python3-onnx (scripts/deps installs them); nothing is
downloaded: every model is built with weights=None and given seeded random weights.

    /usr/bin/python3 scripts/torchvision_fixtures.py --out DIR [--models a,b,...] [--families F,...]
                     [--opset 13] [--resolution R] [--fresh] [--list]
    /usr/bin/python3 scripts/torchvision_fixtures.py --check FILE.onnx...   # onnx.checker, full_check

For each model NAME it writes DIR/NAME.onnx, DIR/NAME.input.f32 (a seeded random input) and
DIR/NAME.output<k>.f32 (PyTorch's output k on that input; raw little-endian float32), and
records in DIR/manifest.json: family, opset, input and output shapes, the ONNX operator counts,
PyTorch's parameter count, the count after the exporter folds each BatchNorm that directly
follows a Conv into it (the Conv keeps its weight and gains a bias when it had none; the
BatchNorm's scale and bias vanish), and the multiply-accumulates of every Conv2d,
ConvTranspose2d and Linear on that input, counted by forward hooks. A model that fails to export
is recorded with its error instead, so the caller can report it.

Segmentation models export their "out" tensor; SSDLite exports its backbone and head (the box
regression and class logits before anchors decoding and NMS).
"""

import argparse
import collections
import io
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
import torchvision.models as models
import torchvision.models.segmentation as segmentation

CLASSIFICATION_FAMILIES = collections.OrderedDict([
    ("MobileNet", ["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"]),
    ("MnasNet", ["mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"]),
    ("ShuffleNetV2", ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]),
    ("SqueezeNet", ["squeezenet1_0", "squeezenet1_1"]),
    ("RegNet", ["regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf",
                "regnet_x_16gf", "regnet_x_32gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf",
                "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf"]),
    ("EfficientNet", ["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
                      "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
                      "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"]),
    ("ResNet", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2",
                "wide_resnet101_2"]),
    ("ResNeXt", ["resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d"]),
    ("GoogLeNet", ["googlenet"]),
    ("DenseNet", ["densenet121", "densenet161", "densenet169", "densenet201"]),
])
DENSE_FAMILIES = collections.OrderedDict([
    ("Segmentation", ["lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", "fcn_resnet50"]),
    ("Detection", ["ssdlite320_mobilenet_v3_large"]),
])


def all_families():
    families = collections.OrderedDict(CLASSIFICATION_FAMILIES)
    families.update(DENSE_FAMILIES)
    return families


class SegmentationOut(nn.Module):
    """A torchvision segmentation model's "out" tensor."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


class DetectionHead(nn.Module):
    """SSDLite's backbone and head: box regression and class logits, before decoding and NMS."""

    def __init__(self, detector):
        super().__init__()
        self.backbone = detector.backbone
        self.head = detector.head

    def forward(self, x):
        features = list(self.backbone(x).values())
        out = self.head(features)
        return out["bbox_regression"], out["cls_logits"]


def build(name):
    """The model NAME with random weights, and the input resolution it is exported at."""
    if name in ("lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", "fcn_resnet50"):
        kwargs = dict(weights=None, weights_backbone=None, num_classes=21)
        if name != "lraspp_mobilenet_v3_large":
            kwargs["aux_loss"] = False
        return SegmentationOut(getattr(segmentation, name)(**kwargs)), None
    if name == "ssdlite320_mobilenet_v3_large":
        from torchvision.models.detection import ssdlite320_mobilenet_v3_large
        return DetectionHead(ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=91)), 320
    kwargs = dict(weights=None)
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    return getattr(models, name)(**kwargs), None


def randomise_batch_norms(model, generator):
    """Gives every BatchNorm non-trivial statistics and affine parameters, so folding is visible."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
                    m.bias.copy_(torch.randn(c, generator=generator) * 0.1)


def count_by_hooks(model, x):
    """MACs of every Conv2d / ConvTranspose2d / Linear, and the parameters the BatchNorm folding removes.

    A BatchNorm2d whose input is the very tensor a Conv2d returned is folded into that Conv (the
    ONNX exporter's eval-mode Conv+BatchNorm fusion): its scale and bias vanish and the Conv gains a
    bias of out_channels values when it had none.
    """
    macs = 0
    conv_outputs = {}
    folded = 0
    hooks = []

    def on_conv(module, inputs, output):
        nonlocal macs
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs += output.numel() * (module.in_channels // module.groups) * k
            conv_outputs[id(output)] = module
        elif isinstance(module, nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs += inputs[0].numel() * (module.out_channels // module.groups) * k
        elif isinstance(module, nn.Linear):
            macs += output.numel() * module.in_features

    def on_batch_norm(module, inputs):
        nonlocal folded
        conv = conv_outputs.get(id(inputs[0]))
        if conv is None:
            return
        folded -= 2 * module.num_features if module.affine else 0
        if conv.bias is None:
            folded += module.num_features

    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            hooks.append(m.register_forward_hook(on_conv))
        elif isinstance(m, nn.BatchNorm2d):
            hooks.append(m.register_forward_pre_hook(on_batch_norm))
    with torch.no_grad():
        outputs = model(x)
    for h in hooks:
        h.remove()
    return macs, folded, outputs


def export(name, family, out_dir, opset, resolution, seed):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model, own_resolution = build(name)
    randomise_batch_norms(model, generator)
    model.eval()
    res = resolution or own_resolution or 224
    x = torch.randn(1, 3, res, res, generator=generator)
    macs, folded, outputs = count_by_hooks(model, x)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    buffer = io.BytesIO()
    torch.onnx.export(model, x, buffer, opset_version=opset, input_names=["input"],
                      output_names=[f"output{k}" for k in range(len(outputs))])
    data = buffer.getvalue()
    with open(os.path.join(out_dir, name + ".onnx"), "wb") as f:
        f.write(data)
    x.numpy().astype("<f4").tofile(os.path.join(out_dir, name + ".input.f32"))
    for k, y in enumerate(outputs):
        y.numpy().astype("<f4").tofile(os.path.join(out_dir, f"{name}.output{k}.f32"))
    graph = onnx.load_from_string(data).graph
    torch_params = sum(p.numel() for p in model.parameters())
    return {
        "family": family,
        "file": name + ".onnx",
        "input": name + ".input.f32",
        "input_shape": list(x.shape),
        "outputs": [f"{name}.output{k}.f32" for k in range(len(outputs))],
        "output_shapes": [list(y.shape) for y in outputs],
        "opset": opset,
        "ops": dict(sorted(collections.Counter(n.op_type for n in graph.node).items())),
        "torch_params": torch_params,
        "params_after_bn_folding": torch_params + folded,
        "torch_macs": macs,
        "bytes": len(data),
    }


def check(paths):
    """onnx.checker.check_model(full_check=True) on each file; prints one line per file, exit 1 on any failure."""
    failed = 0
    for path in paths:
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
            print(f"ok {path}")
        except Exception as e:  # the checker raises several exception types
            failed += 1
            print(f"FAILED {path}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory the fixtures are written to")
    parser.add_argument("--models", default="", help="comma-separated model names (default: every family)")
    parser.add_argument("--families", default="", help="comma-separated families (default: all)")
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--resolution", type=int, default=None,
                        help="input height and width (default 224, SSDLite 320)")
    parser.add_argument("--fresh", action="store_true", help="start a new manifest instead of adding to one")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="print the families and their models")
    parser.add_argument("--check", nargs="+", metavar="FILE", help="run onnx.checker (full_check) on files")
    args = parser.parse_args()

    if args.check:
        return check(args.check)
    families = all_families()
    if args.list:
        for family, names in families.items():
            print(f"{family}: {' '.join(names)}")
        return 0
    if not args.out:
        parser.error("--out is required")
    wanted = [m for m in args.models.split(",") if m]
    wanted_families = [f for f in args.families.split(",") if f]
    for f in wanted_families:
        if f not in families:
            parser.error(f"unknown family '{f}' (known: {', '.join(families)})")
    known = {name: family for family, names in families.items() for name in names}
    for m in wanted:
        if m not in known:
            parser.error(f"unknown model '{m}' (see --list)")
    selected = wanted or [n for f, names in families.items() if not wanted_families or f in wanted_families
                          for n in names]
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path) and not args.fresh:
        with open(manifest_path) as f:
            manifest = json.load(f)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in selected:
        start = time.time()
        try:
            entry = export(name, known[name], args.out, args.opset, args.resolution, args.seed)
            status = f"{entry['torch_params']} params, {entry['torch_macs']} MACs"
        except Exception as e:  # record why a model does not export, and go on with the rest
            entry = {"family": known[name], "opset": args.opset, "export_error": f"{type(e).__name__}: {e}"[:500]}
            status = "export failed: " + entry["export_error"]
        manifest[name] = entry
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        print(f"{name}: {status} ({time.time() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
