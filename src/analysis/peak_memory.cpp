// Peak activation memory under an execution order: tensor lifetimes and the live bytes of each step.
#include "hwnas/analysis/peak_memory.h"

#include <algorithm>
#include <string>

namespace hwnas::analysis {
namespace {

std::string id_text(ir::NodeId id) { return std::to_string(id); }

}  // namespace

int64_t tensor_bytes(const ir::Graph& graph, ir::NodeId id, ir::Precision precision) {
  const ir::Node& node = graph.node(id);
  return node.shape.numel() * ir::bytes_per_element(ir::layer_precision(node.precision, precision));
}

Status check_execution_order(const ir::Graph& graph, const std::vector<ir::NodeId>& order) {
  const auto n = static_cast<ir::NodeId>(graph.size());
  const std::string where = "execution order of graph '" + graph.name() + "'";
  std::vector<int> step_of(graph.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) {
    const ir::NodeId id = order[k];
    if (id < 0 || id >= n)
      return Error{where + ": step " + std::to_string(k) + " names node id " + id_text(id) +
                   ", which is not a node (the graph has " + std::to_string(n) + ")"};
    if (step_of[static_cast<size_t>(id)] >= 0)
      return Error{where + ": " + graph.node(id).describe() + " appears twice (steps " +
                   std::to_string(step_of[static_cast<size_t>(id)]) + " and " + std::to_string(k) + ")"};
    step_of[static_cast<size_t>(id)] = static_cast<int>(k);
  }
  for (const ir::Node& node : graph.nodes())
    if (step_of[static_cast<size_t>(node.id)] < 0)
      return Error{where + ": " + node.describe() + " is missing (an order lists every node once)"};
  for (const ir::Node& node : graph.nodes())
    for (ir::NodeId input : node.inputs)
      if (step_of[static_cast<size_t>(input)] > step_of[static_cast<size_t>(node.id)])
        return Error{where + ": " + node.describe() + " runs at step " +
                     std::to_string(step_of[static_cast<size_t>(node.id)]) + " before its input " +
                     graph.node(input).describe() + " (step " +
                     std::to_string(step_of[static_cast<size_t>(input)]) + ")"};
  return {};
}

Result<PeakMemory> peak_memory(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                               ir::Precision precision) {
  if (Status valid = check_execution_order(graph, order); !valid) return valid.error();
  const size_t n = graph.size();
  const int last_step = static_cast<int>(n) - 1;
  std::vector<int> step_of(n);
  for (size_t k = 0; k < n; ++k) step_of[static_cast<size_t>(order[k])] = static_cast<int>(k);

  // Lifetime [first_step, last_use] of each tensor, both included.
  std::vector<int> first_step(n), last_use(n);
  for (const ir::Node& node : graph.nodes()) {
    const auto i = static_cast<size_t>(node.id);
    first_step[i] = node.kind == ir::OpKind::Input ? 0 : step_of[i];
    last_use[i] = step_of[i];
  }
  for (const ir::Node& node : graph.nodes())
    for (ir::NodeId input : node.inputs)
      last_use[static_cast<size_t>(input)] =
          std::max(last_use[static_cast<size_t>(input)], step_of[static_cast<size_t>(node.id)]);
  for (ir::NodeId output : graph.outputs()) last_use[static_cast<size_t>(output)] = last_step;

  PeakMemory result;
  result.precision = precision;
  result.order = order;
  // Each tensor adds its bytes over its lifetime: a difference array, then a running sum.
  std::vector<int64_t> change(n + 1, 0);
  for (size_t t = 0; t < n; ++t) {
    const int64_t bytes = tensor_bytes(graph, static_cast<ir::NodeId>(t), precision);
    change[static_cast<size_t>(first_step[t])] += bytes;
    change[static_cast<size_t>(last_use[t]) + 1] -= bytes;
  }
  result.live_bytes.assign(n, 0);
  int64_t live = 0;
  for (size_t k = 0; k < n; ++k) result.live_bytes[k] = live += change[k];
  for (size_t k = 0; k < n; ++k)
    if (result.peak_step < 0 || result.live_bytes[k] > result.peak_bytes) {
      result.peak_bytes = result.live_bytes[k];
      result.peak_step = static_cast<int>(k);
    }
  if (result.peak_step >= 0) {
    result.peak_node = order[static_cast<size_t>(result.peak_step)];
    for (size_t t = 0; t < n; ++t)
      if (first_step[t] <= result.peak_step && result.peak_step <= last_use[t])
        result.peak_live.push_back(static_cast<ir::NodeId>(t));
  }
  return result;
}

PeakMemory peak_memory_in_graph_order(const ir::Graph& graph, ir::Precision precision) {
  std::vector<ir::NodeId> order(graph.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<ir::NodeId>(i);
  // Node order is a valid execution order by construction (Graph::add needs earlier inputs).
  return std::move(peak_memory(graph, order, precision).value());
}

}  // namespace hwnas::analysis
