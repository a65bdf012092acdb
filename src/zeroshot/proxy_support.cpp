// The helpers the proxies share: graph views, the logits node, the initial module, layer weights.
#include "proxy_support.h"

namespace hwnas::zeroshot::detail {

std::string where(const ir::Graph& graph, std::string_view proxy) {
  return "graph '" + graph.name() + "': " + std::string(proxy) + ": ";
}

Result<ir::Graph> with_outputs(const ir::Graph& graph, std::vector<ir::NodeId> outputs) {
  ir::Graph view = graph;
  if (Status s = view.set_outputs(std::move(outputs)); !s) return s.error();
  return view;
}

Result<ir::NodeId> single_input(const ir::Graph& graph, std::string_view proxy) {
  std::vector<ir::NodeId> inputs = graph.inputs();
  if (inputs.size() != 1)
    return Error{where(graph, proxy) + "needs a graph of one input, this one has " + std::to_string(inputs.size())};
  return inputs.front();
}

Result<ir::NodeId> logits_node(const ir::Graph& graph, std::string_view proxy) {
  std::vector<ir::NodeId> outputs = graph.outputs();
  if (outputs.size() != 1)
    return Error{where(graph, proxy) + "needs a graph of one output (the class logits), this one has " +
                 std::to_string(outputs.size())};
  ir::NodeId id = outputs.front();
  if (graph.node(id).kind == ir::OpKind::Softmax) id = graph.node(id).inputs.front();
  const ir::Node& node = graph.node(id);
  if (node.shape.rank() != 2)
    return Error{where(graph, proxy) + "needs class logits [N, classes] as the output; " + node.describe() +
                 " has shape [" + node.shape.to_string() + "]"};
  return id;
}

Result<libtorch::GraphModule> initial_module(const ir::Graph& graph, const ScoreOptions& options) {
  return libtorch::make_graph_module(graph, {.seed = options.seed, .use_graph_weights = options.use_graph_weights});
}

std::vector<torch::Tensor> layer_weights(const libtorch::GraphModule& module) {
  std::vector<torch::Tensor> weights;
  for (const ir::Node& node : module->graph().nodes())
    if (node.kind == ir::OpKind::Conv2d || node.kind == ir::OpKind::Linear)
      weights.push_back(module->param(node.id, "weight"));
  return weights;
}

}  // namespace hwnas::zeroshot::detail
