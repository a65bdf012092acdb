// grad-norm (Abdelfattah et al., ICLR 2021): the sum of the layers' gradient norms on one minibatch.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "cross_entropy_gradients.h"
#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {

Result<double> grad_norm(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch) {
  auto module = detail::module_with_gradients(graph, "grad_norm", options, batch);
  if (!module) return module.error();
  return detail::guarded(graph, "grad_norm", [&]() -> Result<double> {
    double total = 0;
    for (const torch::Tensor& w : detail::layer_weights(*module))
      if (w.grad().defined()) total += w.grad().norm().item<double>();
    return total;
  });
}

}  // namespace hwnas::zeroshot
