// Pattern fused_ibn_to_ibn: a fused IBN's kxk full conv split back into a 1x1 expansion and a
// kxk depthwise (the inverse of ibn_to_fused_ibn, for layers where the full conv costs more).
//
//   x -> conv kxk(C->E) [-> bn] [-> act] [-> SE] -> conv1x1 projection
//   x -> conv1x1(C->E) [-> bn] [-> act] -> dwconv kxk(E) [-> bn] [-> act] [-> SE] -> projection
// The anchor is the full conv; it must be followed by a 1x1 projection (else it is a plain conv,
// not a fused IBN). Its batch norm and activation stay after the depthwise with their weights;
// the new expansion copies them (fresh weights).
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

class FusedIbnToIbn : public Pattern {
 public:
  std::string name() const override { return "fused_ibn_to_ibn"; }
  std::string summary() const override {
    return "split a fused IBN's kxk full convolution into a 1x1 expansion and a kxk depthwise";
  }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"fused_ibn_to_ibn needs a node (the fused IBN's kxk convolution)"};
    GraphView view(graph);
    const ir::Node& node = graph.node(anchor);
    if (!view.is_full_spatial_conv(anchor))
      return Error{node.describe() + " is not a full (groups 1) convolution with a kernel larger than 1x1"};
    if (view.channels(anchor) < 2) return Error{node.describe() + " has fewer than 2 output channels"};
    ConvUnit fused = view.conv_unit(anchor);
    ir::NodeId projection = projection_after(view, fused.output());
    if (projection == ir::kNoNode)
      return Error{node.describe() + " is not followed by a 1x1 projection (a plain convolution, not a fused IBN)"};
    Match match{anchor, fused.nodes()};
    match.nodes.push_back(projection);
    return match;
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    GraphView view(graph);
    ConvUnit fused = view.conv_unit(match.anchor);
    const ir::Node& conv = graph.node(fused.conv);
    const auto& attrs = conv.attr<ir::Conv2dAttrs>();
    DraftGraph draft(graph);
    std::vector<DraftNode> added;
    ir::Conv2dAttrs expand_attrs = ir::Conv2dAttrs::make(attrs.out_channels, 1, 1, 1, attrs.bias);
    std::string expand_name = draft.unique_name(derive_name(conv.name, "fused", "expand"));
    std::string last = expand_name;
    added.push_back({expand_name, ir::OpKind::Conv2d, expand_attrs, {graph.node(conv.inputs[0]).name}, {}});
    if (fused.bn != ir::kNoNode) {
      std::string bn_name = draft.unique_name(expand_name + "_bn");
      added.push_back({bn_name, ir::OpKind::BatchNorm, graph.node(fused.bn).attrs, {last}, {}});
      last = bn_name;
    }
    if (fused.act != ir::kNoNode) {
      const ir::Node& act = graph.node(fused.act);
      std::string act_name = draft.unique_name(expand_name + "_" + std::string(ir::op_name(act.kind)));
      added.push_back({act_name, act.kind, act.attrs, {last}, {}});
      last = act_name;
    }
    ir::Conv2dAttrs dw_attrs = attrs;
    dw_attrs.groups = attrs.out_channels;
    std::string dw_name = draft.unique_name(derive_name(conv.name, "fused", "dw"));
    added.push_back({dw_name, ir::OpKind::Conv2d, dw_attrs, {last}, {}});
    draft.insert_before(conv.name, std::move(added));
    draft.redirect(conv.name, dw_name);
    draft.erase({conv.name});
    return draft.build(seed);
  }
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_fused_ibn_to_ibn(const PatternParams& params) {
  if (Status s = check_param_keys("fused_ibn_to_ibn", params, {}); !s) return s.error();
  return std::unique_ptr<Pattern>(std::make_unique<FusedIbnToIbn>());
}

}  // namespace hwnas::expert
