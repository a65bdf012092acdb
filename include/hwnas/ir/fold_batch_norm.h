// Batch-norm folding: every conv2d -> batch_norm pair becomes one conv2d with a bias.
//
//   ir::Graph folded = ir::fold_batch_norm(graph);   // inference graph, fewer nodes, same function
#pragma once

#include "hwnas/ir/graph.h"

namespace hwnas::ir {

// Folds each batch_norm whose input is a conv2d that nothing else reads (and that is not a graph
// output) into that conv. Per output channel o, with s = scale / sqrt(var + epsilon):
//   w'[o] = w[o] * s[o]        b'[o] = (b[o] - mean[o]) * s[o] + bias[o]   (b = 0 without a bias)
// computed in double and stored as float. The conv keeps its name and gains a bias; the batch
// norm's readers and graph outputs read the conv instead; every other node is copied as is, in
// the same order. When the conv or the batch norm lacks weight data the folded conv is shapes
// only (its params carry no data). A graph with nothing to fold comes back equal to the input.
Graph fold_batch_norm(const Graph& graph);

}  // namespace hwnas::ir
