// A seeded sampler of MobileNet-family networks: the estimator's prior over the networks a search will ask about.
//
//   estimator::NetworkSamplerOptions options;          // resolutions 96..224, 4..7 stages, ...
//   estimator::SampledNetwork net = estimator::sample_network(42, options);
//   auto graph = estimator::build_sampled_network(net);   // the IR graph; equal seeds, equal graphs
//   auto wider = estimator::scale_stage_channels(net, 2, 1.15);  // adaptive resampling's move
//
// Per stage: block type (IBN, fused IBN, grouped IBN, conv, ResNet basic or bottleneck),
// kernel 3/5/7, expansion, depth, channels, stride, activation, squeeze-excite; a stem; a
// classification, LR-ASPP segmentation or SSDLite detection head. The search-space part will
// supersede this sampler with its spaces; until then it stands in for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator {

enum class StageKind { Ibn, FusedIbn, GroupedIbn, Conv, BasicResidual, BottleneckResidual };
enum class HeadKind { Classification, Segmentation, Detection };

struct SampledStage {
  StageKind kind = StageKind::Ibn;
  int64_t depth = 1;
  int64_t channels = 16;
  int64_t stride = 1;         // of the first block
  int64_t dilation = 1;       // of the kxk convs (segmentation networks' dilated tail)
  int64_t kernel = 3;
  double expansion = 6;
  int64_t groups = 1;         // grouped IBN
  blocks::GroupedVariant grouped_variant = blocks::GroupedVariant::FusedGrouped;
  blocks::Activation activation = blocks::Activation::Relu6;
  int squeeze_excite = 0;     // 0 none, 1 MobileNetV3, 2 EfficientNet, 3 MnasNet style
  bool int16 = false;         // mixed precision: the stage's layers at int16 (on an integer target)
};

struct SampledNetwork {
  std::string name;
  int64_t resolution = 224;
  int64_t batch = 1;
  int64_t stem_channels = 32;
  int64_t stem_kernel = 3;
  bool stem_max_pool = false;
  blocks::Activation stem_activation = blocks::Activation::Relu6;
  std::vector<SampledStage> stages;
  HeadKind head = HeadKind::Classification;
  int64_t head_conv_channels = 0;   // classification: 1x1 conv before pooling (0: none)
  int64_t head_hidden = 0;          // classification: hidden linear + hard swish (0: none)
  int64_t num_classes = 1000;
};

struct NetworkSamplerOptions {
  std::vector<int64_t> resolutions{96, 128, 160, 192, 224, 256};
  int64_t min_stages = 4, max_stages = 7;
  int64_t max_depth = 4;
  std::vector<int64_t> kernels{3, 5, 7};
  std::vector<double> expansions{1, 2, 3, 4, 6};
  double max_channels = 640;
  double odd_channel_chance = 0.25;  // a stage's width not a multiple of 8 (channel staircases)
  double residual_stage_chance = 0.15;
  double segmentation_chance = 0.1, detection_chance = 0.1;
  double dilated_tail_chance = 0.5;  // a segmentation network's last stride-2 stage runs at stride 1, dilation 2
  // A stage at int16 (mixed precision), drawn from a stream of its own so that the networks are
  // those the seed gave before precision was sampled; a float target runs it at its own precision.
  double int16_stage_chance = 0.2;
};

// The network of `seed`, named "sampled-<seed>".
SampledNetwork sample_network(uint64_t seed, const NetworkSamplerOptions& options = {});

// Its IR graph. Node names follow "s<stage>.b<block>.*" so a kernel can be traced to its stage
// (stage_of_node). An impossible network (it cannot happen with the sampler's own networks)
// is an Error naming the stage.
Result<ir::Graph> build_sampled_network(const SampledNetwork& network);

// The stage a node of a sampled network's graph belongs to, from its name; -1 for the stem and head.
int stage_of_node(const ir::Node& node);

// The network with stage `stage`'s channels multiplied by `factor` (rounded, at least 8).
SampledNetwork scale_stage_channels(const SampledNetwork& network, int stage, double factor);

// One line: "sampled-7: 160px, stem 24, ibn k3 e6 x2 c24 s2 | ... | classification".
std::string describe(const SampledNetwork& network);

}  // namespace hwnas::estimator
