// conv -> batch norm -> activation, and the standard-conv block of the search space.
#include "hwnas/blocks/conv_block.h"

#include "block_checks.h"

namespace hwnas::blocks {

Result<ir::NodeId> apply_activation(ir::Builder& b, ir::NodeId x, Activation activation,
                                    const std::string& name) {
  if (!b.ok()) return b.error();
  if (activation == Activation::None) return x;
  ir::OpKind op = activation_op(activation);
  if (op == ir::OpKind::Input) return Error{"activation '" + name + "': unknown activation"};
  return detail::finish(b, b.act(x, op, name));
}

Result<ir::NodeId> conv_bn_act(ir::Builder& b, ir::NodeId x, const ConvSpec& spec, const std::string& name) {
  if (auto s = detail::check_feature_map(b, x, "conv '" + name + "'"); !s) return s.error();
  if (spec.kernel <= 0 || spec.kernel % 2 == 0)
    return Error{"conv '" + name + "': kernel must be odd and positive, got " + std::to_string(spec.kernel)};
  if (spec.dilation <= 0)
    return Error{"conv '" + name + "': dilation must be positive, got " + std::to_string(spec.dilation)};
  ir::Conv2dAttrs attrs =
      ir::Conv2dAttrs::make(spec.out_channels, spec.kernel, spec.stride, spec.groups, spec.bias);
  attrs.dilation_h = attrs.dilation_w = spec.dilation;
  int64_t pad = (spec.kernel - 1) / 2 * spec.dilation;
  attrs.pad_top = attrs.pad_left = attrs.pad_bottom = attrs.pad_right = pad;
  ir::NodeId y = b.conv(x, attrs, name);
  if (spec.batch_norm)
    y = b.op(ir::OpKind::BatchNorm, ir::BatchNormAttrs{spec.bn_epsilon}, {y}, name + "_bn");
  if (!b.ok()) return b.error();
  return apply_activation(b, y, spec.activation, name + "_" + std::string(activation_name(spec.activation)));
}

Result<ir::NodeId> build_conv_block(ir::Builder& b, ir::NodeId x, const BlockSpec& spec) {
  if (auto s = detail::check_feature_map(b, x, "conv block"); !s) return s.error();
  if (auto s = validate_block_spec(spec, b.channels(x)); !s) return s.error();
  ConvSpec conv{.out_channels = spec.out_channels,
                .kernel = spec.kernel,
                .stride = spec.stride,
                .dilation = spec.dilation,
                .activation = spec.activation,
                .bn_epsilon = spec.bn_epsilon};
  return conv_bn_act(b, x, conv, "conv");
}

}  // namespace hwnas::blocks
