// Private: the tail every inverted-bottleneck family shares (SE, linear projection, residual add).
#pragma once

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks::detail {

// After the expansion / depthwise part `features` of a block whose input is `block_input`:
// optional squeeze-excite ("se.*"), then, when `project`, 1x1 conv-bn to spec.out_channels
// ("project"), then "add" of `block_input` when has_residual(spec, in).
Result<ir::NodeId> finish_inverted_bottleneck(ir::Builder& b, ir::NodeId block_input, ir::NodeId features,
                                              const BlockSpec& spec, bool project);

}  // namespace hwnas::blocks::detail
