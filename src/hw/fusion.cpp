// Partition of a graph into fused kernels by a target's fusion rules.
#include "hwnas/hw/fusion.h"

#include "hwnas/hw/fusion_chain.h"

namespace hwnas::hw {

std::vector<Kernel> partition_by_fusion(const ir::Graph& graph, const FusionRules& rules) {
  const size_t n = graph.size();
  const auto consumers = graph.consumers();
  std::vector<bool> is_output(n, false);
  for (ir::NodeId out : graph.outputs()) is_output[static_cast<size_t>(out)] = true;
  std::vector<bool> assigned(n, false);  // in a kernel already (graph inputs count as computed)
  for (ir::NodeId input : graph.inputs()) assigned[static_cast<size_t>(input)] = true;
  std::vector<Kernel> kernels;
  for (const ir::Node& start : graph.nodes()) {
    if (assigned[static_cast<size_t>(start.id)]) continue;
    Kernel kernel;
    kernel.nodes.push_back(start.id);
    assigned[static_cast<size_t>(start.id)] = true;
    FusionChain chain(start.kind);
    ir::NodeId tail = start.id;
    while (!is_output[static_cast<size_t>(tail)]) {
      const auto& users = consumers[static_cast<size_t>(tail)];
      if (users.size() != 1) break;
      const ir::Node& next = graph.node(users.front());
      if (assigned[static_cast<size_t>(next.id)]) break;
      // Every other input of `next` must be computed before this kernel runs: it is in the
      // kernel already or belongs to an earlier kernel. (A node read twice by `next`, as in
      // add(x, x), has `tail` as its only distinct producer.)
      bool inputs_ready = true;
      for (ir::NodeId input : next.inputs)
        inputs_ready = inputs_ready && assigned[static_cast<size_t>(input)];
      if (!inputs_ready) break;
      if (!chain.absorb(next.kind, rules)) break;
      kernel.nodes.push_back(next.id);
      assigned[static_cast<size_t>(next.id)] = true;
      tail = next.id;
    }
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}

std::string kernel_label(const ir::Graph& graph, const Kernel& kernel) {
  std::string label;
  for (ir::NodeId id : kernel.nodes) {
    if (id < 0 || static_cast<size_t>(id) >= graph.size()) continue;
    if (!label.empty()) label += "+";
    label += std::string(ir::op_name(graph.node(id).kind));
  }
  return label;
}

}  // namespace hwnas::hw
