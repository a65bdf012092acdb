// Partition of a graph into fused kernels by a target's fusion rules.
#include "hwnas/hw/fusion.h"

namespace hwnas::hw {
namespace {

using ir::OpKind;

bool is_view(OpKind kind) { return kind == OpKind::Flatten || kind == OpKind::Reshape; }
bool is_pool(OpKind kind) {
  return kind == OpKind::MaxPool || kind == OpKind::AvgPool || kind == OpKind::GlobalAvgPool;
}
bool is_elementwise(OpKind kind) {
  return ir::is_activation(kind) || ir::is_elementwise_binary(kind) || kind == OpKind::BatchNorm;
}

// What a growing chain has absorbed so far, deciding what it may absorb next.
struct Chain {
  enum class Head { Pad, Mac, Pool, Elementwise, Other, View } head = Head::Other;
  bool has_batch_norm = false;
  bool has_activation = false;
  bool has_add = false;
  bool has_view = false;  // after a view only more views join
};

Chain::Head head_of(OpKind kind) {
  if (kind == OpKind::Pad) return Chain::Head::Pad;
  if (kind == OpKind::Conv2d || kind == OpKind::Linear) return Chain::Head::Mac;
  if (is_pool(kind)) return Chain::Head::Pool;
  if (is_elementwise(kind)) return Chain::Head::Elementwise;
  if (is_view(kind) || kind == OpKind::Concat) return Chain::Head::View;
  return Chain::Head::Other;  // resize, softmax
}

// Absorbs `kind` into `chain` when the rules allow it; returns false otherwise.
bool absorb(Chain& chain, OpKind kind, const FusionRules& rules) {
  if (chain.head == Chain::Head::View) return is_view(kind);
  if (is_view(kind)) {
    chain.has_view = true;
    return true;
  }
  if (chain.has_view) return false;
  switch (chain.head) {
    case Chain::Head::Pad:
      if (kind == OpKind::Conv2d || kind == OpKind::MaxPool || kind == OpKind::AvgPool) {
        chain.head = kind == OpKind::Conv2d ? Chain::Head::Mac : Chain::Head::Pool;
        return true;
      }
      return false;
    case Chain::Head::Mac:
      if (kind == OpKind::BatchNorm && rules.batch_norm && !chain.has_batch_norm && !chain.has_activation &&
          !chain.has_add) {
        chain.has_batch_norm = true;
        return true;
      }
      if (ir::is_activation(kind) && rules.activation && !chain.has_activation) {
        chain.has_activation = true;
        return true;
      }
      if (kind == OpKind::Add && rules.residual_add && !chain.has_add && !chain.has_activation) {
        chain.has_add = true;
        return true;
      }
      return false;
    case Chain::Head::Pool:
    case Chain::Head::Other:
      if (ir::is_activation(kind) && rules.activation && !chain.has_activation) {
        chain.has_activation = true;
        return true;
      }
      return false;
    case Chain::Head::Elementwise:
      if (rules.elementwise_chains && is_elementwise(kind)) return true;
      if (ir::is_activation(kind) && rules.activation && !chain.has_activation) {
        chain.has_activation = true;
        return true;
      }
      return false;
    case Chain::Head::View:
      return false;
  }
  return false;
}

}  // namespace

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
    Chain chain;
    chain.head = head_of(start.kind);
    if (ir::is_activation(start.kind)) chain.has_activation = true;
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
      Chain grown = chain;
      if (!absorb(grown, next.kind, rules)) break;
      chain = grown;
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
