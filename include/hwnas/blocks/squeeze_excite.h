// Squeeze-and-excitation: global pool -> 1x1 reduce -> act -> 1x1 expand -> gate -> x * gate.
#pragma once

#include <string>

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

struct SqueezeExciteSpec {
  int64_t reduce_channels = 0;  // width of the bottleneck; see se_reduce_channels in spec.h
  Activation activation = Activation::Relu;
  Activation gate = Activation::Sigmoid;  // Sigmoid or HardSigmoid
};

// Builds, inside scope `name`: "pool" (global average), "reduce" (1x1 conv with bias),
// "reduce_<act>", "expand" (1x1 conv with bias back to the input width), "gate", and
// "scale" = x * gate. Returns "scale".
Result<ir::NodeId> squeeze_excite(ir::Builder& b, ir::NodeId x, const SqueezeExciteSpec& spec,
                                  const std::string& name = "se");

}  // namespace hwnas::blocks
