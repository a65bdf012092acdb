// SupernetImpl::extract: a subnet as a standalone IR network, decode()'s graph filled with the sliced weights.
#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "hwnas/supernet/supernet.h"

namespace hwnas::supernet {
namespace {

std::vector<float> values_of(const ::torch::Tensor& tensor) {
  ::torch::Tensor t = tensor.detach().to(at::kFloat).contiguous();
  const float* data = t.data_ptr<float>();
  return std::vector<float>(data, data + t.numel());
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "x" : "") + std::to_string(dims[i]);
  return text + "]";
}

// Fills param `index` of `node` with `tensor`, which must have the param's shape.
Status fill(ir::Graph& graph, const ir::Node& node, size_t index, const ::torch::Tensor& tensor) {
  if (index >= node.params.size())
    return Error{"supernet extract: " + node.describe() + " has no param " + std::to_string(index)};
  const std::vector<int64_t> dims(tensor.sizes().begin(), tensor.sizes().end());
  if (node.params[index].shape.dims != dims)
    return Error{"supernet extract: " + node.describe() + ": param '" + node.params[index].role + "' is " +
                 dims_text(node.params[index].shape.dims) + " in the decoded network but " + dims_text(dims) +
                 " in the supernet's subnet"};
  graph.param(node.id, index).data = values_of(tensor);
  return {};
}

}  // namespace

Result<ir::Graph> SupernetImpl::extract(const space::Architecture& arch) const {
  auto planned = plan(arch);
  if (!planned) return planned.error();
  auto decoded = space_.decode(arch);
  if (!decoded) return decoded.error().within("supernet extract");
  ir::Graph graph = std::move(*decoded);
  const std::vector<LayerUse> uses = layers_of(*planned);
  ::torch::NoGradGuard no_grad;
  // The decoded graph's conv / batch-norm / linear nodes, in node order, are the subnet's layers in order.
  size_t next = 0;
  bool pending_bn = false;  // the last conv's batch norm is still to come
  bool fc_done = false;
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind == ir::OpKind::Conv2d) {
      if (pending_bn || next >= uses.size())
        return Error{"supernet extract: " + node.describe() + " has no counterpart in the supernet"};
      const LayerUse& use = uses[next];
      ::torch::Tensor weight = use.layer->weight.narrow(0, 0, use.out_channels).narrow(1, 0, use.in_per_group);
      const int64_t offset = (weight.size(2) - use.kernel) / 2;
      weight = weight.narrow(2, offset, use.kernel).narrow(3, offset, use.kernel);
      if (node.params.size() != 1)
        return Error{"supernet extract: " + node.describe() + " has a bias the supernet does not hold"};
      if (Status s = fill(graph, node, 0, weight); !s) return s.error();
      pending_bn = true;
    } else if (node.kind == ir::OpKind::BatchNorm) {
      if (!pending_bn) return Error{"supernet extract: " + node.describe() + " follows no conv"};
      const LayerUse& use = uses[next];
      const ::torch::Tensor* tensors[4] = {&use.layer->scale, &use.layer->bias, &use.layer->mean, &use.layer->var};
      for (size_t i = 0; i < 4; ++i)
        if (Status s = fill(graph, node, i, tensors[i]->narrow(0, 0, use.out_channels)); !s) return s.error();
      pending_bn = false;
      ++next;
    } else if (node.kind == ir::OpKind::Linear) {
      if (fc_done || pending_bn || node.params.size() != 2)
        return Error{"supernet extract: " + node.describe() + " has no counterpart in the supernet"};
      const int64_t in = node.params[0].shape.dims.size() == 2 ? node.params[0].shape.dims[1] : -1;
      if (in <= 0 || in > fc_weight_.size(1))
        return Error{"supernet extract: " + node.describe() + " has an input width the supernet does not hold"};
      if (Status s = fill(graph, node, 0, fc_weight_.narrow(1, 0, in)); !s) return s.error();
      if (Status s = fill(graph, node, 1, fc_bias_); !s) return s.error();
      fc_done = true;
    } else if (!node.params.empty()) {
      return Error{"supernet extract: " + node.describe() + " has weights the supernet does not hold"};
    }
  }
  if (next != uses.size() || pending_bn || !fc_done)
    return Error{"supernet extract: the decoded network has " + std::to_string(next) + " conv layers, the subnet " +
                 std::to_string(uses.size())};
  return graph;
}

Result<ir::Graph> extract(Supernet& net, const space::Architecture& arch) { return net->extract(arch); }

}  // namespace hwnas::supernet
