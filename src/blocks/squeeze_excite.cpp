// Squeeze-and-excitation: a channel gate computed from the globally pooled features.
#include "hwnas/blocks/squeeze_excite.h"

#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"

namespace hwnas::blocks {

Result<ir::NodeId> squeeze_excite(ir::Builder& b, ir::NodeId x, const SqueezeExciteSpec& spec,
                                  const std::string& name) {
  std::string what = "squeeze-excite '" + name + "'";
  if (auto s = detail::check_feature_map(b, x, what); !s) return s.error();
  if (spec.reduce_channels <= 0)
    return Error{what + ": reduce_channels must be positive, got " + std::to_string(spec.reduce_channels)};
  if (spec.gate != Activation::Sigmoid && spec.gate != Activation::HardSigmoid)
    return Error{what + ": gate must be sigmoid or hard_sigmoid, got " +
                 std::string(activation_name(spec.gate))};
  int64_t channels = b.channels(x);
  auto scope = b.scope(name);
  ir::NodeId pooled = b.global_avg_pool(x, "pool");
  ConvSpec reduce{.out_channels = spec.reduce_channels,
                  .kernel = 1,
                  .activation = spec.activation,
                  .batch_norm = false,
                  .bias = true};
  auto reduced = conv_bn_act(b, pooled, reduce, "reduce");
  if (!reduced) return reduced.error();
  ConvSpec expand{.out_channels = channels,
                  .kernel = 1,
                  .activation = Activation::None,
                  .batch_norm = false,
                  .bias = true};
  auto expanded = conv_bn_act(b, *reduced, expand, "expand");
  if (!expanded) return expanded.error();
  auto gate = apply_activation(b, *expanded, spec.gate, "gate");
  if (!gate) return gate.error();
  return detail::finish(b, b.mul(x, *gate, "scale"));
}

}  // namespace hwnas::blocks
