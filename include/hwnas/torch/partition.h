// How libtorch's eager execution splits a graph into kernels: one op each, conv -> batch_norm folded.
//
//   auto kernels = libtorch::eager_partition(graph, /*fold_batch_norm=*/true);
//   // [{conv, bn}, {relu6}, {conv_1, bn_1}, {add}, ...]: every non-input node exactly once
#pragma once

#include <vector>

#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::libtorch {

// For each node, the conv2d whose output it folds into when it is a batch_norm that can be
// folded for inference, else ir::kNoNode. A batch_norm folds when its input is a conv2d whose
// only reader is that batch_norm and which is not an output of the graph (so no one sees the
// conv's unnormalised output).
std::vector<ir::NodeId> foldable_batch_norms(const ir::Graph& graph);

// The kernels libtorch runs in eager mode: every non-input node is one kernel (one ATen call;
// eager execution fuses nothing), in node order, except that with `fold_batch_norm` a foldable
// conv2d -> batch_norm pair (see foldable_batch_norms) is one kernel, as it is once the
// batch norm's scale and shift are folded into the convolution's weights and bias.
std::vector<hw::Kernel> eager_partition(const ir::Graph& graph, bool fold_batch_norm);

}  // namespace hwnas::libtorch
