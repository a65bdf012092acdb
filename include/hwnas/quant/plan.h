// The quantisation plan of a graph: where its tensors are quantised, and with which parameters, from calibrated ranges.
//
//   ir::Graph folded = ir::fold_batch_norm(trained);      // quantise after folding batch norm
//   quant::RangeObserver observer(folded, {.method = quant::Calibration::Percentile});
//   for (batch : calibration) observer.observe(node_id, values);   // every node's output, per batch
//   auto plan = quant::make_plan(folded, observer.ranges(), {.weights = quant::WeightGranularity::PerChannel});
//   // plan->grid[id]: the integer grid node id's output lies on; plan->quantizes[id]: whether
//   // the node's output is quantised (rounded to its grid) or passes a grid through.
//
// Roles, as int8 runtimes (TFLite, CMSIS-NN, Vela) execute a graph:
//   - Fused: conv2d, conv_transpose2d, linear, add, sub, mul or batch_norm whose only reader is a
//     relu, relu6 or clip (and which is not a graph output): the activation is fused into it,
//     so its output is never quantised; the activation's output is.
//   - KeepsGrid: max_pool, global_max_pool, flatten, reshape, transpose, channel_shuffle, slice,
//     nearest resize, and pad with value 0 only move or select values: their output stays on
//     their input's grid.
//   - Quantised: every other node, the graph input included: its output is rounded to its own
//     grid, from its calibrated range.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"
#include "hwnas/ir/result.h"
#include "hwnas/quant/quant_params.h"

namespace hwnas::quant {

enum class Role { Quantised, Fused, KeepsGrid };
const char* role_name(Role role);  // "quantised", "fused", "keeps_grid"
// The role of each node, by id.
std::vector<Role> quantization_roles(const ir::Graph& graph);

enum class Calibration { MinMax, Percentile };
const char* calibration_name(Calibration c);                   // "minmax", "percentile"
Result<Calibration> calibration_from_name(const std::string& name);
Result<WeightGranularity> granularity_from_name(const std::string& name);  // "per_channel" | "per_tensor"

struct Range {
  double min = 0, max = 0;
  int64_t batches = 0;  // how many batches it was observed over
};

// The range of every node's output over calibration batches. MinMax: the smallest and largest
// value seen. Percentile: per batch the `percentile` and 100 - `percentile` quantiles (over at
// most 2^20 evenly strided values of the batch), averaged over the batches.
class RangeObserver {
 public:
  struct Options {
    Calibration method = Calibration::MinMax;
    double percentile = 99.99;  // in (50, 100]
  };
  RangeObserver(const ir::Graph& graph, Options options);
  // Whether node `id`'s output needs a range (its role is Quantised).
  bool wants(ir::NodeId id) const { return roles_.at(static_cast<size_t>(id)) == Role::Quantised; }
  // One batch of node `id`'s output values.
  void observe(ir::NodeId id, std::span<const float> values);
  // By node id; Range{} (batches 0) for nodes not observed.
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Role> roles_;
  Options options_;
  std::vector<Range> ranges_;
};

struct PlanOptions {
  WeightGranularity weights = WeightGranularity::PerChannel;
  ir::Precision activations = ir::Precision::Int8;  // Int8 or Int16, for every node without a precision of its own (ir::Node::precision)
};

struct QuantPlan {
  WeightGranularity weights = WeightGranularity::PerChannel;
  std::vector<Role> roles;                        // by node id
  std::vector<std::optional<QuantParams>> grid;   // the grid of each output; nullopt for Fused nodes
  // true where the node's output is rounded to its grid (Quantised); KeepsGrid and Fused nodes' are not.
  std::vector<bool> quantizes;
  // For a Fused node, the activation that reads it (kNoNode for the others).
  std::vector<ir::NodeId> fused_into;
  // The grid node `id`'s output is written on: its activation's when fused, else grid[id].
  const std::optional<QuantParams>& output_grid(ir::NodeId id) const;
  // Number of nodes whose output is quantised.
  int64_t quantised_tensors() const;
};

// The plan of `graph` from per-node ranges (RangeObserver::ranges()); an Error naming the node
// whose output is quantised but was never observed.
Result<QuantPlan> make_plan(const ir::Graph& graph, std::span<const Range> ranges, const PlanOptions& options = {});

}  // namespace hwnas::quant
