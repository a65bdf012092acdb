// Operator kinds and their typed attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hwnas/ir/shape.h"

namespace hwnas::ir {

struct NoAttrs {
  bool operator==(const NoAttrs&) const = default;
};

// The graph input: its full shape, batch included.
struct InputAttrs {
  Shape shape;
  bool operator==(const InputAttrs&) const = default;
};

// 2-D convolution, NCHW. groups == in_channels == out_channels is depthwise.
struct Conv2dAttrs {
  int64_t out_channels = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  bool bias = false;
  bool operator==(const Conv2dAttrs&) const = default;

  // Square kernel k, stride s, "same" padding (k-1)/2*dilation.
  static Conv2dAttrs make(int64_t out_channels, int64_t k, int64_t s = 1, int64_t groups = 1,
                          bool bias = false);
};

// 2-D transposed convolution (the gradient of a convolution), NCHW, as ONNX ConvTranspose and
// torch.nn.ConvTranspose2d: out = (in - 1) * stride - pad_begin - pad_end + dilation * (k - 1)
// + output_padding + 1. The weight is [in_channels, out_channels / groups, kernel_h, kernel_w].
struct ConvTranspose2dAttrs {
  int64_t out_channels = 0;
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 2, stride_w = 2;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t output_padding_h = 0, output_padding_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  bool bias = false;
  bool operator==(const ConvTranspose2dAttrs&) const = default;
};

// Fully connected layer over the last dimension of a rank-2 tensor.
struct LinearAttrs {
  int64_t out_features = 0;
  bool bias = true;
  bool operator==(const LinearAttrs&) const = default;
};

// Batch normalisation over channels (dim 1); scale and bias train, mean and var are buffers.
struct BatchNormAttrs {
  double epsilon = 1e-5;
  bool operator==(const BatchNormAttrs&) const = default;
};

// y = min(max(x, min), max).
struct ClipAttrs {
  double min = 0.0;
  double max = 6.0;
  bool operator==(const ClipAttrs&) const = default;
};

// y = max(0, min(1, alpha * x + beta)); PyTorch's hardsigmoid is alpha = 1/6, beta = 0.5.
struct HardSigmoidAttrs {
  double alpha = 1.0 / 6.0;
  double beta = 0.5;
  bool operator==(const HardSigmoidAttrs&) const = default;
};

// y = x for x >= 0, alpha * x otherwise.
struct LeakyReluAttrs {
  double alpha = 0.01;
  bool operator==(const LeakyReluAttrs&) const = default;
};

struct ConcatAttrs {
  int64_t axis = 1;
  bool operator==(const ConcatAttrs&) const = default;
};

// Max or average pooling over H and W.
struct PoolAttrs {
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 2, stride_w = 2;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool ceil_mode = false;
  bool count_include_pad = false;  // average pooling only
  bool operator==(const PoolAttrs&) const = default;
};

enum class ResizeMode { Nearest, Bilinear };

// Resize H and W to a fixed output size.
struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  int64_t out_h = 0, out_w = 0;
  bool align_corners = false;  // bilinear only
  bool operator==(const ResizeAttrs&) const = default;
};

// Constant padding of H and W.
struct PadAttrs {
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  double value = 0.0;
  bool operator==(const PadAttrs&) const = default;
};

// Flattens dims [axis, rank) into one; dims before axis are kept (ONNX semantics, 2-D result).
struct FlattenAttrs {
  int64_t axis = 1;
  bool operator==(const FlattenAttrs&) const = default;
};

// Target shape; one entry may be -1 (inferred), 0 copies the input dim (ONNX semantics).
struct ReshapeAttrs {
  std::vector<int64_t> shape;
  bool operator==(const ReshapeAttrs&) const = default;
};

// Permutes the dims: output dim i is input dim perm[i] (ONNX Transpose, torch.permute).
struct TransposeAttrs {
  std::vector<int64_t> perm;
  bool operator==(const TransposeAttrs&) const = default;
};

// ShuffleNet's channel shuffle of an NCHW tensor: view the C channels as [groups, C / groups],
// transpose to [C / groups, groups] and flatten back; output channel j * groups + g is input
// channel g * (C / groups) + j (torch.nn.ChannelShuffle; the Reshape-Transpose-Reshape exporters write).
struct ChannelShuffleAttrs {
  int64_t groups = 2;
  bool operator==(const ChannelShuffleAttrs&) const = default;
};

// The elements [start, end) of one axis, step 1 (ONNX Slice on one axis; Split is one slice per part).
struct SliceAttrs {
  int64_t axis = 1;
  int64_t start = 0;
  int64_t end = 1;
  bool operator==(const SliceAttrs&) const = default;
};

struct SoftmaxAttrs {
  int64_t axis = 1;
  bool operator==(const SoftmaxAttrs&) const = default;
};

enum class OpKind {
#define HWNAS_OP(Enum, text, Attrs) Enum,
#include "hwnas/ir/ops.def"
#undef HWNAS_OP
};

using Attrs = std::variant<NoAttrs, InputAttrs, Conv2dAttrs, ConvTranspose2dAttrs, LinearAttrs, BatchNormAttrs,
                           ClipAttrs, HardSigmoidAttrs, LeakyReluAttrs, ConcatAttrs, PoolAttrs, ResizeAttrs,
                           PadAttrs, FlattenAttrs, ReshapeAttrs, TransposeAttrs, ChannelShuffleAttrs, SliceAttrs,
                           SoftmaxAttrs>;

// "conv2d" for OpKind::Conv2d.
std::string_view op_name(OpKind kind);
// Inverse of op_name; nullopt for an unknown name.
std::optional<OpKind> op_from_name(std::string_view name);
// All kinds in declaration order.
const std::vector<OpKind>& all_op_kinds();
// The default-constructed attributes of the type that `kind` takes.
Attrs default_attrs(OpKind kind);
// True when `attrs` holds the attribute type that `kind` takes.
bool attrs_match(OpKind kind, const Attrs& attrs);

// Elementwise unary activations (relu, relu6, clip, hard_swish, hard_sigmoid, sigmoid, swish, leaky_relu).
bool is_activation(OpKind kind);
// Binary elementwise ops with broadcasting (add, mul, sub, div).
bool is_elementwise_binary(OpKind kind);
// Ops whose multiply-accumulates run on an accelerator's MAC array: conv2d, conv_transpose2d, linear.
bool is_mac(OpKind kind);
// Ops that only move data: transpose, channel_shuffle, slice (each element is copied once).
bool is_data_movement(OpKind kind);

}  // namespace hwnas::ir
