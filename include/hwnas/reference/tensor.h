// Tensor: a dense row-major fp32 tensor (NCHW for feature maps), the value type of the reference evaluator.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/ir/shape.h"

namespace hwnas::reference {

// A dense fp32 tensor, row-major: the last dimension varies fastest (NCHW for feature maps).
// Well formed when data.size() == shape.numel().
struct Tensor {
  ir::Shape shape;
  std::vector<float> data;

  bool operator==(const Tensor&) const = default;
};

// A tensor of `shape` filled with `value`.
Tensor filled_tensor(ir::Shape shape, float value = 0.0f);

// A tensor of `shape` with values uniform in [-1, 1), the same for the same seed on every platform.
Tensor random_tensor(ir::Shape shape, uint64_t seed);

// max |a - b| over all elements; +infinity when the shapes or sizes differ, NaN when a value is NaN.
float max_abs_difference(const Tensor& a, const Tensor& b);

}  // namespace hwnas::reference
