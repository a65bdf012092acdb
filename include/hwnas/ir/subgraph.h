// Subgraph extraction: a set of nodes of a graph as a standalone graph (to time a kernel alone).
//
//   auto kernel = ir::extract_subgraph(graph, {conv, bn, relu});
//   // kernel's tensors read from outside the set became Input nodes of their shapes;
//   // params (with their data, when present) are copied.
#pragma once

#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::ir {

// A standalone graph made of `nodes` of `graph` (any order, duplicates ignored), in the
// original execution order and keeping their names, attributes and params (data included).
// Each tensor read by the set but produced outside it becomes an Input node of its shape,
// named after its producer, in order of first use; a selected Input node is copied as is.
// The outputs are the selected nodes read outside the set, outputs of `graph`, or read by
// nobody. The graph is named "<graph>:<first node>..<last node>". An empty set or an id that
// is not a node of `graph` is an Error.
Result<Graph> extract_subgraph(const Graph& graph, const std::vector<NodeId>& nodes);

}  // namespace hwnas::ir
