// Zen-score (Lin et al., ICCV 2021): the log expected response of the pre-pooling features to a small input perturbation.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {
namespace {

// Zen-NAS's initialisation: conv and linear weights from N(0, 1), biases 0, batch-norm scale 1
// and shift 0 (its running statistics are unused in train mode).
void gaussian_init(libtorch::GraphModule& module, uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  for (const ir::Node& node : module->graph().nodes()) {
    if (node.kind == ir::OpKind::Conv2d || node.kind == ir::OpKind::Linear) {
      module->param(node.id, "weight").normal_(0.0, 1.0, generator);
      if (torch::Tensor bias = module->param(node.id, "bias"); bias.defined()) bias.zero_();
    } else if (node.kind == ir::OpKind::BatchNorm) {
      module->param(node.id, "scale").fill_(1.0);
      module->param(node.id, "bias").zero_();
    }
  }
}

}  // namespace

Result<double> zen(const ir::Graph& graph, const ScoreOptions& options, const torch::Tensor& images,
                   const torch::Tensor& perturbation) {
  ir::NodeId features = ir::kNoNode;
  std::vector<ir::NodeId> normalised;  // the inputs of the batch norms
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind == ir::OpKind::GlobalAvgPool) features = node.inputs.front();
    if (node.kind == ir::OpKind::BatchNorm) normalised.push_back(node.inputs.front());
  }
  if (features == ir::kNoNode)
    return Error{detail::where(graph, "zen") + "needs a global_avg_pool: Zen-score measures the features before it"};
  std::vector<ir::NodeId> outputs{features};
  outputs.insert(outputs.end(), normalised.begin(), normalised.end());
  auto view = detail::with_outputs(graph, outputs);
  if (!view) return view.error();
  auto module = detail::initial_module(*view, options);
  if (!module) return module.error();
  if (!(options.use_graph_weights && graph.has_weights())) gaussian_init(*module, options.seed);
  return detail::guarded(graph, "zen", [&]() -> Result<double> {
    at::NoGradGuard no_grad;
    (*module)->train();
    if (!images.defined() || !perturbation.defined() || !images.sizes().equals(perturbation.sizes()))
      return Error{detail::where(graph, "zen") + "images and perturbation must be defined and of one shape"};
    auto clean = (*module)->run({images});
    if (!clean) return clean.error();
    auto perturbed = (*module)->run({images + options.zen_perturbation * perturbation});
    if (!perturbed) return perturbed.error();
    const int64_t n = images.size(0);
    torch::Tensor difference = (clean->front() - perturbed->front()).abs().reshape({n, -1}).to(at::kDouble);
    double response = difference.sum(1).mean().item<double>();
    double log_scale = 0;
    for (size_t i = 1; i < clean->size(); ++i) {
      const torch::Tensor& x = (*clean)[i];
      std::vector<int64_t> reduce;
      for (int64_t d = 0; d < x.dim(); ++d)
        if (d != 1) reduce.push_back(d);
      torch::Tensor variance = x.to(at::kDouble).var(reduce, /*unbiased=*/false);
      log_scale += std::log(std::sqrt(variance.mean().item<double>()));
    }
    return std::log(response) + log_scale;
  });
}

}  // namespace hwnas::zeroshot
