#!/usr/bin/python3
# Prints the PyTorch outputs pasted as literals into tests/reference/torch_crosscheck_test.cpp.
# Run: /usr/bin/python3 tests/data/reference/make_torch_expected.py   (torch 1.13, CPU, float32)
# Inputs are exact small fractions, so both sides start from identical float values.
import torch
import torch.nn.functional as F

torch.set_printoptions(precision=9)


def ramp(shape, mul=7, mod=11, offset=5, div=4.0):
    """Deterministic exact values ((i*mul) % mod - offset) / div, row-major."""
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([((i * mul) % mod - offset) / div for i in range(n)], dtype=torch.float32).reshape(shape)


def literal(v):
    """A C++ float literal with 9 significant digits (enough to round-trip a float)."""
    text = "%.9g" % v
    if "." not in text and "e" not in text:
        text += ".0"
    return text + "f"


def emit(name, t):
    values = [literal(v) for v in t.flatten().tolist()]
    print("// %s: shape %s" % (name, "x".join(str(d) for d in t.shape)))
    print("const std::vector<float> k%s = {" % name)
    for i in range(0, len(values), 8):
        print("    " + ", ".join(values[i:i + 8]) + ",")
    print("};")


# Grouped, strided, dilated conv with asymmetric padding (top 1, left 0, bottom 2, right 1) and bias.
x = ramp((1, 4, 6, 7))
w = ramp((6, 2, 3, 2), mul=5, mod=9, offset=4, div=8.0)
b = torch.tensor([0.5, -0.25, 0.125, 0.0, 1.0, -1.0])
y = F.conv2d(F.pad(x, (0, 1, 1, 2)), w, b, stride=(2, 1), dilation=(1, 2), groups=2)
emit("ConvGroupedAsymmetric", y)

# Average pooling, kernel 3, stride 2, padding 1, ceil_mode, both count_include_pad settings.
x = ramp((1, 2, 6, 6))
emit("AvgPoolCeilIncludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True))
emit("AvgPoolCeilExcludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
# Kernel 2, stride 2, no padding, ceil_mode on 5x5: the last window hangs over the edge.
x5 = ramp((1, 1, 5, 5))
emit("AvgPoolCeilNoPad", F.avg_pool2d(x5, 2, 2, 0, ceil_mode=True, count_include_pad=True))
# Max pooling, kernel 3, stride 2, padding 1, ceil_mode (padding acts as -inf).
emit("MaxPoolCeil", F.max_pool2d(x, 3, 2, 1, ceil_mode=True))

# Resize 3x5 -> 7x4 and 5x6 -> 3x4, nearest and bilinear with both align_corners settings.
x = ramp((1, 2, 3, 5))
emit("NearestUp", F.interpolate(x, size=(7, 4), mode="nearest"))
emit("BilinearUpHalfPixel", F.interpolate(x, size=(7, 4), mode="bilinear", align_corners=False))
emit("BilinearUpAlignCorners", F.interpolate(x, size=(7, 4), mode="bilinear", align_corners=True))
x = ramp((1, 1, 5, 6))
emit("NearestDown", F.interpolate(x, size=(3, 4), mode="nearest"))
emit("BilinearDownHalfPixel", F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=False))
emit("BilinearDownAlignCorners", F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=True))

# Activations on a ramp across every breakpoint.
x = torch.linspace(-8, 8, 33)
emit("ActInput", x)
emit("HardSwish", F.hardswish(x))
emit("HardSigmoid", F.hardsigmoid(x))
emit("Sigmoid", torch.sigmoid(x))
emit("Swish", F.silu(x))

# Softmax over axis 1 of a 2x3x2 tensor, and batch norm (inference) of a 2x3x2x2 tensor.
x = ramp((2, 3, 2))
emit("Softmax", torch.softmax(x, dim=1))
x = ramp((2, 3, 2, 2))
scale, bias = torch.tensor([1.5, 0.5, -1.0]), torch.tensor([0.25, -0.5, 0.0])
mean, var = torch.tensor([0.5, -0.25, 0.0]), torch.tensor([2.0, 0.5, 1.0])
emit("BatchNorm", F.batch_norm(x, mean, var, scale, bias, training=False, eps=1e-5))
