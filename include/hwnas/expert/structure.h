// Structural matchers the rewrite patterns share: conv -> [bn] -> [act] units, depthwise and
// pointwise convolutions, squeeze-excite subgraphs. They read the graph's structure only (no
// names), so they find blocks in zoo models and imported ONNX alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::expert {

// A convolution followed by an optional batch norm and an optional activation, where each
// intermediate tensor is read by the next node only (and is no graph output).
struct ConvUnit {
  ir::NodeId conv = ir::kNoNode;
  ir::NodeId bn = ir::kNoNode;   // kNoNode when absent
  ir::NodeId act = ir::kNoNode;  // kNoNode when absent
  // The unit's last node: act, else bn, else conv.
  ir::NodeId output() const;
  std::vector<ir::NodeId> nodes() const;  // present nodes, in order
};

// The structural facts a pattern asks of a graph, computed once.
class GraphView {
 public:
  explicit GraphView(const ir::Graph& graph);
  const ir::Graph& graph() const { return graph_; }
  const std::vector<ir::NodeId>& readers(ir::NodeId id) const { return consumers_[static_cast<size_t>(id)]; }
  bool is_output(ir::NodeId id) const;
  // Exactly one reader and not a graph output: the tensor may be fused away.
  bool only_read_by_one(ir::NodeId id) const;

  bool is_conv(ir::NodeId id) const;
  // groups == in == out channels, groups > 1.
  bool is_depthwise(ir::NodeId id) const;
  // 1x1, stride 1, groups 1.
  bool is_pointwise(ir::NodeId id) const;
  // groups 1, kernel larger than 1x1.
  bool is_full_spatial_conv(ir::NodeId id) const;
  int64_t channels(ir::NodeId id) const;  // dim 1 of the output, 0 below rank 2

  // The unit starting at convolution `conv`.
  ConvUnit conv_unit(ir::NodeId conv) const;

 private:
  const ir::Graph& graph_;
  std::vector<std::vector<ir::NodeId>> consumers_;
  std::vector<bool> output_;
};

// Squeeze-excite: pool(x) -> 1x1 reduce -> act -> 1x1 expand -> gate -> mul(x, gate).
struct SqueezeExcite {
  ir::NodeId input = ir::kNoNode;  // x
  ir::NodeId pool = ir::kNoNode, reduce = ir::kNoNode, reduce_act = ir::kNoNode;
  ir::NodeId expand = ir::kNoNode, gate = ir::kNoNode, scale = ir::kNoNode;
  std::vector<ir::NodeId> nodes() const;
};

// The squeeze-excite whose global pool is `pool`, or the reason it is none.
Result<SqueezeExcite> squeeze_excite_at_pool(const GraphView& view, ir::NodeId pool);
// The squeeze-excite that reads tensor `x`, if any.
std::optional<SqueezeExcite> squeeze_excite_reading(const GraphView& view, ir::NodeId x);

// The single 1x1 projection that reads `x`, directly or through one squeeze-excite; kNoNode
// when `x` has other readers.
ir::NodeId projection_after(const GraphView& view, ir::NodeId x);

}  // namespace hwnas::expert
