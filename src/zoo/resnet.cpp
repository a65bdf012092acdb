// ResNet-18 and ResNet-50 (He et al. 2016) as torchvision's resnet18 / resnet50 (v1.5: the
// bottleneck's stride on its 3x3 conv). Width multiplier: every width x w, rounded to 8 (no
// paper defines one; this is the MobileNets' rule).
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/residual.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

Result<ir::Graph> build_resnet(const std::string& name, bool bottleneck, const int64_t (&layers)[4],
                               const ZooOptions& options) {
  auto width = [&](int64_t channels) {
    return blocks::make_divisible(static_cast<double>(channels) * options.width_multiplier, 8);
  };
  ir::Graph graph(name);
  ir::Builder b(graph);
  Result<ir::NodeId> x = add_image_input(b, options);
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(
        b, *x, {.out_channels = width(64), .kernel = 7, .stride = 2, .activation = blocks::Activation::Relu});
    if (!x) return x.error();
    ir::PoolAttrs pool{.kernel_h = 3,
                       .kernel_w = 3,
                       .stride_h = 2,
                       .stride_w = 2,
                       .pad_top = 1,
                       .pad_left = 1,
                       .pad_bottom = 1,
                       .pad_right = 1};
    x = b.op(ir::OpKind::MaxPool, pool, {*x}, "maxpool");
    if (!b.ok()) return b.error();
  }
  const int64_t planes[4] = {64, 128, 256, 512};
  for (int i = 0; i < 4; ++i) {
    auto stage_scope = b.scope("stage" + std::to_string(i + 1));
    for (int64_t j = 0; j < layers[i]; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      const int64_t stride = (i > 0 && j == 0) ? 2 : 1;
      x = bottleneck ? blocks::bottleneck_residual_block(b, *x, width(planes[i]), stride)
                     : blocks::basic_residual_block(b, *x, width(planes[i]), stride);
      if (!x) return x.error();
    }
  }
  auto logits = blocks::classification_head(b, *x, {.num_classes = options.num_classes});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace

Result<ir::Graph> build_resnet18(const ZooOptions& options) {
  return build_resnet("resnet18", /*bottleneck=*/false, {2, 2, 2, 2}, options);
}

Result<ir::Graph> build_resnet50(const ZooOptions& options) {
  return build_resnet("resnet50", /*bottleneck=*/true, {3, 4, 6, 3}, options);
}

}  // namespace hwnas::zoo::detail
