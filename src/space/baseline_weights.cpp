// baseline_with_weights: a derived space's baseline point carrying the trained weights of the network it came from.
#include "hwnas/ir/fold_batch_norm.h"
#include "hwnas/space/derive.h"

namespace hwnas::space {
namespace {

// The nodes of `graph` with params (convs, linears, a batch norm no conv folds, ...), in node order.
std::vector<ir::NodeId> weighted_layers(const ir::Graph& graph) {
  std::vector<ir::NodeId> layers;
  for (const ir::Node& n : graph.nodes())
    if (!n.params.empty()) layers.push_back(n.id);
  return layers;
}

}  // namespace

Result<ir::Graph> baseline_with_weights(const ir::Graph& network, const SearchSpace& space, const Architecture& arch) {
  if (!network.has_weights())
    return Error{"graph '" + network.name() + "': has no weights to inherit (export the model with its parameters)"};
  auto decoded = space.decode(arch);
  if (!decoded) return decoded.error().within("the baseline point");
  const ir::Graph source = ir::fold_batch_norm(network);
  ir::Graph baseline = ir::fold_batch_norm(*decoded);
  const std::vector<ir::NodeId> from = weighted_layers(source), to = weighted_layers(baseline);
  if (from.size() != to.size())
    return Error{"the baseline point has " + std::to_string(to.size()) + " layers with weights, graph '" +
                 network.name() + "' has " + std::to_string(from.size())};
  for (size_t i = 0; i < from.size(); ++i) {
    const ir::Node& a = source.node(from[i]);
    const ir::Node& b = baseline.node(to[i]);
    if (a.kind != b.kind || a.params.size() != b.params.size())
      return Error{b.describe() + " of the baseline point does not match " + a.describe() + " of '" + network.name() + "'"};
    for (size_t p = 0; p < a.params.size(); ++p) {
      if (!(a.params[p].shape == b.params[p].shape))
        return Error{b.describe() + " param '" + b.params[p].role + "' has shape [" + b.params[p].shape.to_string() +
                     "], " + a.describe() + " of '" + network.name() + "' has [" + a.params[p].shape.to_string() + "]"};
      baseline.param(to[i], p).data = a.params[p].data;
    }
  }
  if (!baseline.has_weights()) return Error{"the baseline point has layers without weights after the copy"};
  return baseline;
}

}  // namespace hwnas::space
