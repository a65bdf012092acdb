// MnasNet-A1 (Tan et al. 2019), laid out as the TensorFlow reference (tensorflow/tpu mnasnet_models.py),
// with squeeze-excite on the stages the paper marks. torchvision's "mnasnet1_0" is MnasNet-B1, not this.
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/ibn.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

// The reference's block strings, e.g. "r3_k5_s22_e3_i24_o40_se0.25".
struct Stage {
  int64_t repeats, kernel, stride;
  double expansion;
  int64_t out;
  bool se;
};
constexpr Stage kStages[] = {
    {1, 3, 1, 1, 16, false}, {2, 3, 2, 6, 24, false}, {3, 5, 2, 3, 40, true},   {4, 3, 2, 6, 80, false},
    {2, 3, 1, 6, 112, true}, {3, 5, 2, 6, 160, true}, {1, 3, 1, 6, 320, false},
};

}  // namespace

Result<ir::Graph> build_mnasnet_a1(const ZooOptions& options) {
  // round_filters of the reference is torchvision's _make_divisible with divisor 8.
  auto round_filters = [&](int64_t filters) {
    return blocks::make_divisible(static_cast<double>(filters) * options.width_multiplier, 8);
  };
  ir::Graph graph("mnasnet_a1");
  ir::Builder b(graph);
  Result<ir::NodeId> x = add_image_input(b, options);
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(b, *x,
                            {.out_channels = round_filters(32),
                             .kernel = 3,
                             .stride = 2,
                             .activation = blocks::Activation::Relu,
                             .bn_epsilon = 1e-3});
    if (!x) return x.error();
  }
  for (size_t i = 0; i < std::size(kStages); ++i) {
    const Stage& stage = kStages[i];
    auto stage_scope = b.scope("stage" + std::to_string(i + 1));
    for (int64_t j = 0; j < stage.repeats; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      blocks::BlockSpec spec;
      spec.type = blocks::BlockType::Ibn;
      spec.out_channels = round_filters(stage.out);
      spec.kernel = stage.kernel;
      spec.stride = j == 0 ? stage.stride : 1;
      spec.expansion = stage.expansion;  // expanded = block input x ratio, as the reference
      spec.activation = blocks::Activation::Relu;
      if (stage.se) spec.se = blocks::SqueezeExciteConfig::mnasnet();
      spec.bn_epsilon = 1e-3;
      x = blocks::build_ibn(b, *x, spec);
      if (!x) return x.error();
    }
  }
  // The reference keeps the head conv at 1280 for every depth multiplier.
  auto logits = blocks::classification_head(b, *x,
                                            {.conv_channels = 1280,
                                             .conv_activation = blocks::Activation::Relu,
                                             .num_classes = options.num_classes,
                                             .bn_epsilon = 1e-3});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace hwnas::zoo::detail
