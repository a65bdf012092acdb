// Helpers for the libtorch tests: tensors between the reference evaluator and torch, closeness.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/reference/reference.h"
#include "hwnas/torch/module.h"

namespace hwnas::libtorch::testing {

inline at::Tensor to_torch(const reference::Tensor& t) {
  return at::from_blob(const_cast<float*>(t.data.data()), t.shape.dims, at::kFloat).clone();
}

inline reference::Tensor from_torch(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
  reference::Tensor out{ir::Shape(c.sizes().vec()), std::vector<float>(static_cast<size_t>(c.numel()))};
  std::memcpy(out.data.data(), c.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}

// Random inputs in [-scale, scale) for every Input node of `graph`, from `seed`.
inline std::vector<reference::Tensor> random_inputs(const ir::Graph& graph, uint64_t seed, float scale = 1.0f) {
  std::vector<reference::Tensor> inputs;
  for (ir::NodeId id : graph.inputs()) {
    reference::Tensor x = reference::random_tensor(graph.node(id).shape, seed + static_cast<uint64_t>(id));
    for (float& v : x.data) v *= scale;
    inputs.push_back(std::move(x));
  }
  return inputs;
}

// Relative error of `actual` against `expected`: max |a - e| over max(max |e|, floor).
inline double relative_error(const reference::Tensor& expected, const reference::Tensor& actual, double floor = 1e-3) {
  if (!(expected.shape == actual.shape)) return INFINITY;
  double scale = floor, worst = 0;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    scale = std::max(scale, std::abs(static_cast<double>(expected.data[i])));
    double diff = std::abs(static_cast<double>(expected.data[i]) - actual.data[i]);
    if (std::isnan(diff)) return NAN;
    worst = std::max(worst, diff);
  }
  return worst / scale;
}

// Runs `graph` (which must have weights) through its GraphModule in eval mode on `inputs`;
// expects the outputs to have the shapes of `expected` and be within `tolerance` relative error
// (see relative_error). Returns the worst relative error.
// With `dtype` kDouble the module and inputs are converted to float64 first, which takes torch's
// own fp32 rounding out of the comparison.
inline double expect_module_outputs(const ir::Graph& graph, const std::vector<reference::Tensor>& inputs,
                                    const std::vector<reference::Tensor>& expected, const ModuleOptions& options,
                                    double tolerance, at::ScalarType dtype = at::kFloat) {
  auto module = make_graph_module(graph, options);
  EXPECT_TRUE(module.ok()) << module.error().message;
  if (!module.ok()) return INFINITY;
  (*module)->eval();
  (*module)->to(dtype);
  std::vector<at::Tensor> torch_inputs;
  for (const auto& x : inputs) torch_inputs.push_back(to_torch(x).to(dtype));
  auto actual = (*module)->run(torch_inputs);
  EXPECT_TRUE(actual.ok()) << actual.error().message;
  if (!actual.ok()) return INFINITY;
  EXPECT_EQ(actual->size(), expected.size());
  double worst = 0;
  for (size_t i = 0; i < expected.size() && i < actual->size(); ++i) {
    reference::Tensor got = from_torch((*actual)[i]);
    EXPECT_EQ(got.shape, expected[i].shape) << "output " << i << ": torch " << got.shape.to_string();
    double error = relative_error(expected[i], got);
    EXPECT_LE(error, tolerance) << "output " << i;
    worst = std::max(worst, error);
  }
  return worst;
}

// The reference evaluator and the GraphModule on the same random inputs (uniform in
// [-input_scale, input_scale)) agree within `tolerance` relative error.
inline void expect_module_matches_reference(const ir::Graph& graph, const ModuleOptions& options = {},
                                            float input_scale = 1.0f, double tolerance = 1e-4) {
  SCOPED_TRACE("graph '" + graph.name() + "'");
  std::vector<reference::Tensor> inputs = random_inputs(graph, 11, input_scale);
  auto expected = reference::evaluate(graph, inputs);
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  expect_module_outputs(graph, inputs, *expected, options, tolerance);
}

}  // namespace hwnas::libtorch::testing
