// The integer reference evaluator: a quantised graph run as an int8 accelerator runs it, the oracle of fake quantisation.
//
//   auto plan = quant::make_plan(folded, ranges);
//   auto out = quant::evaluate_integer(folded, *plan, {input});   // Result<std::vector<IntTensor>>
//   reference::Tensor y = quant::dequantize(out->front());
//
// Every tensor is integers on its grid (plan.grid); nothing is computed in floating point at run
// time except the tables of unary activations, built once per node:
//   - input: quantize(x) with the input's parameters;
//   - conv2d (any groups, padding, stride, dilation) and linear: int32 sums of
//     (x - zx) x wq, plus the int32 bias, requantised by a fixed-point multiplier per output channel
//     (sx x sw[c] / sy) and clamped to the fused activation's bounds (relu: zy; relu6: 6; clip);
//   - add / sub: TFLite's int8 addition (inputs scaled by 2^20 and rescaled to a common scale);
//     mul: (a - za)(b - zb) requantised by sa sb / sy; both take a fused activation;
//   - concat: each input requantised to the output grid;
//   - avg_pool / global_avg_pool: integer window sums requantised by sx / (sy x count);
//   - relu, relu6, clip (not fused), hard_swish, hard_sigmoid, sigmoid, swish, leaky_relu: a
//     table from every input integer to the output integer, f evaluated in float once per entry;
//   - max_pool, global_max_pool, flatten, reshape, transpose, channel_shuffle, slice, pad (value 0:
//     the zero point), nearest resize: integers moved, grid kept.
// Other ops (softmax, bilinear resize, div, batch_norm not folded, conv_transpose2d) are an Error
// naming the node.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/quant/plan.h"
#include "hwnas/reference/tensor.h"

namespace hwnas::quant {

struct IntTensor {
  ir::Shape shape;
  std::vector<int32_t> data;  // integers in [params.qmin, params.qmax]
  QuantParams params;
};

reference::Tensor dequantize(const IntTensor& t);

// Runs `graph` (with weights; batch norms folded) under `plan` on float inputs of the input
// nodes' shapes; returns the graph outputs' integers. Errors name the node.
Result<std::vector<IntTensor>> evaluate_integer(const ir::Graph& graph, const QuantPlan& plan,
                                                const std::vector<reference::Tensor>& inputs);
// As evaluate_integer, but every node's integers, by id (a fused node holds its activation's), to
// compare intermediates.
Result<std::vector<IntTensor>> evaluate_integer_all(const ir::Graph& graph, const QuantPlan& plan,
                                                    const std::vector<reference::Tensor>& inputs);

}  // namespace hwnas::quant
