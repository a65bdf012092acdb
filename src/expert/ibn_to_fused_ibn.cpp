// Pattern ibn_to_fused_ibn: an IBN's 1x1 expansion and kxk depthwise become one kxk full conv to
// the expanded width (the fused IBN the seed found in early layers of every search).
//
//   x -> conv1x1(C->E) [-> bn] [-> act] -> dwconv kxk(E) [-> bn] [-> act] -> ...
//   x -> conv kxk(C->E), the depthwise's stride and padding [-> bn] [-> act] -> ...
// The anchor is the 1x1 expansion. The depthwise's batch norm and activation are kept (with
// their weights); the new conv gets a fresh initialisation.
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

class IbnToFusedIbn : public Pattern {
 public:
  std::string name() const override { return "ibn_to_fused_ibn"; }
  std::string summary() const override {
    return "fuse an IBN's 1x1 expansion and kxk depthwise into one kxk full convolution";
  }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"ibn_to_fused_ibn needs a node (the IBN's 1x1 expansion)"};
    GraphView view(graph);
    const ir::Node& node = graph.node(anchor);
    if (!view.is_pointwise(anchor)) return Error{node.describe() + " is not a 1x1 convolution (an IBN expansion)"};
    ConvUnit expand = view.conv_unit(anchor);
    ir::NodeId out = expand.output();
    if (!view.only_read_by_one(out))
      return Error{graph.node(out).describe() + " is read by " + std::to_string(view.readers(out).size()) +
                   " nodes; an IBN expansion feeds its depthwise only"};
    ir::NodeId dw = view.readers(out)[0];
    if (!view.is_depthwise(dw))
      return Error{graph.node(out).describe() + " is not read by a depthwise convolution (no IBN here)"};
    ConvUnit depthwise = view.conv_unit(dw);
    Match match{anchor, expand.nodes()};
    for (ir::NodeId id : depthwise.nodes()) match.nodes.push_back(id);
    return match;
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    GraphView view(graph);
    ConvUnit expand = view.conv_unit(match.anchor);
    ir::NodeId dw = view.readers(expand.output())[0];
    const ir::Node& expand_node = graph.node(expand.conv);
    const ir::Node& dw_node = graph.node(dw);
    DraftGraph draft(graph);
    ir::Conv2dAttrs attrs = dw_node.attr<ir::Conv2dAttrs>();
    attrs.groups = 1;
    DraftNode fused{draft.unique_name(derive_name(expand_node.name, "expand", "fused")), ir::OpKind::Conv2d, attrs,
                    {graph.node(expand_node.inputs[0]).name}, {}};
    std::string fused_name = fused.name;
    draft.insert_before(dw_node.name, {std::move(fused)});
    draft.redirect(dw_node.name, fused_name);
    std::vector<std::string> erased;
    for (ir::NodeId id : expand.nodes()) erased.push_back(graph.node(id).name);
    erased.push_back(dw_node.name);
    draft.erase(erased);
    return draft.build(seed);
  }
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_ibn_to_fused_ibn(const PatternParams& params) {
  if (Status s = check_param_keys("ibn_to_fused_ibn", params, {}); !s) return s.error();
  return std::unique_ptr<Pattern>(std::make_unique<IbnToFusedIbn>());
}

}  // namespace hwnas::expert
