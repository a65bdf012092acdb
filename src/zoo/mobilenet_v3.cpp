// MobileNetV3-Large and -Small (Howard et al. 2019), laid out as torchvision's mobilenet_v3_*.
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/ibn.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

// One bneck row of the paper's Tables 1 and 2 (torchvision's InvertedResidualConfig).
struct Bneck {
  int stage;
  int64_t kernel, expanded, out;
  bool se, hard_swish;
  int64_t stride;
  bool last_stage;  // the "C4" stage that `dilated` and `reduced_tail` change
};

constexpr Bneck kLarge[] = {
    {1, 3, 16, 16, false, false, 1, false}, {2, 3, 64, 24, false, false, 2, false},
    {2, 3, 72, 24, false, false, 1, false}, {3, 5, 72, 40, true, false, 2, false},
    {3, 5, 120, 40, true, false, 1, false}, {3, 5, 120, 40, true, false, 1, false},
    {4, 3, 240, 80, false, true, 2, false}, {4, 3, 200, 80, false, true, 1, false},
    {4, 3, 184, 80, false, true, 1, false}, {4, 3, 184, 80, false, true, 1, false},
    {5, 3, 480, 112, true, true, 1, false}, {5, 3, 672, 112, true, true, 1, false},
    {6, 5, 672, 160, true, true, 2, true},  {6, 5, 960, 160, true, true, 1, true},
    {6, 5, 960, 160, true, true, 1, true},
};

constexpr Bneck kSmall[] = {
    {1, 3, 16, 16, true, false, 2, false},  {2, 3, 72, 24, false, false, 2, false},
    {2, 3, 88, 24, false, false, 1, false}, {3, 5, 96, 40, true, true, 2, false},
    {3, 5, 240, 40, true, true, 1, false},  {3, 5, 240, 40, true, true, 1, false},
    {4, 5, 120, 48, true, true, 1, false},  {4, 5, 144, 48, true, true, 1, false},
    {5, 5, 288, 96, true, true, 2, true},   {5, 5, 576, 96, true, true, 1, true},
    {5, 5, 576, 96, true, true, 1, true},
};

}  // namespace

Result<MobileNetV3Features> mobilenet_v3_features(ir::Builder& b, ir::NodeId image,
                                                  const MobileNetV3Config& config) {
  auto adjust = [&](int64_t channels) {
    return blocks::make_divisible(static_cast<double>(channels) * config.width_multiplier, 8);
  };
  const int64_t tail_divider = config.reduced_tail ? 2 : 1;
  MobileNetV3Features features;

  Result<ir::NodeId> x = image;
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(b, *x,
                            {.out_channels = adjust(16),
                             .kernel = 3,
                             .stride = 2,
                             .activation = blocks::Activation::HardSwish,
                             .bn_epsilon = 1e-3});
    if (!x) return x.error();
  }
  const Bneck* rows = config.large ? kLarge : kSmall;
  const size_t count = config.large ? std::size(kLarge) : std::size(kSmall);
  int64_t stride_so_far = 2;
  int block_in_stage = 0;
  bool c4_seen = false;
  for (size_t i = 0; i < count; ++i) {
    const Bneck& row = rows[i];
    block_in_stage = (i > 0 && rows[i - 1].stage == row.stage) ? block_in_stage + 1 : 0;
    auto stage_scope = b.scope("stage" + std::to_string(row.stage));
    auto block_scope = b.scope("block" + std::to_string(block_in_stage));
    blocks::BlockSpec spec;
    spec.type = blocks::BlockType::Ibn;
    // The reduced tail halves the last stage's widths (and the first block's output only).
    spec.out_channels = adjust(row.last_stage ? row.out / tail_divider : row.out);
    spec.expanded_channels =
        adjust(row.last_stage && block_in_stage > 0 ? row.expanded / tail_divider : row.expanded);
    spec.kernel = row.kernel;
    spec.stride = row.stride;
    if (config.dilated && row.last_stage) {
      spec.stride = 1;
      spec.dilation = 2;
    }
    spec.activation = row.hard_swish ? blocks::Activation::HardSwish : blocks::Activation::Relu;
    if (row.se) spec.se = blocks::SqueezeExciteConfig::mobilenet_v3();
    spec.bn_epsilon = 1e-3;
    x = blocks::build_ibn(b, *x, spec);
    if (!x) return x.error();
    stride_so_far *= spec.stride;
    if (features.first_stride8 == ir::kNoNode && stride_so_far == 8) features.first_stride8 = *x;
    if (row.last_stage && !c4_seen) {
      c4_seen = true;
      std::string act = row.hard_swish ? "hard_swish" : "relu";
      auto expansion = find_node(b.graph(), "stage" + std::to_string(row.stage) + ".block0.expand_" + act);
      if (!expansion) return expansion.error();
      features.c4_expansion = *expansion;
    }
  }
  const int64_t last_conv_channels = 6 * b.channels(*x);
  x = blocks::conv_bn_act(b, *x,
                          {.out_channels = last_conv_channels,
                           .kernel = 1,
                           .activation = blocks::Activation::HardSwish,
                           .bn_epsilon = 1e-3},
                          "last_conv");
  if (!x) return x.error();
  features.output = *x;
  if (features.first_stride8 == ir::kNoNode) return Error{"internal: mobilenet_v3 has no stride-8 block"};
  return features;
}

namespace {

Result<ir::Graph> build_classifier(const std::string& name, bool large, const ZooOptions& options) {
  ir::Graph graph(name);
  ir::Builder b(graph);
  auto features = mobilenet_v3_features(b, add_image_input(b, options),
                                        {.large = large, .width_multiplier = options.width_multiplier});
  if (!features) return features.error();
  // torchvision scales the hidden layer with the width multiplier (no max(1, width) here).
  const int64_t hidden = blocks::make_divisible((large ? 1280.0 : 1024.0) * options.width_multiplier, 8);
  auto logits = blocks::classification_head(b, features->output,
                                            {.hidden_features = hidden,
                                             .hidden_activation = blocks::Activation::HardSwish,
                                             .num_classes = options.num_classes});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace

Result<ir::Graph> build_mobilenet_v3_large(const ZooOptions& options) {
  return build_classifier("mobilenet_v3_large", true, options);
}

Result<ir::Graph> build_mobilenet_v3_small(const ZooOptions& options) {
  return build_classifier("mobilenet_v3_small", false, options);
}

}  // namespace hwnas::zoo::detail
