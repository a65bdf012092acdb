// Peak activation memory of a network under an execution order, from the lifetimes of its tensors.
//
//   auto given = analysis::peak_memory_in_graph_order(graph, ir::Precision::Int8);
//   std::cout << given.peak_bytes << " bytes at " << graph.node(given.peak_node).name << "\n";
//   auto custom = analysis::peak_memory(graph, my_order, ir::Precision::Fp32);
//   if (!custom) std::cerr << custom.error().message;   // names the node run too early
//
// The memory model (the one the seed's memory budgets count, and the one a simple runtime
// without memory planning tricks needs):
//  - Every node has one output tensor, stored whole: elements x bytes_per_element(precision),
//    all activations at the same precision. Weights are not activations and are not counted
//    (see cost.h for weight bytes).
//  - An execution order is a permutation of ALL node ids (Input nodes included) in which every
//    node comes after its inputs. Step k runs order[k].
//  - A tensor is live from the step its producer runs until the step its last consumer runs,
//    both included. An Input node's tensor is live from step 0. A graph output stays live to
//    the last step. A tensor nobody reads (and that is not an output) is live during its own
//    producer's step only.
//  - So during a node's step its inputs and its output are live together, plus every tensor
//    produced earlier that some later step still reads.
//  - No in-place reuse (an activation or an add does not overwrite its input), no tiling or
//    streaming of part of a tensor, no workspace of the kernels, no alignment padding. A tensor
//    read twice by one node (add(x, x)) is counted once.
// The live bytes of a step are the sum over the tensors live during it; the peak is the
// largest of them. The order that minimises the peak is found in memory_schedule.h.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"

namespace hwnas::analysis {

struct PeakMemory {
  ir::Precision precision = ir::Precision::Int8;
  std::vector<ir::NodeId> order;       // the execution order analysed, one node per step
  std::vector<int64_t> live_bytes;     // live_bytes[k]: bytes live during step k
  int64_t peak_bytes = 0;              // max of live_bytes; 0 for an empty graph
  int peak_step = -1;                  // first step that reaches the peak; -1 for an empty graph
  ir::NodeId peak_node = ir::kNoNode;  // order[peak_step]
  std::vector<ir::NodeId> peak_live;   // tensors (producer ids) live at the peak step, ascending
};

// Bytes of node `id`'s output tensor at `precision`, or at the node's own (ir::layer_precision).
int64_t tensor_bytes(const ir::Graph& graph, ir::NodeId id, ir::Precision precision);

// Checks that `order` is a permutation of the graph's node ids that runs every node after its
// inputs; the error names the offending node (or the missing, repeated or unknown id).
Status check_execution_order(const ir::Graph& graph, const std::vector<ir::NodeId>& order);

// Peak memory under `order`, or the error of check_execution_order.
Result<PeakMemory> peak_memory(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                               ir::Precision precision);

// Peak memory under the graph's own node order (always a valid order).
PeakMemory peak_memory_in_graph_order(const ir::Graph& graph, ir::Precision precision);

}  // namespace hwnas::analysis
