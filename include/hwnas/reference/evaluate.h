// The naive fp32 reference evaluator of an IR graph: the oracle every optimised path is checked against.
//
//   ir::Graph g = ...;                                   // any graph built with ir::Graph / ir::Builder
//   reference::fill_random_weights(g, /*seed=*/7);       // or weights imported from a file
//   auto x = reference::random_tensor(g[g.inputs()[0]].shape, /*seed=*/1);
//   auto y = reference::evaluate(g, {x});                // Result<std::vector<Tensor>>
//   if (!y) std::cerr << y.error().message;              // names the input or node at fault
//   float err = reference::max_abs_difference((*y)[0], optimised_output);
//
// Every op follows ONNX / PyTorch semantics (the formula and its source are written beside each
// kernel in src/reference/). Readability over speed: plain loops, sums accumulated in double.
#pragma once

#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/reference/tensor.h"

namespace hwnas::reference {

// Runs every node in node order and returns the tensors of graph.outputs(), in that order.
// `inputs` are matched to graph.inputs() in order; each must have exactly its input node's shape.
// Errors (never aborts): a param without data (see ir::Graph::has_weights), a wrong number of
// inputs, an input of the wrong shape or size (the message names the input node).
Result<std::vector<Tensor>> evaluate(const ir::Graph& graph, const std::vector<Tensor>& inputs);

// As evaluate, but returns the output of every node: result[id] is node id's output tensor
// (Input nodes included), to compare intermediates.
Result<std::vector<Tensor>> evaluate_all(const ir::Graph& graph, const std::vector<Tensor>& inputs);

// The output of one node given its input tensors (in node.inputs order, already of the shapes
// the node was built for) and its params' data. Checks sizes; for testing a single op.
Result<Tensor> evaluate_node(const ir::Node& node, const std::vector<Tensor>& inputs);

}  // namespace hwnas::reference
