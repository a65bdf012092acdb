// The fused inverted bottleneck (EdgeTPU / EfficientNetV2 "FusedMBConv"): the 1x1 expansion and
// the depthwise conv of an IBN replaced by one full kxk convolution.
#pragma once

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

// When the expanded width differs from the input width: kxk full conv-bn-act to the expanded
// width ("fused", stride and dilation of the spec) -> optional SE -> 1x1 project-bn
// ("project"). When it equals the input width (expansion 1), a single kxk conv-bn-act straight
// to out_channels ("fused") -> optional SE, as torchvision's FusedMBConv does. Then "add" of the
// input when spec.residual, stride 1 and in == out.
Result<ir::NodeId> build_fused_ibn(ir::Builder& b, ir::NodeId x, const BlockSpec& spec);

}  // namespace hwnas::blocks
