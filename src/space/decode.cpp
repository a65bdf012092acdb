// SearchSpace::decode: an architecture of the macro space as an ir::Graph, built from blocks::build_block.
#include <cmath>

#include "hwnas/blocks/build_block.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/space/space.h"

namespace hwnas::space {
namespace {

struct Feature {
  ir::NodeId node;
  int64_t stride;  // total stride from the input
};

}  // namespace

Result<ir::Graph> SearchSpace::decode(const Architecture& arch) const {
  if (Status s = check(arch); !s) return s.error();
  if (!macro_) return Error{"space '" + name_ + "' is a custom space: it has decision variables but no network to decode"};
  const MacroSpec& m = *macro_;
  auto value = [&](int decision) { return decisions_[decision].choices[arch[decision]].value; };
  auto label = [&](int decision) -> const std::string& { return decisions_[decision].choices[arch[decision]].label; };

  const int64_t resolution = static_cast<int64_t>(value(m.resolution));
  const double depth_multiplier = m.depth_multiplier >= 0 ? value(m.depth_multiplier) : 1.0;
  int64_t total_stride = m.stem_stride;
  for (const StageSpec& s : m.stages) total_stride *= s.stride;
  if (resolution < total_stride)
    return Error{"invalid architecture: resolution " + std::to_string(resolution) + " is below the total stride " +
                 std::to_string(total_stride) + " of the network"};

  ir::Graph graph(name_);
  ir::Builder b(graph);
  const ir::NodeId image = b.input({1, m.input_channels, resolution, resolution});
  Result<ir::NodeId> x = image;
  {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(b, image,
                            {.out_channels = static_cast<int64_t>(value(m.stem_channels)), .kernel = 3, .stride = m.stem_stride,
                             .activation = m.activation});
    if (!x) return x.error().within("invalid architecture: stem");
  }
  std::vector<Feature> features;
  ir::NodeId expansion_tap = ir::kNoNode;  // the expansion output of the IBN going from stride 16 to 32
  int64_t stride = m.stem_stride;
  for (const StageSpec& stage : m.stages) {
    auto stage_scope = b.scope(stage.name);
    const auto type = blocks::block_type_from_name(label(stage.block_type));
    const int64_t depth = stage_depth(value(stage.depth), depth_multiplier);
    for (int64_t j = 0; j < depth; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      blocks::BlockSpec spec;
      spec.type = *type;
      spec.out_channels = static_cast<int64_t>(value(stage.channels));
      spec.kernel = static_cast<int64_t>(value(stage.kernel));
      spec.stride = j == 0 ? stage.stride : 1;
      spec.expansion = value(stage.expansion);
      spec.activation = stage.activation.value_or(m.activation);
      spec.groups = stage.groups;
      if (stage.squeeze_excite)
        spec.se = stage.squeeze_excite_kind == "efficientnet" ? blocks::SqueezeExciteConfig::efficientnet()
                  : stage.squeeze_excite_kind == "mnasnet"    ? blocks::SqueezeExciteConfig::mnasnet()
                                                              : blocks::SqueezeExciteConfig::mobilenet_v3();
      const int64_t in_channels = b.channels(*x);
      if (Status s = blocks::validate_block_spec(spec, in_channels); !s)
        return s.error().within("invalid architecture: " + stage.name + ".block" + std::to_string(j));
      const auto first_node = static_cast<ir::NodeId>(graph.size());
      const ir::NodeId block_input = *x;
      x = blocks::build_block(b, *x, spec);
      if (!x) return x.error().within("invalid architecture: " + stage.name + ".block" + std::to_string(j));
      // The stride-16 expansion output of the block going to stride 32: an IBN's depthwise input;
      // a block without one (fused IBN, conv: its kxk conv strides) gives the stride-16 map it reads.
      if (j == 0 && stride == 16 && stage.stride == 2 && expansion_tap == ir::kNoNode) expansion_tap = block_input;
      if (j == 0 && stride == 16 && stage.stride == 2 && spec.type == blocks::BlockType::Ibn)
        for (auto id = first_node; id < static_cast<ir::NodeId>(graph.size()); ++id) {
          const ir::Node& n = graph.node(id);
          if (n.kind == ir::OpKind::Conv2d && n.attr<ir::Conv2dAttrs>().groups > 1) {  // the depthwise conv
            expansion_tap = n.inputs[0];
            break;
          }
        }
    }
    stride *= stage.stride;
    features.push_back({*x, stride});
  }

  Result<ir::NodeId> out = *x;
  switch (m.head) {
    case HeadKind::Classification: {
      auto scope = b.scope("head");
      out = blocks::classification_head(b, *x, {.conv_channels = m.head_conv_channels, .conv_activation = m.activation,
                                                 .hidden_features = m.head_hidden, .hidden_activation = m.activation,
                                                 .num_classes = m.num_classes});
      if (!out) return out.error().within("invalid architecture: head");
      if (Status s = graph.set_outputs({*out}); !s) return s.error();
      break;
    }
    case HeadKind::Segmentation: {
      // LR-ASPP: the low-level features are the last ones at output stride 8.
      const Feature* low = nullptr;
      for (const Feature& f : features)
        if (f.stride == 8) low = &f;
      if (!low) return Error{"invalid architecture: the segmentation head needs a stage at output stride 8"};
      auto scope = b.scope("head");
      out = blocks::lraspp_head(b, low->node, *x,
                                {.inter_channels = m.head_channels, .num_classes = m.num_classes, .out_h = resolution,
                                 .out_w = resolution});
      if (!out) return out.error().within("invalid architecture: head");
      if (Status s = graph.set_outputs({*out}); !s) return s.error();
      break;
    }
    case HeadKind::Detection: {
      // SSDLite: the last feature map at output stride 16 (when there is one), the last one, and the extras.
      std::vector<ir::NodeId> maps;
      for (const Feature& f : features)
        if (f.stride == 16 && f.node != *x) maps = {f.node};
      if (m.tap_expansion) {
        if (expansion_tap == ir::kNoNode)
          return Error{"invalid architecture: head.tap expansion needs a stage that downsamples from stride 16 to 32"};
        maps = {expansion_tap};
      }
      maps.push_back(*x);
      auto extras = blocks::ssdlite_extra_layers(b, *x, m.extra_channels, m.activation);
      if (!extras) return extras.error().within("invalid architecture: detection extra layers");
      maps.insert(maps.end(), extras->begin(), extras->end());
      blocks::SsdLiteHeadSpec head;
      head.num_classes = m.num_classes;
      head.anchors_per_location.assign(maps.size(), 6);
      if (!m.anchors.empty()) {
        if (m.anchors.size() != maps.size())
          return Error{"invalid architecture: head.anchors lists " + std::to_string(m.anchors.size()) + " maps, the network has " +
                       std::to_string(maps.size())};
        head.anchors_per_location = m.anchors;
      }
      head.activation = m.activation;
      auto outputs = blocks::ssdlite_head(b, maps, head);
      if (!outputs) return outputs.error().within("invalid architecture: head");
      break;
    }
  }
  if (!b.ok()) return b.error().within("invalid architecture");
  return graph;
}

}  // namespace hwnas::space
