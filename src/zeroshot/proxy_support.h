// What the proxies share: graph views with extra outputs, the logits node, the initial module,
// the conv and linear weights, and a guard that turns torch exceptions into Errors.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/module.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::zeroshot::detail {

// "graph 'NAME': PROXY: ": the prefix of every proxy error.
std::string where(const ir::Graph& graph, std::string_view proxy);

// A copy of `graph` whose outputs are `outputs` (the module then returns those tensors).
Result<ir::Graph> with_outputs(const ir::Graph& graph, std::vector<ir::NodeId> outputs);

// The graph's single input; an Error for none or several.
Result<ir::NodeId> single_input(const ir::Graph& graph, std::string_view proxy);

// The node whose output are the logits [N, classes]: the single output, or the input of a
// final softmax. An Error for several outputs or another rank.
Result<ir::NodeId> logits_node(const ir::Graph& graph, std::string_view proxy);

// The module of `graph` at initialisation (seeded), or with the graph's weights when
// options.use_graph_weights and the graph has them all.
Result<libtorch::GraphModule> initial_module(const ir::Graph& graph, const ScoreOptions& options);

// The weight tensor of every conv2d and linear node, in node order.
std::vector<torch::Tensor> layer_weights(const libtorch::GraphModule& module);

// Runs `body` and turns a torch exception into an Error prefixed with where(graph, proxy).
template <class Body>
Result<double> guarded(const ir::Graph& graph, std::string_view proxy, Body&& body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    return Error{where(graph, proxy) + "libtorch: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{where(graph, proxy) + e.what()};
  }
}

}  // namespace hwnas::zeroshot::detail
