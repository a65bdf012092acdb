// Tensor helpers of the reference part: filled and seeded random tensors, and their comparison.
#include "hwnas/reference/tensor.h"

#include <cmath>
#include <limits>
#include <random>

#include "uniform.h"

namespace hwnas::reference {

Tensor filled_tensor(ir::Shape shape, float value) {
  auto count = static_cast<size_t>(shape.numel());
  return Tensor{std::move(shape), std::vector<float>(count, value)};
}

Tensor random_tensor(ir::Shape shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tensor t = filled_tensor(std::move(shape));
  for (float& v : t.data) v = static_cast<float>(uniform(rng, -1.0, 1.0));
  return t;
}

float max_abs_difference(const Tensor& a, const Tensor& b) {
  if (!(a.shape == b.shape) || a.data.size() != b.data.size()) return std::numeric_limits<float>::infinity();
  float worst = 0.0f;
  for (size_t i = 0; i < a.data.size(); ++i) {
    float d = std::fabs(a.data[i] - b.data[i]);
    if (std::isnan(d)) return std::numeric_limits<float>::quiet_NaN();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace hwnas::reference
