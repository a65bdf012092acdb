// The kernels of libtorch eager execution: one node each, foldable conv -> batch_norm pairs joined.
#include "hwnas/torch/partition.h"

namespace hwnas::libtorch {

std::vector<ir::NodeId> foldable_batch_norms(const ir::Graph& graph) {
  std::vector<ir::NodeId> folds_into(graph.size(), ir::kNoNode);
  const auto consumers = graph.consumers();
  std::vector<bool> is_output(graph.size(), false);
  for (ir::NodeId id : graph.outputs()) is_output[static_cast<size_t>(id)] = true;
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind != ir::OpKind::BatchNorm || node.inputs.size() != 1) continue;
    const ir::Node& producer = graph.node(node.inputs[0]);
    if (producer.kind != ir::OpKind::Conv2d || is_output[static_cast<size_t>(producer.id)]) continue;
    const auto& readers = consumers[static_cast<size_t>(producer.id)];
    if (readers.size() == 1 && readers[0] == node.id) folds_into[static_cast<size_t>(node.id)] = producer.id;
  }
  return folds_into;
}

std::vector<hw::Kernel> eager_partition(const ir::Graph& graph, bool fold_batch_norm) {
  std::vector<ir::NodeId> folds_into(graph.size(), ir::kNoNode);
  if (fold_batch_norm) folds_into = foldable_batch_norms(graph);
  // The batch norm that joins a conv's kernel, by conv id.
  std::vector<ir::NodeId> folded_bn_of(graph.size(), ir::kNoNode);
  for (const ir::Node& node : graph.nodes())
    if (folds_into[static_cast<size_t>(node.id)] != ir::kNoNode)
      folded_bn_of[static_cast<size_t>(folds_into[static_cast<size_t>(node.id)])] = node.id;

  std::vector<hw::Kernel> kernels;
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind == ir::OpKind::Input) continue;
    if (folds_into[static_cast<size_t>(node.id)] != ir::kNoNode) continue;  // inside its conv's kernel
    hw::Kernel kernel{{node.id}};
    if (ir::NodeId bn = folded_bn_of[static_cast<size_t>(node.id)]; bn != ir::kNoNode)
      kernel.nodes.push_back(bn);
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}

}  // namespace hwnas::libtorch
