// The classification head: optional 1x1 conv, global pool, flatten, optional hidden layer, linear.
#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"

namespace hwnas::blocks {

Result<ir::NodeId> classification_head(ir::Builder& b, ir::NodeId features,
                                       const ClassificationHeadSpec& spec) {
  if (auto s = detail::check_feature_map(b, features, "classification head"); !s) return s.error();
  if (spec.num_classes <= 0)
    return Error{"classification head: num_classes must be positive, got " +
                 std::to_string(spec.num_classes)};
  if (spec.conv_channels < 0 || spec.hidden_features < 0)
    return Error{"classification head: conv_channels and hidden_features must not be negative"};
  auto scope = b.scope("head");
  ir::NodeId x = features;
  if (spec.conv_channels > 0) {
    auto conv = conv_bn_act(b, x,
                            {.out_channels = spec.conv_channels,
                             .kernel = 1,
                             .activation = spec.conv_activation,
                             .bn_epsilon = spec.bn_epsilon},
                            "conv");
    if (!conv) return conv;
    x = *conv;
  }
  x = b.flatten(b.global_avg_pool(x, "pool"), "flatten");
  if (spec.hidden_features > 0) {
    x = b.linear(x, spec.hidden_features, /*bias=*/true, "hidden");
    auto act = apply_activation(b, x, spec.hidden_activation,
                                "hidden_" + std::string(activation_name(spec.hidden_activation)));
    if (!act) return act;
    x = *act;
  }
  return detail::finish(b, b.linear(x, spec.num_classes, /*bias=*/true, "fc"));
}

}  // namespace hwnas::blocks
