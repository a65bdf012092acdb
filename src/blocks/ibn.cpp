// The inverted bottleneck: 1x1 expand, kxk depthwise, optional SE, 1x1 linear project, residual.
#include "hwnas/blocks/ibn.h"

#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "ibn_tail.h"

namespace hwnas::blocks {

Result<ir::NodeId> build_ibn(ir::Builder& b, ir::NodeId x, const BlockSpec& spec) {
  if (auto s = detail::check_feature_map(b, x, "ibn block"); !s) return s.error();
  int64_t in_channels = b.channels(x);
  if (auto s = validate_block_spec(spec, in_channels); !s) return s.error();
  int64_t expanded = expanded_channels(spec, in_channels);

  ir::NodeId y = x;
  if (expanded != in_channels) {
    auto e = conv_bn_act(
        b, y,
        {.out_channels = expanded, .kernel = 1, .activation = spec.activation, .bn_epsilon = spec.bn_epsilon},
        "expand");
    if (!e) return e.error();
    y = *e;
  }
  auto dw = conv_bn_act(b, y,
                        {.out_channels = expanded,
                         .kernel = spec.kernel,
                         .stride = spec.stride,
                         .dilation = spec.dilation,
                         .groups = expanded,
                         .activation = spec.activation,
                         .bn_epsilon = spec.bn_epsilon},
                        "dw");
  if (!dw) return dw.error();
  return detail::finish_inverted_bottleneck(b, x, *dw, spec, /*project=*/true);
}

}  // namespace hwnas::blocks
