// EfficientNet-B0 (Tan & Le 2019), laid out as torchvision's efficientnet_b0 (stochastic depth and
// dropout are training-time only and left out).
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/ibn.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

// The paper's Table 1 (torchvision's MBConvConfig rows): expansion, kernel, stride, in, out, layers.
struct Stage {
  double expansion;
  int64_t kernel, stride, in, out, layers;
};
constexpr Stage kStages[] = {
    {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
    {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
};

}  // namespace

Result<ir::Graph> build_efficientnet_b0(const ZooOptions& options) {
  auto adjust = [&](int64_t channels) {
    return blocks::make_divisible(static_cast<double>(channels) * options.width_multiplier, 8);
  };
  ir::Graph graph("efficientnet_b0");
  ir::Builder b(graph);
  Result<ir::NodeId> x = add_image_input(b, options);
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(b, *x,
                            {.out_channels = adjust(kStages[0].in),
                             .kernel = 3,
                             .stride = 2,
                             .activation = blocks::Activation::Swish});
    if (!x) return x.error();
  }
  for (size_t i = 0; i < std::size(kStages); ++i) {
    const Stage& stage = kStages[i];
    auto stage_scope = b.scope("stage" + std::to_string(i + 1));
    for (int64_t j = 0; j < stage.layers; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      const int64_t in = b.channels(*x);
      blocks::BlockSpec spec;
      spec.type = blocks::BlockType::Ibn;
      spec.out_channels = adjust(stage.out);
      spec.kernel = stage.kernel;
      spec.stride = j == 0 ? stage.stride : 1;
      spec.expanded_channels = blocks::make_divisible(static_cast<double>(in) * stage.expansion, 8);
      spec.activation = blocks::Activation::Swish;
      spec.se = blocks::SqueezeExciteConfig::efficientnet();
      x = blocks::build_ibn(b, *x, spec);
      if (!x) return x.error();
    }
  }
  // torchvision: the last conv is 4 x the last stage's width (1280 at width 1).
  auto logits = blocks::classification_head(b, *x,
                                            {.conv_channels = 4 * b.channels(*x),
                                             .conv_activation = blocks::Activation::Swish,
                                             .num_classes = options.num_classes});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace hwnas::zoo::detail
