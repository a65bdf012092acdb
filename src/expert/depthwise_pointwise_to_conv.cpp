// Pattern depthwise_pointwise_to_conv: a kxk depthwise followed by a 1x1 pointwise becomes one kxk
// standard convolution (the seed's memory-route recommendation: no expanded-width depthwise
// tensor, better lane use).
//
//   x -> dwconv kxk(C) [-> bn] [-> act] -> conv1x1(C->D) [-> ...]
//   x -> conv kxk(C->D), the depthwise's stride and padding [-> ...]
// The anchor is the depthwise. Its batch norm and activation go with it; what follows the
// pointwise (its batch norm, activation, residual add) is kept with its weights.
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

class DepthwisePointwiseToConv : public Pattern {
 public:
  std::string name() const override { return "depthwise_pointwise_to_conv"; }
  std::string summary() const override {
    return "replace a kxk depthwise and the 1x1 pointwise after it by one kxk standard convolution";
  }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"depthwise_pointwise_to_conv needs a node (the depthwise)"};
    GraphView view(graph);
    const ir::Node& node = graph.node(anchor);
    if (!view.is_depthwise(anchor)) return Error{node.describe() + " is not a depthwise convolution"};
    ConvUnit dw = view.conv_unit(anchor);
    ir::NodeId out = dw.output();
    if (squeeze_excite_reading(view, out))
      return Error{graph.node(out).describe() + " feeds a squeeze-excite; remove it first (remove_squeeze_excite)"};
    if (!view.only_read_by_one(out) || !view.is_pointwise(view.readers(out)[0]))
      return Error{graph.node(out).describe() + " is not read by a single 1x1 pointwise convolution"};
    Match match{anchor, dw.nodes()};
    match.nodes.push_back(view.readers(out)[0]);
    return match;
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    GraphView view(graph);
    ConvUnit dw = view.conv_unit(match.anchor);
    const ir::Node& dw_node = graph.node(dw.conv);
    const ir::Node& pw_node = graph.node(view.readers(dw.output())[0]);
    ir::Conv2dAttrs attrs = dw_node.attr<ir::Conv2dAttrs>();
    attrs.groups = 1;
    attrs.out_channels = pw_node.attr<ir::Conv2dAttrs>().out_channels;
    attrs.bias = pw_node.attr<ir::Conv2dAttrs>().bias;
    DraftGraph draft(graph);
    std::string conv_name = draft.unique_name(derive_name(dw_node.name, "dw", "conv"));
    draft.insert_before(dw_node.name, {DraftNode{conv_name, ir::OpKind::Conv2d, attrs,
                                                 {graph.node(dw_node.inputs[0]).name}, {}}});
    draft.redirect(pw_node.name, conv_name);
    std::vector<std::string> erased;
    for (ir::NodeId id : dw.nodes()) erased.push_back(graph.node(id).name);
    erased.push_back(pw_node.name);
    draft.erase(erased);
    return draft.build(seed);
  }
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_depthwise_pointwise_to_conv(const PatternParams& params) {
  if (Status s = check_param_keys("depthwise_pointwise_to_conv", params, {}); !s) return s.error();
  return std::unique_ptr<Pattern>(std::make_unique<DepthwisePointwiseToConv>());
}

}  // namespace hwnas::expert
