// NASWOT (Mellor et al., ICML 2021): the log-determinant of the kernel of binary activation codes.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <limits>

#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {
namespace {

// Activations whose output is positive exactly where their input is: the code of a unit is
// then (output > 0) = (pre-activation > 0). ReLU in the paper; relu6, hard-swish and swish
// here too, so that the MobileNet spaces have codes.
bool rectifies(ir::OpKind kind) {
  return kind == ir::OpKind::Relu || kind == ir::OpKind::Relu6 || kind == ir::OpKind::HardSwish ||
         kind == ir::OpKind::Swish;
}

}  // namespace

Result<double> naswot(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch) {
  std::vector<ir::NodeId> activations;
  for (const ir::Node& node : graph.nodes())
    if (rectifies(node.kind)) activations.push_back(node.id);
  if (activations.empty())
    return Error{detail::where(graph, "naswot") + "has no relu, relu6, hard_swish or swish activation to code"};
  auto view = detail::with_outputs(graph, activations);
  if (!view) return view.error();
  auto module = detail::initial_module(*view, options);
  if (!module) return module.error();
  return detail::guarded(graph, "naswot", [&]() -> Result<double> {
    at::NoGradGuard no_grad;
    (*module)->train();
    auto outputs = (*module)->run({batch.images});
    if (!outputs) return outputs.error();
    const int64_t n = batch.images.size(0);
    torch::Tensor kernel = at::zeros({n, n}, torch::kFloat64);
    for (const torch::Tensor& activation : *outputs) {
      torch::Tensor codes = (activation.reshape({n, -1}) > 0).to(torch::kFloat64);
      torch::Tensor complement = 1.0 - codes;
      kernel += codes.matmul(codes.t()) + complement.matmul(complement.t());
    }
    auto [sign, log_abs_det] = at::linalg_slogdet(kernel);
    // K is positive semi-definite: a zero sign means it is singular (two equal codes).
    if (sign.item<double>() <= 0) return -std::numeric_limits<double>::infinity();
    return log_abs_det.item<double>();
  });
}

}  // namespace hwnas::zeroshot
