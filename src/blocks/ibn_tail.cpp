// Private: squeeze-excite, linear projection and residual add at the end of every IBN family.
#include "ibn_tail.h"

#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/squeeze_excite.h"

namespace hwnas::blocks::detail {

Result<ir::NodeId> finish_inverted_bottleneck(ir::Builder& b, ir::NodeId block_input, ir::NodeId features,
                                              const BlockSpec& spec, bool project) {
  if (!b.ok()) return b.error();
  int64_t in_channels = b.channels(block_input);
  ir::NodeId y = features;
  if (spec.se.enabled) {
    SqueezeExciteSpec se{.reduce_channels = se_reduce_channels(spec.se, in_channels, b.channels(y)),
                         .activation = spec.se.activation,
                         .gate = spec.se.gate};
    auto gated = squeeze_excite(b, y, se, "se");
    if (!gated) return gated.error();
    y = *gated;
  }
  if (project) {
    ConvSpec projection{.out_channels = spec.out_channels,
                        .kernel = 1,
                        .activation = Activation::None,
                        .bn_epsilon = spec.bn_epsilon};
    auto projected = conv_bn_act(b, y, projection, "project");
    if (!projected) return projected.error();
    y = *projected;
  }
  if (has_residual(spec, in_channels)) y = b.add(y, block_input, "add");
  return finish(b, y);
}

}  // namespace hwnas::blocks::detail
