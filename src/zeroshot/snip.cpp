// SNIP (Lee et al., ICLR 2019): connection sensitivity |W * dL/dW| summed over the network.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "cross_entropy_gradients.h"
#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {

// SNIP's saliency of a connection is |dL/dc| for a mask c = 1 multiplying its weight, which is
// |W * dL/dW|: the gradient of the weights is enough.
Result<double> snip(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch) {
  auto module = detail::module_with_gradients(graph, "snip", options, batch);
  if (!module) return module.error();
  return detail::guarded(graph, "snip", [&]() -> Result<double> {
    double total = 0;
    for (const torch::Tensor& w : detail::layer_weights(*module))
      if (w.grad().defined()) total += (w.detach() * w.grad()).abs().sum().item<double>();
    return total;
  });
}

}  // namespace hwnas::zeroshot
