// The inverted bottleneck (IBN, MobileNetV2's "inverted residual", MBConv).
#pragma once

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

// 1x1 expand-bn-act ("expand", skipped when the expanded width equals the input width) ->
// kxk depthwise-bn-act ("dw", stride and dilation of the spec) -> optional squeeze-excite
// ("se.*") -> 1x1 project-bn without activation ("project") -> "add" of the input when
// spec.residual, stride 1 and in == out. Names live in the caller's builder scope.
Result<ir::NodeId> build_ibn(ir::Builder& b, ir::NodeId x, const BlockSpec& spec);

}  // namespace hwnas::blocks
