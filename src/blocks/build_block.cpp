// Dispatch of a BlockSpec to the builder of its block family.
#include "hwnas/blocks/build_block.h"

#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/fused_ibn.h"
#include "hwnas/blocks/grouped_ibn.h"
#include "hwnas/blocks/ibn.h"

namespace hwnas::blocks {

Result<ir::NodeId> build_block(ir::Builder& b, ir::NodeId x, const BlockSpec& spec) {
  switch (spec.type) {
    case BlockType::Ibn:
      return build_ibn(b, x, spec);
    case BlockType::FusedIbn:
      return build_fused_ibn(b, x, spec);
    case BlockType::GroupedIbn:
      return build_grouped_ibn(b, x, spec);
    case BlockType::Conv:
      return build_conv_block(b, x, spec);
  }
  return Error{"block spec: unknown block type " + std::to_string(static_cast<int>(spec.type))};
}

}  // namespace hwnas::blocks
