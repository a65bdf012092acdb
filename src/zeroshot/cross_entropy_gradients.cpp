// One forward and backward of the mean cross-entropy of a graph's logits: the gradients grad-norm and SNIP read.
#include "cross_entropy_gradients.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "proxy_support.h"

namespace hwnas::zeroshot::detail {

Result<libtorch::GraphModule> module_with_gradients(const ir::Graph& graph, std::string_view proxy,
                                                     const ScoreOptions& options, const Minibatch& batch) {
  auto logits = logits_node(graph, proxy);
  if (!logits) return logits.error();
  auto view = with_outputs(graph, {*logits});
  if (!view) return view.error();
  auto module = initial_module(*view, options);
  if (!module) return module.error();
  const int64_t classes = graph.node(*logits).shape[1];
  if (!batch.labels.defined() || batch.labels.dim() != 1 || batch.labels.size(0) != batch.images.size(0))
    return Error{where(graph, proxy) + "the minibatch needs one label per image"};
  if (batch.labels.numel() > 0 && (batch.labels.min().item<int64_t>() < 0 || batch.labels.max().item<int64_t>() >= classes))
    return Error{where(graph, proxy) + "labels must lie in [0, " + std::to_string(classes) + ")"};
  Result<double> done = guarded(graph, proxy, [&]() -> Result<double> {
    (*module)->train();
    (*module)->zero_grad();
    auto outputs = (*module)->run({batch.images});
    if (!outputs) return outputs.error();
    torch::Tensor loss = at::cross_entropy_loss(outputs->front(), batch.labels);
    loss.backward();
    return loss.item<double>();
  });
  if (!done) return done.error();
  return module;
}

}  // namespace hwnas::zeroshot::detail
