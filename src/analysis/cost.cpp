// MACs, FLOPs and parameter counts of each layer and of the whole network.
#include "hwnas/analysis/cost.h"

namespace hwnas::analysis {
namespace {

// Elementwise operations per output element of an activation.
int64_t activation_ops(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::Relu: return 1;
    case ir::OpKind::Relu6:
    case ir::OpKind::Clip:
    case ir::OpKind::LeakyRelu: return 2;
    case ir::OpKind::HardSigmoid: return 3;
    case ir::OpKind::HardSwish:
    case ir::OpKind::Sigmoid: return 4;
    case ir::OpKind::Swish: return 5;
    default: return 0;
  }
}

}  // namespace

LayerCost layer_cost(const ir::Graph& graph, ir::NodeId id) {
  const ir::Node& node = graph.node(id);
  LayerCost cost;
  cost.node = id;
  cost.output_elements = node.shape.numel();
  for (const ir::Param& p : node.params) (p.trainable ? cost.params : cost.buffers) += p.shape.numel();
  const int64_t out = cost.output_elements;
  switch (node.kind) {
    case ir::OpKind::Conv2d: {
      const auto& a = node.attr<ir::Conv2dAttrs>();
      int64_t in_channels = graph.node(node.inputs[0]).shape.c();
      cost.macs = out * (in_channels / a.groups) * a.kernel_h * a.kernel_w;
      cost.flops = 2 * cost.macs + (a.bias ? out : 0);
      break;
    }
    case ir::OpKind::ConvTranspose2d: {  // every input element meets (out_channels / groups) kernels
      const auto& a = node.attr<ir::ConvTranspose2dAttrs>();
      cost.macs = graph.node(node.inputs[0]).shape.numel() * (a.out_channels / a.groups) * a.kernel_h * a.kernel_w;
      cost.flops = 2 * cost.macs + (a.bias ? out : 0);
      break;
    }
    case ir::OpKind::Linear: {
      const auto& a = node.attr<ir::LinearAttrs>();
      cost.macs = out * graph.node(node.inputs[0]).shape[1];
      cost.flops = 2 * cost.macs + (a.bias ? out : 0);
      break;
    }
    case ir::OpKind::BatchNorm:
      cost.flops = 2 * out;
      break;
    case ir::OpKind::Add:
    case ir::OpKind::Mul:
    case ir::OpKind::Sub:
    case ir::OpKind::Div:
      cost.flops = out;
      break;
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool: {
      const auto& a = node.attr<ir::PoolAttrs>();
      cost.flops = out * a.kernel_h * a.kernel_w;
      break;
    }
    case ir::OpKind::GlobalAvgPool:
    case ir::OpKind::GlobalMaxPool:
      cost.flops = graph.node(node.inputs[0]).shape.numel();
      break;
    case ir::OpKind::Resize:
      cost.flops = node.attr<ir::ResizeAttrs>().mode == ir::ResizeMode::Bilinear ? 7 * out : 0;
      break;
    case ir::OpKind::Softmax:
      cost.flops = 3 * out;
      break;
    default:
      cost.flops = activation_ops(node.kind) * out;
      break;
  }
  return cost;
}

CostSummary analyze_cost(const ir::Graph& graph) {
  CostSummary summary;
  summary.layers.reserve(graph.size());
  for (const ir::Node& node : graph.nodes()) {
    LayerCost c = layer_cost(graph, node.id);
    summary.macs += c.macs;
    summary.flops += c.flops;
    summary.params += c.params;
    summary.buffers += c.buffers;
    summary.layers.push_back(c);
  }
  return summary;
}

int64_t weight_bytes(const ir::Graph& graph, ir::Precision precision) {
  int64_t elements = 0;
  for (const ir::Node& node : graph.nodes())
    for (const ir::Param& p : node.params)
      if (p.trainable) elements += p.shape.numel();
  return elements * ir::bytes_per_element(precision);
}

}  // namespace hwnas::analysis
