// One entry point for every searchable block: dispatches a BlockSpec on its type.
#pragma once

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

// build_ibn, build_fused_ibn, build_grouped_ibn or build_conv_block by spec.type. The caller
// opens the block's builder scope ("stage3.block1") first; an invalid spec or a builder already
// in error gives an Error.
Result<ir::NodeId> build_block(ir::Builder& b, ir::NodeId x, const BlockSpec& spec);

}  // namespace hwnas::blocks
