// The LR-ASPP segmentation decoder of MobileNetV3 (torchvision's LRASPPHead and final resize).
#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"

namespace hwnas::blocks {

Result<ir::NodeId> lraspp_head(ir::Builder& b, ir::NodeId low, ir::NodeId high, const LrAsppSpec& spec) {
  if (auto s = detail::check_feature_map(b, low, "lraspp head (low)"); !s) return s.error();
  if (auto s = detail::check_feature_map(b, high, "lraspp head (high)"); !s) return s.error();
  if (spec.inter_channels <= 0 || spec.num_classes <= 0)
    return Error{"lraspp head: inter_channels and num_classes must be positive"};
  if (spec.out_h < 0 || spec.out_w < 0 || (spec.out_h == 0) != (spec.out_w == 0))
    return Error{"lraspp head: out_h and out_w must both be positive, or both 0 for no final resize"};
  const ir::Shape low_shape = b.shape(low);
  auto scope = b.scope("lraspp");

  auto cbr = conv_bn_act(b, high,
                         {.out_channels = spec.inter_channels,
                          .kernel = 1,
                          .activation = Activation::Relu,
                          .bn_epsilon = spec.bn_epsilon},
                         "cbr");
  if (!cbr) return cbr;
  ir::NodeId pooled = b.global_avg_pool(high, "pool");
  auto gate = conv_bn_act(b, pooled,
                          {.out_channels = spec.inter_channels,
                           .kernel = 1,
                           .activation = Activation::Sigmoid,
                           .batch_norm = false},
                          "gate");
  if (!gate) return gate;
  ir::NodeId scaled = b.mul(*cbr, *gate, "scaled");
  ir::ResizeAttrs to_low{ir::ResizeMode::Bilinear, low_shape.h(), low_shape.w(), false};
  ir::NodeId up = b.op(ir::OpKind::Resize, to_low, {scaled}, "up");
  auto classifier = [&](ir::NodeId x, const std::string& name) {
    return conv_bn_act(b, x,
                       {.out_channels = spec.num_classes,
                        .kernel = 1,
                        .activation = Activation::None,
                        .batch_norm = false,
                        .bias = true},
                       name);
  };
  auto low_logits = classifier(low, "low_classifier");
  if (!low_logits) return low_logits;
  auto high_logits = classifier(up, "high_classifier");
  if (!high_logits) return high_logits;
  ir::NodeId logits = b.add(*low_logits, *high_logits, "logits");
  if (spec.out_h > 0) {
    ir::ResizeAttrs to_input{ir::ResizeMode::Bilinear, spec.out_h, spec.out_w, false};
    logits = b.op(ir::OpKind::Resize, to_input, {logits}, "resize");
  }
  return detail::finish(b, logits);
}

}  // namespace hwnas::blocks
