// Private helpers of the block builders: entry checks on the builder and its input tensor.
#pragma once

#include <string>

#include "hwnas/ir/builder.h"
#include "hwnas/ir/result.h"

namespace hwnas::blocks::detail {

// The builder's first error, or an Error naming `what` when `x` is not an NCHW node of the graph.
inline Status check_feature_map(ir::Builder& b, ir::NodeId x, const std::string& what) {
  if (!b.ok()) return b.error();
  if (x < 0 || static_cast<size_t>(x) >= b.graph().size())
    return Error{what + ": input id " + std::to_string(x) + " is not a node of the graph"};
  if (b.shape(x).rank() != 4)
    return Error{what + ": expects an NCHW feature map, got [" + b.shape(x).to_string() + "]"};
  return {};
}

// `y` when the builder is still error-free, else its first error.
inline Result<ir::NodeId> finish(ir::Builder& b, ir::NodeId y) {
  if (!b.ok()) return b.error();
  return y;
}

}  // namespace hwnas::blocks::detail
