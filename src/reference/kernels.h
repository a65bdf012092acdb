// The per-operator kernels of the reference evaluator (private to src/reference).
//
// Each kernel trusts its caller (evaluate.cpp) to have checked that the input tensors and params
// have the shapes the node was built for; `out` is the node's inferred output shape.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/reference/tensor.h"

namespace hwnas::reference::kernels {

// convolution.cpp
Tensor conv2d(const Tensor& x, const ir::Conv2dAttrs& attrs, const ir::Param& weight, const ir::Param* bias,
              const ir::Shape& out);
// conv_transpose.cpp
Tensor conv_transpose2d(const Tensor& x, const ir::ConvTranspose2dAttrs& attrs, const ir::Param& weight,
                        const ir::Param* bias, const ir::Shape& out);
// linear.cpp
Tensor linear(const Tensor& x, const ir::Param& weight, const ir::Param* bias, const ir::Shape& out);
// batch_norm.cpp: params in the IR order scale, bias, mean, var.
Tensor batch_norm(const Tensor& x, const ir::BatchNormAttrs& attrs, const std::vector<ir::Param>& params);
// activations.cpp: relu, relu6, clip, hard_swish, hard_sigmoid, sigmoid, swish, leaky_relu.
Tensor activation(ir::OpKind kind, const ir::Attrs& attrs, const Tensor& x);
// elementwise.cpp: add, mul, sub and div with NumPy broadcasting.
Tensor elementwise_binary(ir::OpKind kind, const Tensor& a, const Tensor& b, const ir::Shape& out);
// pooling.cpp
Tensor max_pool(const Tensor& x, const ir::PoolAttrs& attrs, const ir::Shape& out);
Tensor avg_pool(const Tensor& x, const ir::PoolAttrs& attrs, const ir::Shape& out);
Tensor global_avg_pool(const Tensor& x);
Tensor global_max_pool(const Tensor& x);
// resize.cpp
Tensor resize(const Tensor& x, const ir::ResizeAttrs& attrs);
// layout.cpp: concat, pad, and flatten / reshape (same data, new shape).
Tensor concat(const std::vector<const Tensor*>& xs, int64_t axis, const ir::Shape& out);
Tensor pad(const Tensor& x, const ir::PadAttrs& attrs, const ir::Shape& out);
Tensor reshape(const Tensor& x, const ir::Shape& out);
// permute.cpp: transpose, channel shuffle, slice of one axis.
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm, const ir::Shape& out);
Tensor channel_shuffle(const Tensor& x, int64_t groups);
Tensor slice(const Tensor& x, const ir::SliceAttrs& attrs, const ir::Shape& out);
// softmax.cpp
Tensor softmax(const Tensor& x, int64_t axis);

// Index of element (n, c, h, w) of a rank-4 NCHW shape.
inline int64_t nchw_index(const ir::Shape& s, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * s[1] + c) * s[2] + h) * s[3] + w;
}

// Axis in [0, rank) for an axis that may count from the end (-1 is the last).
inline int64_t normalise_axis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

}  // namespace hwnas::reference::kernels
