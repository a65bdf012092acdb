// ResNet's residual blocks (v1.5: the stride sits on the 3x3 conv of the bottleneck).
#pragma once

#include "hwnas/ir/builder.h"
#include "hwnas/ir/result.h"

namespace hwnas::blocks {

// 3x3 conv-bn-relu ("conv1", stride) -> 3x3 conv-bn ("conv2") -> "add" of the input, or of a
// 1x1 conv-bn projection ("downsample") when the stride or width changes -> "relu".
// Output width: planes.
Result<ir::NodeId> basic_residual_block(ir::Builder& b, ir::NodeId x, int64_t planes, int64_t stride);

// 1x1 conv-bn-relu to planes ("conv1") -> 3x3 conv-bn-relu ("conv2", stride) -> 1x1 conv-bn to
// planes * expansion ("conv3") -> "add" of the input or its "downsample" projection -> "relu".
Result<ir::NodeId> bottleneck_residual_block(ir::Builder& b, ir::NodeId x, int64_t planes, int64_t stride,
                                             int64_t expansion = 4);

}  // namespace hwnas::blocks
