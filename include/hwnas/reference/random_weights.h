// Deterministic random weights for a graph, so the reference evaluator can run any network.
#pragma once

#include <cstdint>

#include "hwnas/ir/graph.h"

namespace hwnas::reference {

// Fills (overwrites) the data of every param of every node, in node and param order, from one
// std::mt19937_64 seeded with `seed`, turning raw 64-bit draws into uniform values by hand so
// the values are the same on every platform and standard library:
//   conv / linear weight: He-uniform, U(-sqrt(6/fan_in), +sqrt(6/fan_in)), fan_in = in/groups*kh*kw
//   conv / linear bias:   U(-0.1, 0.1)
//   batch_norm scale: U(0.75, 1.25), bias: U(-0.25, 0.25), mean: U(-0.25, 0.25), var: U(0.5, 1.5)
// so batch norm is never the identity. The same seed gives the same weights.
void fill_random_weights(ir::Graph& graph, uint64_t seed);

}  // namespace hwnas::reference
