// Extraction of a set of nodes as a standalone graph with Input nodes for external tensors.
#include "hwnas/ir/subgraph.h"

#include <algorithm>

namespace hwnas::ir {

Result<Graph> extract_subgraph(const Graph& graph, const std::vector<NodeId>& nodes) {
  const std::string where = "extract_subgraph of graph '" + graph.name() + "'";
  if (nodes.empty()) return Error{where + ": no nodes given"};
  std::vector<NodeId> selected = nodes;
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  for (NodeId id : selected)
    if (id < 0 || static_cast<size_t>(id) >= graph.size())
      return Error{where + ": node id " + std::to_string(id) + " is not a node (the graph has " +
                   std::to_string(graph.size()) + ")"};

  std::vector<bool> in_set(graph.size(), false);
  for (NodeId id : selected) in_set[static_cast<size_t>(id)] = true;

  Graph sub(graph.name() + ":" + graph.node(selected.front()).name + ".." + graph.node(selected.back()).name);
  // new_id[old] is the id in `sub` of the old node's tensor, once it has one.
  std::vector<NodeId> new_id(graph.size(), kNoNode);

  for (NodeId id : selected) {
    const Node& node = graph.node(id);
    std::vector<NodeId> inputs;
    inputs.reserve(node.inputs.size());
    for (NodeId producer : node.inputs) {
      auto& mapped = new_id[static_cast<size_t>(producer)];
      if (mapped == kNoNode) {  // external tensor, seen for the first time
        const Node& source = graph.node(producer);
        auto input = sub.add(OpKind::Input, InputAttrs{source.shape}, {}, source.name);
        if (!input) return input.error().within(where);
        sub.set_precision(*input, source.precision);  // the tensor keeps the precision it is stored in
        mapped = *input;
      }
      inputs.push_back(mapped);
    }
    auto added = sub.add(node.kind, node.attrs, std::move(inputs), node.name);
    if (!added) return added.error().within(where);
    new_id[static_cast<size_t>(id)] = *added;
    sub.set_precision(*added, node.precision);
    if (sub.node(*added).params.size() != node.params.size())
      return Error{where + ": " + node.describe() + ": params do not match its kind"};
    for (size_t i = 0; i < node.params.size(); ++i) sub.param(*added, i) = node.params[i];
  }

  std::vector<bool> is_graph_output(graph.size(), false);
  for (NodeId out : graph.outputs()) is_graph_output[static_cast<size_t>(out)] = true;
  const auto consumers = graph.consumers();
  std::vector<NodeId> outputs;
  for (NodeId id : selected) {
    const auto& users = consumers[static_cast<size_t>(id)];
    bool read_outside = std::any_of(users.begin(), users.end(),
                                    [&](NodeId user) { return !in_set[static_cast<size_t>(user)]; });
    if (read_outside || users.empty() || is_graph_output[static_cast<size_t>(id)])
      outputs.push_back(new_id[static_cast<size_t>(id)]);
  }
  if (outputs.empty()) outputs.push_back(new_id[static_cast<size_t>(selected.back())]);
  if (auto status = sub.set_outputs(std::move(outputs)); !status) return status.error().within(where);
  return sub;
}

}  // namespace hwnas::ir
