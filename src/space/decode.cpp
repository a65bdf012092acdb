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

// `region`'s nodes built on `inputs` (one per Input node of its graph, in order) under the
// builder's scope, their shapes inferred again: the region's outputs.
Result<std::vector<ir::NodeId>> splice_fixed(ir::Builder& b, const FixedRegion& region, const std::vector<ir::NodeId>& inputs,
                                             const std::string& where) {
  const ir::Graph& g = region.graph;
  const std::string what = "invalid architecture: " + where + ": fixed region '" + region.name + "'";
  std::vector<ir::NodeId> mapped(g.size(), ir::kNoNode);
  size_t next_input = 0;
  for (const ir::Node& n : g.nodes()) {
    if (n.kind == ir::OpKind::Input) {
      if (next_input >= inputs.size()) return Error{what + ": has more input nodes than the tensors it is given"};
      const ir::NodeId bound = inputs[next_input++];
      const ir::Shape& have = b.shape(bound);
      if (have.rank() != n.shape.rank() || (have.rank() >= 2 && have[1] != n.shape[1]))
        return Error{what + ": its input '" + n.name + "' is [" + n.shape.to_string() + "] but reads [" + have.to_string() +
                     "] (a width before a fixed region cannot change)"};
      mapped[static_cast<size_t>(n.id)] = bound;
      continue;
    }
    std::vector<ir::NodeId> ins;
    for (ir::NodeId i : n.inputs) ins.push_back(mapped[static_cast<size_t>(i)]);
    mapped[static_cast<size_t>(n.id)] = b.op(n.kind, n.attrs, std::move(ins), n.name);
    if (!b.ok()) return b.error().within(what);
  }
  std::vector<ir::NodeId> outputs;
  for (ir::NodeId o : g.outputs()) outputs.push_back(mapped[static_cast<size_t>(o)]);
  return outputs;
}

}  // namespace

Result<ir::Graph> SearchSpace::decode(const Architecture& arch) const {
  if (Status s = check(arch); !s) return s.error();
  if (!macro_) return Error{"space '" + name_ + "' is a custom space: it has decision variables but no network to decode"};
  const MacroSpec& m = *macro_;
  auto value = [&](int decision) { return decisions_[decision].choices[arch[decision]].value; };
  auto label = [&](int decision) -> const std::string& { return decisions_[decision].choices[arch[decision]].label; };

  const int64_t resolution = static_cast<int64_t>(value(m.resolution));
  const double depth_multiplier = m.depth_multiplier >= 0 ? value(m.depth_multiplier) : 1.0;
  // The output stride: stages that would stride past it keep stride 1.
  const int64_t output_stride = m.output_stride >= 0 ? static_cast<int64_t>(value(m.output_stride)) : 0;
  std::vector<int64_t> strides;
  int64_t total_stride = m.stem_stride;
  for (const StageSpec& s : m.stages) {
    int64_t st = s.stride;
    if (output_stride > 0 && total_stride * st > output_stride) {
      if (s.fixed >= 0 && st > 1)
        return Error{"invalid architecture: head.output_stride " + std::to_string(output_stride) + ": the fixed " + s.name +
                     " strides past it"};
      st = 1;
    }
    strides.push_back(st);
    total_stride *= st;
  }
  // (a fixed stage's stride rounds up, as its ops may pad: its own shape inference checks it)
  int64_t block_stride = m.stem_fixed >= 0 ? 1 : m.stem_stride;
  for (size_t k = 0; k < m.stages.size(); ++k)
    if (m.stages[k].fixed < 0) block_stride *= strides[k];
  if (resolution < block_stride)
    return Error{"invalid architecture: resolution " + std::to_string(resolution) + " is below the total stride " +
                 std::to_string(block_stride) + " of the network's blocks"};

  ir::Graph graph(name_);
  ir::Builder b(graph);
  const ir::NodeId image = b.input({1, m.input_channels, resolution, resolution});
  Result<ir::NodeId> x = image;
  if (m.stem_fixed >= 0) {
    auto scope = b.scope("stem");
    auto out = splice_fixed(b, m.fixed[static_cast<size_t>(m.stem_fixed)], {image}, "stem");
    if (!out) return out.error();
    x = out->front();
  } else {
    auto scope = b.scope("stem");
    x = blocks::conv_bn_act(b, image,
                            {.out_channels = static_cast<int64_t>(value(m.stem_channels)), .kernel = 3, .stride = m.stem_stride,
                             .activation = m.activation});
    if (!x) return x.error().within("invalid architecture: stem");
  }
  std::vector<Feature> features;
  const ir::NodeId stem_out = *x;
  std::vector<ir::NodeId> stage_expansion;  // per stage: its first block's depthwise input (kNoNode: none)
  ir::NodeId expansion_tap = ir::kNoNode;  // the expansion output of the IBN going from stride 16 to 32
  int64_t stride = m.stem_stride;
  for (size_t k = 0; k < m.stages.size(); ++k) {
    const StageSpec& stage = m.stages[k];
    const int64_t stage_stride = strides[k];
    auto stage_scope = b.scope(stage.name);
    stage_expansion.push_back(ir::kNoNode);
    if (stage.fixed >= 0) {
      auto out = splice_fixed(b, m.fixed[static_cast<size_t>(stage.fixed)], {*x}, stage.name);
      if (!out) return out.error();
      x = out->front();
      stride *= stage_stride;
      features.push_back({*x, stride});
      continue;
    }
    const auto type = blocks::block_type_from_name(label(stage.block_type));
    const int64_t depth = stage_depth(value(stage.depth), depth_multiplier);
    const auto stage_first_node = static_cast<ir::NodeId>(graph.size());
    for (int64_t j = 0; j < depth; ++j) {
      auto block_scope = b.scope("block" + std::to_string(j));
      blocks::BlockSpec spec;
      spec.type = *type;
      spec.out_channels = static_cast<int64_t>(value(stage.channels));
      spec.kernel = static_cast<int64_t>(value(stage.kernel));
      spec.stride = j == 0 ? stage_stride : 1;
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
      if (j == 0)
        for (auto id = first_node; id < static_cast<ir::NodeId>(graph.size()); ++id) {
          const ir::Node& n = graph.node(id);
          if (n.kind == ir::OpKind::Conv2d && n.attr<ir::Conv2dAttrs>().groups > 1) {  // the depthwise conv
            stage_expansion.back() = n.inputs[0];
            break;
          }
        }
      // The stride-16 expansion output of the block going to stride 32: an IBN's depthwise input;
      // a block without one (fused IBN, conv: its kxk conv strides) gives the stride-16 map it reads.
      if (j == 0 && stride == 16 && stage_stride == 2 && expansion_tap == ir::kNoNode) expansion_tap = block_input;
      if (j == 0 && stride == 16 && stage_stride == 2 && spec.type == blocks::BlockType::Ibn && stage_expansion.back() != ir::kNoNode)
        expansion_tap = stage_expansion.back();
    }
    if (stage.precision >= 0) {  // mixed precision: every layer of the stage computes at the chosen width
      const auto precision = ir::precision_from_name(label(stage.precision));
      for (auto id = stage_first_node; id < static_cast<ir::NodeId>(graph.size()); ++id) graph.set_precision(id, precision);
    }
    stride *= stage_stride;
    features.push_back({*x, stride});
  }

  if (m.head_fixed >= 0) {
    std::vector<ir::NodeId> taps;
    for (const std::string& name : m.head_inputs) {
      ir::NodeId tap = name == "stem" ? stem_out : ir::kNoNode;
      for (size_t k = 0; k < m.stages.size() && tap == ir::kNoNode; ++k) {
        // a stage's output is the feature it pushed; fixed stages push one too
        if (name == m.stages[k].name) tap = features[k].node;
        if (name == m.stages[k].name + ".expansion") {
          if (stage_expansion[k] == ir::kNoNode)
            return Error{"invalid architecture: head.inputs: " + name + ": the first block of " + m.stages[k].name +
                         " has no depthwise conv, so no expansion output (it must stay an inverted bottleneck)"};
          tap = stage_expansion[k];
        }
      }
      if (tap == ir::kNoNode) return Error{"invalid architecture: head.inputs: no tensor '" + name + "'"};
      taps.push_back(tap);
    }
    auto scope = b.scope("head");
    auto outputs = splice_fixed(b, m.fixed[static_cast<size_t>(m.head_fixed)], taps, "head");
    if (!outputs) return outputs.error();
    if (Status s = graph.set_outputs(*outputs); !s) return s.error();
    return graph;
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
      // LR-ASPP: the low-level features are head.low's, or the last ones at output stride 8.
      const Feature* low = nullptr;
      for (size_t k = 0; k < features.size(); ++k)
        if (m.low_stage.empty() ? features[k].stride == 8 : m.stages[k].name == m.low_stage) low = &features[k];
      if (!low) return Error{"invalid architecture: the segmentation head needs a stage at output stride 8"};
      auto scope = b.scope("head");
      const int64_t inter = m.head_channels_decision >= 0 ? static_cast<int64_t>(value(m.head_channels_decision)) : m.head_channels;
      out = blocks::lraspp_head(b, low->node, *x,
                                {.inter_channels = inter, .num_classes = m.num_classes, .out_h = resolution, .out_w = resolution});
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
      std::vector<int64_t> extra_widths = m.extra_channels;
      for (size_t k = 0; k < m.extra_channel_decisions.size(); ++k)
        if (m.extra_channel_decisions[k] >= 0) extra_widths[k] = static_cast<int64_t>(value(m.extra_channel_decisions[k]));
      auto extras = blocks::ssdlite_extra_layers(b, *x, extra_widths, m.activation);
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
