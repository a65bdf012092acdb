// ResNet's basic and bottleneck residual blocks (v1.5: stride on the 3x3 conv).
#include "hwnas/blocks/residual.h"

#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"

namespace hwnas::blocks {
namespace {

// The identity, or a 1x1 conv-bn projection "downsample" when the shape changes.
Result<ir::NodeId> shortcut(ir::Builder& b, ir::NodeId x, int64_t out_channels, int64_t stride) {
  if (stride == 1 && b.channels(x) == out_channels) return x;
  return conv_bn_act(
      b, x, {.out_channels = out_channels, .kernel = 1, .stride = stride, .activation = Activation::None},
      "downsample");
}

Status check_widths(const std::string& what, int64_t planes, int64_t stride, int64_t expansion) {
  if (planes <= 0) return Error{what + ": planes must be positive, got " + std::to_string(planes)};
  if (stride <= 0) return Error{what + ": stride must be positive, got " + std::to_string(stride)};
  if (expansion <= 0) return Error{what + ": expansion must be positive, got " + std::to_string(expansion)};
  return {};
}

}  // namespace

Result<ir::NodeId> basic_residual_block(ir::Builder& b, ir::NodeId x, int64_t planes, int64_t stride) {
  if (auto s = detail::check_feature_map(b, x, "basic residual block"); !s) return s.error();
  if (auto s = check_widths("basic residual block", planes, stride, 1); !s) return s.error();
  auto y = conv_bn_act(
      b, x, {.out_channels = planes, .kernel = 3, .stride = stride, .activation = Activation::Relu}, "conv1");
  if (!y) return y;
  y = conv_bn_act(b, *y, {.out_channels = planes, .kernel = 3, .activation = Activation::None}, "conv2");
  if (!y) return y;
  auto identity = shortcut(b, x, planes, stride);
  if (!identity) return identity;
  ir::NodeId sum = b.add(*y, *identity, "add");
  return detail::finish(b, b.act(sum, ir::OpKind::Relu, "relu"));
}

Result<ir::NodeId> bottleneck_residual_block(ir::Builder& b, ir::NodeId x, int64_t planes, int64_t stride,
                                             int64_t expansion) {
  if (auto s = detail::check_feature_map(b, x, "bottleneck residual block"); !s) return s.error();
  if (auto s = check_widths("bottleneck residual block", planes, stride, expansion); !s) return s.error();
  auto y = conv_bn_act(b, x, {.out_channels = planes, .kernel = 1, .activation = Activation::Relu}, "conv1");
  if (!y) return y;
  y = conv_bn_act(b, *y,
                  {.out_channels = planes, .kernel = 3, .stride = stride, .activation = Activation::Relu},
                  "conv2");
  if (!y) return y;
  y = conv_bn_act(b, *y, {.out_channels = planes * expansion, .kernel = 1, .activation = Activation::None},
                  "conv3");
  if (!y) return y;
  auto identity = shortcut(b, x, planes * expansion, stride);
  if (!identity) return identity;
  ir::NodeId sum = b.add(*y, *identity, "add");
  return detail::finish(b, b.act(sum, ir::OpKind::Relu, "relu"));
}

}  // namespace hwnas::blocks
