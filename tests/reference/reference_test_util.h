// Helpers for the reference tests: run one op through a tiny graph, compare with literals.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/reference/reference.h"

namespace hwnas::reference::testing {

// Builds Input nodes of the inputs' shapes and one `kind` node over them, gives the node's params
// `params` (in the op's param order), and evaluates the graph.
inline Result<Tensor> run_op(ir::OpKind kind, ir::Attrs attrs, const std::vector<Tensor>& inputs,
                             const std::vector<std::vector<float>>& params = {}) {
  ir::Graph graph("one_op");
  std::vector<ir::NodeId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto id = graph.add(ir::OpKind::Input, ir::InputAttrs{inputs[i].shape}, {}, "x" + std::to_string(i));
    if (!id) return id.error();
    ids.push_back(*id);
  }
  auto op = graph.add(kind, std::move(attrs), ids, "op");
  if (!op) return op.error();
  if (params.size() != graph.node(*op).params.size())
    return Error{"test gives " + std::to_string(params.size()) + " params, the op has " +
                 std::to_string(graph.node(*op).params.size())};
  for (size_t i = 0; i < params.size(); ++i) graph.param(*op, i).data = params[i];
  auto out = evaluate(graph, inputs);
  if (!out) return out.error();
  return (*out)[0];
}

// run_op that must succeed.
inline Tensor run_op_ok(ir::OpKind kind, ir::Attrs attrs, const std::vector<Tensor>& inputs,
                        const std::vector<std::vector<float>>& params = {}) {
  auto out = run_op(kind, std::move(attrs), inputs, params);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : Tensor{};
}

// Expects `actual` to have `shape` and every value within `tolerance` of `expected`.
inline void expect_tensor_near(const Tensor& actual, const ir::Shape& shape,
                               const std::vector<float>& expected, float tolerance) {
  ASSERT_EQ(actual.shape, shape) << "got shape " << actual.shape.to_string();
  ASSERT_EQ(actual.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual.data[i], expected[i], tolerance) << "at flat index " << i;
}

// A tensor of `shape` holding `values` (row-major).
inline Tensor tensor(ir::Shape shape, std::vector<float> values) {
  return Tensor{std::move(shape), std::move(values)};
}

// A tensor of `shape` holding first, first + 1, first + 2, ...
inline Tensor iota(ir::Shape shape, float first = 1.0f) {
  Tensor t = filled_tensor(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = first + static_cast<float>(i);
  return t;
}

}  // namespace hwnas::reference::testing
