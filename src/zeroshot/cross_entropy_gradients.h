// The module of a graph after one backward of the cross-entropy of its logits (grad-norm, SNIP).
#pragma once

#include <string_view>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/module.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::zeroshot::detail {

// The initial module of `graph` (train mode: batch statistics) whose weights hold the gradient
// of the mean cross-entropy of the logits on `batch` against its labels.
Result<libtorch::GraphModule> module_with_gradients(const ir::Graph& graph, std::string_view proxy,
                                                     const ScoreOptions& options, const Minibatch& batch);

}  // namespace hwnas::zeroshot::detail
