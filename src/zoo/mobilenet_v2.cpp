// MobileNetV2 (Sandler et al. 2018), laid out as torchvision's mobilenet_v2.
#include <algorithm>

#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/ibn.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

// The paper's Table 2: expansion t, width c, repeats n, first stride s.
struct Stage {
  double t;
  int64_t c, n, s;
};
constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

Result<MobileNetV2Features> mobilenet_v2_features(ir::Builder& b, ir::NodeId image, double width_multiplier) {
  using blocks::make_divisible;
  const int64_t stem_channels = make_divisible(32 * width_multiplier, 8);
  // The last conv keeps 1280 channels below width 1 (torchvision; the paper's small models).
  const int64_t last_channels = make_divisible(1280 * std::max(1.0, width_multiplier), 8);

  Result<ir::NodeId> x = image;
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(
        b, *x,
        {.out_channels = stem_channels, .kernel = 3, .stride = 2, .activation = blocks::Activation::Relu6});
    if (!x) return x.error();
  }
  for (size_t i = 0; i < std::size(kStages); ++i) {
    const Stage& stage = kStages[i];
    auto stage_scope = b.scope("stage" + std::to_string(i + 1));
    for (int64_t j = 0; j < stage.n; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      blocks::BlockSpec spec;
      spec.type = blocks::BlockType::Ibn;
      spec.out_channels = make_divisible(static_cast<double>(stage.c) * width_multiplier, 8);
      spec.kernel = 3;
      spec.stride = j == 0 ? stage.s : 1;
      spec.expansion = stage.t;
      spec.activation = blocks::Activation::Relu6;
      x = blocks::build_ibn(b, *x, spec);
      if (!x) return x.error();
    }
  }
  x = blocks::conv_bn_act(
      b, *x, {.out_channels = last_channels, .kernel = 1, .activation = blocks::Activation::Relu6},
      "last_conv");
  if (!x) return x.error();
  MobileNetV2Features features;
  features.output = *x;
  auto expansion = find_node(b.graph(), "stage6.block0.expand_relu6");
  if (!expansion) return expansion.error();
  features.layer15_expansion = *expansion;
  return features;
}

Result<ir::Graph> build_mobilenet_v2(const ZooOptions& options) {
  ir::Graph graph("mobilenet_v2");
  ir::Builder b(graph);
  auto features = mobilenet_v2_features(b, add_image_input(b, options), options.width_multiplier);
  if (!features) return features.error();
  auto logits = blocks::classification_head(b, features->output, {.num_classes = options.num_classes});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace hwnas::zoo::detail
