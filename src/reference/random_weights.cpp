// Deterministic He-style random weights for every param of a graph.
#include "hwnas/reference/random_weights.h"

#include <cmath>
#include <random>

#include "uniform.h"

namespace hwnas::reference {
namespace {

struct Range {
  double lo, hi;
};

// The range a param's values are drawn from (see random_weights.h).
Range range_of(ir::OpKind kind, const ir::Param& param) {
  if (kind == ir::OpKind::BatchNorm) {
    if (param.role == "scale") return {0.75, 1.25};
    if (param.role == "var") return {0.5, 1.5};
    return {-0.25, 0.25};  // bias, mean
  }
  if (param.role == "weight") {
    // He-uniform (Kaiming, fan_in mode): variance 2 / fan_in. fan_in is every dim but the first:
    // [out, in/groups, kh, kw] for conv, [out, in] for linear.
    int64_t fan_in = param.shape.rank() > 0 && param.shape[0] > 0 ? param.shape.numel() / param.shape[0] : 1;
    double bound = std::sqrt(6.0 / static_cast<double>(std::max<int64_t>(fan_in, 1)));
    return {-bound, bound};
  }
  return {-0.1, 0.1};  // conv / linear bias
}

}  // namespace

void fill_random_weights(ir::Graph& graph, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const ir::Node& node : graph.nodes()) {
    for (size_t i = 0; i < node.params.size(); ++i) {
      ir::Param& param = graph.param(node.id, i);
      Range range = range_of(node.kind, param);
      param.data.assign(static_cast<size_t>(param.shape.numel()), 0.0f);
      for (float& v : param.data) v = static_cast<float>(uniform(rng, range.lo, range.hi));
    }
  }
}

}  // namespace hwnas::reference
