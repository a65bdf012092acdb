// Weight transfer: a rewritten network starts from the original's trained weights wherever a
// node keeps its name and a param keeps its role and shape; every other param gets a fresh,
// seeded initialisation. This is what fine-tuning after `expert optimize` / `expert apply`
// starts from (the training itself needs libtorch and lives outside this part).
//
//   auto structure = expert::strip_weights(trained);                // search rewrites on shapes only
//   auto result = expert::optimize(structure, latency, patterns, {});
//   auto transfer = expert::transfer_weights(trained, result->graph, /*seed=*/0);
//   // transfer->kept_params of transfer->kept_params + transfer->fresh_params copied;
//   // result->graph now has all its weights (transfer->fresh_nodes were initialised afresh)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"

namespace hwnas::expert {

// A fresh initialisation of `param` (a param of `node`), seeded by (seed, node name): He-uniform
// conv and linear weights (bound sqrt(6 / fan_in)), zero biases and batch-norm shift and mean,
// unit batch-norm scale and variance. The same seed and name give the same values everywhere.
void initialise_param(ir::Param& param, const ir::Node& node, uint64_t seed);

struct WeightTransfer {
  int64_t kept_params = 0, fresh_params = 0;  // param tensors copied / initialised afresh
  int64_t kept_values = 0, fresh_values = 0;  // their scalar counts
  std::vector<std::string> fresh_nodes;       // nodes with at least one fresh param, in node order
};

// Fills every param of `target`: a param whose node name exists in `source` with a param of the
// same role and shape takes that param's data; any other gets initialise_param(seed). Errors:
// `source` carries no weights (ir::Graph::has_weights is false); then `target` is unchanged.
Result<WeightTransfer> transfer_weights(const ir::Graph& source, ir::Graph& target, uint64_t seed);

// `graph` with the data of every param dropped (shapes kept): the structure the optimiser and
// the rule applier search on, so a rewrite does not copy weights around.
ir::Graph strip_weights(const ir::Graph& graph);

}  // namespace hwnas::expert
