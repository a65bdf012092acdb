// The fused inverted bottleneck: one kxk full conv in place of expand + depthwise, then project.
#include "hwnas/blocks/fused_ibn.h"

#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "ibn_tail.h"

namespace hwnas::blocks {

Result<ir::NodeId> build_fused_ibn(ir::Builder& b, ir::NodeId x, const BlockSpec& spec) {
  if (auto s = detail::check_feature_map(b, x, "fused_ibn block"); !s) return s.error();
  int64_t in_channels = b.channels(x);
  if (auto s = validate_block_spec(spec, in_channels); !s) return s.error();
  int64_t expanded = expanded_channels(spec, in_channels);
  // Expansion 1: the kxk conv goes straight to the output width and nothing is projected.
  bool project = expanded != in_channels;
  auto fused = conv_bn_act(b, x,
                           {.out_channels = project ? expanded : spec.out_channels,
                            .kernel = spec.kernel,
                            .stride = spec.stride,
                            .dilation = spec.dilation,
                            .activation = spec.activation,
                            .bn_epsilon = spec.bn_epsilon},
                           "fused");
  if (!fused) return fused.error();
  return detail::finish_inverted_bottleneck(b, x, *fused, spec, project);
}

}  // namespace hwnas::blocks
