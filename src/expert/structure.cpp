// Structural matchers over ir::Graph shared by the rewrite patterns.
#include "hwnas/expert/structure.h"

namespace hwnas::expert {

ir::NodeId ConvUnit::output() const {
  if (act != ir::kNoNode) return act;
  if (bn != ir::kNoNode) return bn;
  return conv;
}

std::vector<ir::NodeId> ConvUnit::nodes() const {
  std::vector<ir::NodeId> present{conv};
  if (bn != ir::kNoNode) present.push_back(bn);
  if (act != ir::kNoNode) present.push_back(act);
  return present;
}

GraphView::GraphView(const ir::Graph& graph)
    : graph_(graph), consumers_(graph.consumers()), output_(graph.size(), false) {
  for (ir::NodeId id : graph.outputs()) output_[static_cast<size_t>(id)] = true;
}

bool GraphView::is_output(ir::NodeId id) const { return output_[static_cast<size_t>(id)]; }

bool GraphView::only_read_by_one(ir::NodeId id) const { return readers(id).size() == 1 && !is_output(id); }

bool GraphView::is_conv(ir::NodeId id) const { return graph_.node(id).kind == ir::OpKind::Conv2d; }

int64_t GraphView::channels(ir::NodeId id) const {
  const ir::Shape& shape = graph_.node(id).shape;
  return shape.rank() >= 2 ? shape[1] : 0;
}

bool GraphView::is_depthwise(ir::NodeId id) const {
  if (!is_conv(id)) return false;
  const ir::Node& node = graph_.node(id);
  const auto& attrs = node.attr<ir::Conv2dAttrs>();
  return attrs.groups > 1 && attrs.groups == attrs.out_channels && attrs.groups == channels(node.inputs[0]);
}

bool GraphView::is_pointwise(ir::NodeId id) const {
  if (!is_conv(id)) return false;
  const auto& a = graph_.node(id).attr<ir::Conv2dAttrs>();
  return a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.stride_w == 1 && a.groups == 1 &&
         a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
}

bool GraphView::is_full_spatial_conv(ir::NodeId id) const {
  if (!is_conv(id)) return false;
  const auto& a = graph_.node(id).attr<ir::Conv2dAttrs>();
  return a.groups == 1 && (a.kernel_h > 1 || a.kernel_w > 1);
}

ConvUnit GraphView::conv_unit(ir::NodeId conv) const {
  ConvUnit unit;
  unit.conv = conv;
  ir::NodeId last = conv;
  if (only_read_by_one(last) && graph_.node(readers(last)[0]).kind == ir::OpKind::BatchNorm) {
    unit.bn = readers(last)[0];
    last = unit.bn;
  }
  if (only_read_by_one(last)) {
    const ir::Node& next = graph_.node(readers(last)[0]);
    if (ir::is_activation(next.kind) && next.inputs.size() == 1) unit.act = next.id;
  }
  return unit;
}

std::vector<ir::NodeId> SqueezeExcite::nodes() const { return {pool, reduce, reduce_act, expand, gate, scale}; }

Result<SqueezeExcite> squeeze_excite_at_pool(const GraphView& view, ir::NodeId pool) {
  const ir::Graph& g = view.graph();
  const ir::Node& node = g.node(pool);
  if (node.kind != ir::OpKind::GlobalAvgPool) return Error{node.describe() + " is not a global average pool"};
  SqueezeExcite se;
  se.pool = pool;
  se.input = node.inputs[0];
  auto single_reader = [&](ir::NodeId id) { return view.only_read_by_one(id) ? view.readers(id)[0] : ir::kNoNode; };
  se.reduce = single_reader(pool);
  if (se.reduce == ir::kNoNode || !view.is_pointwise(se.reduce))
    return Error{node.describe() + " is not read by one 1x1 convolution (no squeeze-excite)"};
  se.reduce_act = single_reader(se.reduce);
  if (se.reduce_act == ir::kNoNode || !ir::is_activation(g.node(se.reduce_act).kind))
    return Error{g.node(se.reduce).describe() + " is not followed by an activation (no squeeze-excite)"};
  se.expand = single_reader(se.reduce_act);
  if (se.expand == ir::kNoNode || !view.is_pointwise(se.expand) || view.channels(se.expand) != view.channels(se.input))
    return Error{g.node(se.reduce_act).describe() + " is not followed by a 1x1 expansion to the input width"};
  se.gate = single_reader(se.expand);
  if (se.gate == ir::kNoNode ||
      (g.node(se.gate).kind != ir::OpKind::Sigmoid && g.node(se.gate).kind != ir::OpKind::HardSigmoid))
    return Error{g.node(se.expand).describe() + " is not followed by a sigmoid gate"};
  se.scale = single_reader(se.gate);
  if (se.scale == ir::kNoNode || g.node(se.scale).kind != ir::OpKind::Mul) 
    return Error{g.node(se.gate).describe() + " does not gate a multiplication"};
  const auto& mul_inputs = g.node(se.scale).inputs;
  bool reads_input = (mul_inputs[0] == se.input && mul_inputs[1] == se.gate) ||
                     (mul_inputs[1] == se.input && mul_inputs[0] == se.gate);
  if (!reads_input) return Error{g.node(se.scale).describe() + " does not multiply the pooled tensor by the gate"};
  return se;
}

std::optional<SqueezeExcite> squeeze_excite_reading(const GraphView& view, ir::NodeId x) {
  for (ir::NodeId reader : view.readers(x)) {
    if (view.graph().node(reader).kind != ir::OpKind::GlobalAvgPool) continue;
    auto se = squeeze_excite_at_pool(view, reader);
    if (se) return *se;
  }
  return std::nullopt;
}

ir::NodeId projection_after(const GraphView& view, ir::NodeId x) {
  ir::NodeId tensor = x;
  if (auto se = squeeze_excite_reading(view, x)) {
    if (view.readers(x).size() != 2 || view.is_output(x)) return ir::kNoNode;  // pool and scale only
    tensor = se->scale;
  }
  if (!view.only_read_by_one(tensor)) return ir::kNoNode;
  ir::NodeId reader = view.readers(tensor)[0];
  return view.is_pointwise(reader) ? reader : ir::kNoNode;
}

}  // namespace hwnas::expert
