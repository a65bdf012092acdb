// The grouped inverted bottleneck of the EdgeTPU / MobileDets families: an IBN whose expansion
// is a grouped convolution, between the IBN and the fused IBN in cost.
#pragma once

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

// spec.grouped_variant == FusedGrouped: kxk grouped conv-bn-act to the expanded width
// ("grouped", spec.groups, stride) -> optional SE -> 1x1 project-bn ("project").
// spec.grouped_variant == GroupedPointwise: 1x1 grouped expand-bn-act ("expand", spec.groups)
// -> kxk depthwise-bn-act ("dw") -> optional SE -> 1x1 project-bn ("project").
// Then "add" of the input when spec.residual, stride 1 and in == out.
// An Error (not a crash) when spec.groups does not divide the input or expanded width.
Result<ir::NodeId> build_grouped_ibn(ir::Builder& b, ir::NodeId x, const BlockSpec& spec);

}  // namespace hwnas::blocks
