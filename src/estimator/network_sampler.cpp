// The seeded MobileNet-family network sampler and the builder of its IR graphs.
#include "hwnas/estimator/network_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "hwnas/blocks/build_block.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/blocks/residual.h"
#include "hwnas/ir/builder.h"
#include "random.h"

namespace hwnas::estimator {
namespace {

using blocks::Activation;

int64_t round_to(double value, int64_t multiple) {
  return std::max<int64_t>(multiple, static_cast<int64_t>(std::llround(value / static_cast<double>(multiple))) * multiple);
}

const char* stage_kind_name(StageKind kind) {
  switch (kind) {
    case StageKind::Ibn: return "ibn";
    case StageKind::FusedIbn: return "fused_ibn";
    case StageKind::GroupedIbn: return "grouped_ibn";
    case StageKind::Conv: return "conv";
    case StageKind::BasicResidual: return "basic";
    case StageKind::BottleneckResidual: return "bottleneck";
  }
  return "?";
}

blocks::SqueezeExciteConfig se_config(int style) {
  switch (style) {
    case 1: return blocks::SqueezeExciteConfig::mobilenet_v3();
    case 2: return blocks::SqueezeExciteConfig::efficientnet();
    case 3: return blocks::SqueezeExciteConfig::mnasnet();
    default: return {};
  }
}

// The block spec of block `index` of `stage` on an input of `in_channels`.
blocks::BlockSpec block_spec(const SampledStage& stage, int64_t index) {
  blocks::BlockSpec spec;
  switch (stage.kind) {
    case StageKind::Ibn: spec.type = blocks::BlockType::Ibn; break;
    case StageKind::FusedIbn: spec.type = blocks::BlockType::FusedIbn; break;
    case StageKind::GroupedIbn: spec.type = blocks::BlockType::GroupedIbn; break;
    default: spec.type = blocks::BlockType::Conv; break;
  }
  spec.out_channels = stage.channels;
  spec.kernel = stage.kernel;
  spec.stride = index == 0 ? stage.stride : 1;
  spec.dilation = stage.dilation;
  spec.expansion = stage.expansion;
  spec.activation = stage.activation;
  spec.groups = stage.groups;
  spec.grouped_variant = stage.grouped_variant;
  spec.se = se_config(stage.squeeze_excite);
  if (stage.squeeze_excite) spec.se.enabled = true;
  return spec;
}

}  // namespace

SampledNetwork sample_network(uint64_t seed, const NetworkSamplerOptions& options) {
  detail::Random rng(detail::mix_seed(seed, 0));
  const std::vector<Activation> activations{Activation::Relu, Activation::Relu6, Activation::HardSwish,
                                            Activation::Swish};
  SampledNetwork net;
  net.name = "sampled-" + std::to_string(seed);
  net.resolution = rng.pick(options.resolutions);
  net.stem_max_pool = rng.chance(options.residual_stage_chance);
  net.stem_kernel = net.stem_max_pool ? 7 : 3;
  net.stem_channels = rng.pick(std::vector<int64_t>{8, 16, 24, 32, 40, 48, 64});
  net.stem_activation = net.stem_max_pool ? Activation::Relu : rng.pick(activations);

  const int64_t stage_count = rng.integer(options.min_stages, options.max_stages);
  const int64_t halvings = net.stem_max_pool ? 3 : 4;  // to an output stride of 32
  std::vector<int64_t> strides(static_cast<size_t>(stage_count), 1);
  for (int64_t placed = 0; placed < std::min(halvings, stage_count);) {
    auto at = static_cast<size_t>(rng.integer(0, stage_count - 1));
    if (strides[at] == 1) {
      strides[at] = 2;
      ++placed;
    }
  }
  double width = static_cast<double>(net.stem_channels);
  for (int64_t s = 0; s < stage_count; ++s) {
    SampledStage stage;
    const double kind_draw = rng.uniform();
    const double residual = options.residual_stage_chance;
    if (kind_draw < residual * 0.5) stage.kind = StageKind::BasicResidual;
    else if (kind_draw < residual) stage.kind = StageKind::BottleneckResidual;
    else if (kind_draw < residual + (1 - residual) * 0.45) stage.kind = StageKind::Ibn;
    else if (kind_draw < residual + (1 - residual) * 0.7) stage.kind = StageKind::FusedIbn;
    else if (kind_draw < residual + (1 - residual) * 0.85) stage.kind = StageKind::GroupedIbn;
    else stage.kind = StageKind::Conv;
    stage.stride = strides[static_cast<size_t>(s)];
    stage.depth = rng.integer(1, options.max_depth);
    const double growth = stage.stride == 2 ? rng.pick(std::vector<double>{1.25, 1.5, 2.0})
                                            : rng.pick(std::vector<double>{1.0, 1.0, 1.25, 1.5});
    width = std::min(options.max_channels, width * growth);
    stage.channels = round_to(width, 8);
    if (rng.chance(options.odd_channel_chance))
      stage.channels = std::max<int64_t>(8, static_cast<int64_t>(std::llround(width * rng.uniform(0.8, 1.2))));
    stage.kernel = rng.pick(options.kernels);
    stage.expansion = rng.pick(options.expansions);
    stage.activation = rng.pick(activations);
    if (stage.kind == StageKind::Ibn || stage.kind == StageKind::FusedIbn || stage.kind == StageKind::GroupedIbn)
      stage.squeeze_excite = rng.chance(0.3) ? static_cast<int>(rng.integer(1, 3)) : 0;
    if (stage.kind == StageKind::GroupedIbn) {
      stage.groups = rng.pick(std::vector<int64_t>{2, 4, 8});
      stage.grouped_variant = rng.chance(0.5) ? blocks::GroupedVariant::FusedGrouped : blocks::GroupedVariant::GroupedPointwise;
    }
    if (stage.kind == StageKind::BasicResidual || stage.kind == StageKind::BottleneckResidual) {
      stage.kernel = 3;
      stage.activation = Activation::Relu;
      if (stage.kind == StageKind::BottleneckResidual) stage.channels = round_to(static_cast<double>(stage.channels), 4);
    }
    if (stage.kind == StageKind::Conv) stage.depth = std::min<int64_t>(stage.depth, 2);
    net.stages.push_back(stage);
  }
  detail::Random precision_rng(detail::mix_seed(seed, 1));
  for (SampledStage& stage : net.stages) stage.int16 = precision_rng.chance(options.int16_stage_chance);
  const double head_draw = rng.uniform();
  if (head_draw < options.segmentation_chance) {
    net.head = HeadKind::Segmentation;
    net.num_classes = rng.pick(std::vector<int64_t>{2, 21, 150, 1000});  // 1000: the zoo's default
    // As torchvision's segmentation backbones: the last downsampling traded for dilation.
    int last_down = -1;
    for (size_t s = 0; s < net.stages.size(); ++s)
      if (net.stages[s].stride == 2) last_down = static_cast<int>(s);
    if (rng.chance(options.dilated_tail_chance) && last_down >= 0) {
      bool residual_tail = false;
      for (size_t s = static_cast<size_t>(last_down); s < net.stages.size(); ++s)
        residual_tail = residual_tail || net.stages[s].kind == StageKind::BasicResidual ||
                        net.stages[s].kind == StageKind::BottleneckResidual;
      if (!residual_tail) {
        net.stages[static_cast<size_t>(last_down)].stride = 1;
        for (size_t s = static_cast<size_t>(last_down); s < net.stages.size(); ++s) net.stages[s].dilation = 2;
      }
    }
  } else if (head_draw < options.segmentation_chance + options.detection_chance) {
    net.head = HeadKind::Detection;
    net.num_classes = rng.pick(std::vector<int64_t>{2, 91});
  } else {
    net.head = HeadKind::Classification;
    net.head_conv_channels = rng.chance(0.6) ? rng.pick(std::vector<int64_t>{576, 960, 1024, 1280}) : 0;
    net.head_hidden = rng.chance(0.25) ? rng.pick(std::vector<int64_t>{1024, 1280}) : 0;
    net.num_classes = rng.pick(std::vector<int64_t>{10, 100, 1000});
  }
  return net;
}

Result<ir::Graph> build_sampled_network(const SampledNetwork& net) {
  ir::Graph graph(net.name);
  ir::Builder b(graph);
  ir::NodeId x = b.input({net.batch, 3, net.resolution, net.resolution}, "image");
  {
    auto scope = b.scope("stem");
    auto y = blocks::conv_bn_act(b, x, {.out_channels = net.stem_channels, .kernel = net.stem_kernel, .stride = 2,
                                        .activation = net.stem_activation});
    if (!y) return y.error().within(net.name + ": stem");
    x = *y;
    if (net.stem_max_pool) {
      ir::PoolAttrs pool;
      pool.kernel_h = pool.kernel_w = 3;
      pool.stride_h = pool.stride_w = 2;
      pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right = 1;
      x = b.op(ir::OpKind::MaxPool, pool, {x}, "pool");
    }
  }
  int64_t stride = net.stem_max_pool ? 4 : 2;
  ir::NodeId stride8 = ir::kNoNode, stride16 = ir::kNoNode;
  for (size_t s = 0; s < net.stages.size(); ++s) {
    const SampledStage& stage = net.stages[s];
    const auto stage_first_node = static_cast<ir::NodeId>(graph.size());
    for (int64_t i = 0; i < stage.depth; ++i) {
      std::string block_name = "s";  // built by appending: GCC 12 warns falsely on "literal" + string
      block_name += std::to_string(s);
      block_name += ".b";
      block_name += std::to_string(i);
      auto scope = b.scope(block_name);
      const int64_t block_stride = i == 0 ? stage.stride : 1;
      Result<ir::NodeId> y = ir::kNoNode;
      if (stage.kind == StageKind::BasicResidual) {
        y = blocks::basic_residual_block(b, x, stage.channels, block_stride);
      } else if (stage.kind == StageKind::BottleneckResidual) {
        y = blocks::bottleneck_residual_block(b, x, stage.channels / 4, block_stride, 4);
      } else {
        blocks::BlockSpec spec = block_spec(stage, i);
        if (stage.kind == StageKind::GroupedIbn && !blocks::validate_block_spec(spec, b.channels(x))) {
          spec.type = blocks::BlockType::Ibn;  // groups that do not divide these widths: a plain IBN
          spec.groups = 1;
        }
        y = blocks::build_block(b, x, spec);
      }
      if (!y) return y.error().within(net.name + ": stage " + std::to_string(s) + " block " + std::to_string(i));
      x = *y;
    }
    if (stage.int16)
      for (auto id = stage_first_node; id < static_cast<ir::NodeId>(graph.size()); ++id) graph.set_precision(id, ir::Precision::Int16);
    stride *= stage.stride;
    if (stride == 8) stride8 = x;
    if (stride == 16) stride16 = x;
  }
  auto scope = b.scope("head");
  switch (net.head) {
    case HeadKind::Classification: {
      blocks::ClassificationHeadSpec head;
      head.conv_channels = net.head_conv_channels;
      head.hidden_features = net.head_hidden;
      head.num_classes = net.num_classes;
      auto y = blocks::classification_head(b, x, head);
      if (!y) return y.error().within(net.name + ": head");
      break;
    }
    case HeadKind::Segmentation: {
      if (stride8 == ir::kNoNode) return Error{net.name + ": no stage ends at output stride 8 for the LR-ASPP head"};
      blocks::LrAsppSpec head;
      head.num_classes = net.num_classes;
      head.out_h = head.out_w = net.resolution;
      auto y = blocks::lraspp_head(b, stride8, x, head);
      if (!y) return y.error().within(net.name + ": head");
      if (auto s = graph.set_outputs({*y}); !s) return s.error();
      break;
    }
    case HeadKind::Detection: {
      if (stride16 == ir::kNoNode) return Error{net.name + ": no stage ends at output stride 16 for the SSDLite head"};
      auto extras = blocks::ssdlite_extra_layers(b, x, {512, 256, 256, 128});
      if (!extras) return extras.error().within(net.name + ": head");
      std::vector<ir::NodeId> features{stride16, x};
      features.insert(features.end(), extras->begin(), extras->end());
      blocks::SsdLiteHeadSpec head;
      head.num_classes = net.num_classes;
      head.anchors_per_location.assign(features.size(), 6);
      auto y = blocks::ssdlite_head(b, features, head);
      if (!y) return y.error().within(net.name + ": head");
      break;
    }
  }
  if (!b.ok()) return b.error().within(net.name);
  return graph;
}

int stage_of_node(const ir::Node& node) {
  const std::string& name = node.name;
  if (name.size() < 2 || name[0] != 's' || name[1] < '0' || name[1] > '9') return -1;
  return std::atoi(name.c_str() + 1);
}

SampledNetwork scale_stage_channels(const SampledNetwork& network, int stage, double factor) {
  SampledNetwork scaled = network;
  if (stage < 0 || static_cast<size_t>(stage) >= scaled.stages.size()) return scaled;
  SampledStage& s = scaled.stages[static_cast<size_t>(stage)];
  const int64_t multiple = s.kind == StageKind::BottleneckResidual ? 4 : 1;
  s.channels = std::max<int64_t>(8, round_to(static_cast<double>(s.channels) * factor, multiple));
  return scaled;
}

std::string describe(const SampledNetwork& net) {
  std::string text = net.name + ": " + std::to_string(net.resolution) + "px, stem " + std::to_string(net.stem_channels) +
                     (net.stem_max_pool ? " + max pool" : "");
  for (const SampledStage& s : net.stages) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, " | %s k%lld e%g x%lld c%lld s%lld%s %s%s", stage_kind_name(s.kind),
                  static_cast<long long>(s.kernel), s.expansion, static_cast<long long>(s.depth),
                  static_cast<long long>(s.channels), static_cast<long long>(s.stride), s.dilation > 1 ? " d2" : "",
                  std::string(blocks::activation_name(s.activation)).c_str(), s.squeeze_excite ? " se" : "");
    if (s.int16) text += " int16";
    text += buffer;
  }
  text += net.head == HeadKind::Classification ? " | classification"
          : net.head == HeadKind::Segmentation ? " | lraspp"
                                               : " | ssdlite";
  return text;
}

}  // namespace hwnas::estimator
