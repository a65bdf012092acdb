// SynFlow (Tanaka et al., NeurIPS 2020): synaptic saliency |theta * dR/dtheta| of the linearised network.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {
namespace {

// `graph` with relu6 and clip(min 0) as relu. With positive weights and input every
// pre-activation is positive, so a relu passes it through (the network is linear, as SynFlow
// means); a relu6 would instead saturate at 6 and zero the gradients of deep networks.
Result<ir::Graph> unclipped(const ir::Graph& graph) {
  ir::Graph copy(graph.name());
  for (const ir::Node& node : graph.nodes()) {
    bool clips = node.kind == ir::OpKind::Relu6 ||
                 (node.kind == ir::OpKind::Clip && node.attr<ir::ClipAttrs>().min == 0.0);
    auto id = clips ? copy.add(ir::OpKind::Relu, ir::NoAttrs{}, node.inputs, node.name)
                    : copy.add(node.kind, node.attrs, node.inputs, node.name);
    if (!id) return id.error();
    for (size_t p = 0; p < node.params.size(); ++p) copy.param(*id, p) = node.params[p];
  }
  if (Status s = copy.set_outputs(graph.outputs()); !s) return s.error();
  return copy;
}

}  // namespace

Result<double> synflow(const ir::Graph& graph, const ScoreOptions& options) {
  auto input = detail::single_input(graph, "synflow");
  if (!input) return input.error();
  auto linear = unclipped(graph);
  if (!linear) return linear.error();
  // Outputs summed as R; a final softmax would make R constant, so its input is summed instead.
  std::vector<ir::NodeId> outputs;
  for (ir::NodeId id : linear->outputs())
    outputs.push_back(linear->node(id).kind == ir::OpKind::Softmax ? linear->node(id).inputs.front() : id);
  auto view = detail::with_outputs(*linear, outputs);
  if (!view) return view.error();
  auto module = detail::initial_module(*view, options);
  if (!module) return module.error();
  return detail::guarded(graph, "synflow", [&]() -> Result<double> {
    (*module)->to(torch::kFloat64);
    (*module)->eval();  // batch norm at its running statistics (identity at initialisation)
    {
      at::NoGradGuard no_grad;
      for (torch::Tensor& p : (*module)->parameters()) p.abs_();
      for (torch::Tensor& b : (*module)->buffers()) b.abs_();
    }
    std::vector<int64_t> dims = graph.node(*input).shape.dims;
    dims[0] = 1;
    auto result = (*module)->run({at::ones(dims, torch::kFloat64)});
    if (!result) return result.error();
    torch::Tensor total = at::zeros({}, torch::kFloat64);
    for (const torch::Tensor& y : *result) total = total + y.sum();
    total.backward();
    double saliency = 0;
    for (const torch::Tensor& w : detail::layer_weights(*module))
      if (w.grad().defined()) saliency += (w * w.grad()).abs().sum().item<double>();
    return saliency;
  });
}

}  // namespace hwnas::zeroshot
