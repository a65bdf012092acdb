// The execution order that minimises peak activation memory (model of peak_memory.h).
//
//   auto best = analysis::minimal_peak_memory(graph, ir::Precision::Int8);
//   std::cout << best.best.peak_bytes << (best.exact ? " (optimal)" : " (heuristic)") << "\n";
//
// Search: the states are the sets of executed nodes closed under predecessors; running a node
// whose inputs are done moves to a bigger set and costs the live bytes of that step. The peak
// of an order is the largest step cost on its path, so the minimal peak is a bottleneck
// shortest path from the empty set to the full set. It is found by:
//  1. upper bounds: the graph's own order, a greedy order and a beam-search order;
//  2. a lower bound: the Input steps, every node's footprint (its output and its inputs), and
//     the last step (all graph outputs live); when an order meets it, it is optimal at once;
//  3. otherwise an A* search on the running maximum, memoised per set (a set reached again
//     more cheaply is reopened), whose estimate adds, for the remaining nodes, the graph
//     outputs already made and the tensors already made that their descendants still read;
//     states that cannot beat the best order known are never stored; and a node that frees
//     at least as much as it allocates, within the current estimate, is run at once (moving
//     it earlier never raises a step), which collapses chains.
// Input nodes always run first (that never raises the peak).
//
// The number of sets is exponential in the graph's width: small for chains with residual and
// squeeze-excite branches, up to (L+1)^k for k parallel branches of length L (10 branches of
// 3 nodes: a few 10^4 sets, well under a second). Beyond `max_states` stored sets the search
// stops and returns the best heuristic order with `exact == false` and a proven lower bound:
// never a heuristic silently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/analysis/peak_memory.h"

namespace hwnas::analysis {

struct ScheduleSearchOptions {
  int64_t max_states = 200'000;  // sets of executed nodes the exact search may store
  size_t beam_width = 64;        // partial orders the beam-search heuristic keeps per step
  // Run the A* search even when an order meets the lower bound, and let it find its own best
  // order (the heuristic orders' peak + 1 is its bound): a check of the search, for tests.
  bool search_always = false;
};

struct MinimalPeakMemory {
  PeakMemory best;                // the best order found, analysed at the asked precision
  bool exact = false;             // true: no valid order has a lower peak
  int64_t lower_bound_bytes = 0;  // no valid order has a lower peak; == best.peak_bytes when exact
  int64_t states_explored = 0;    // sets of executed nodes the search stored
  std::string method;             // how `best` was found, for reports
};

// The order with the least peak (exact within the state budget; see above). Its peak is never
// above the graph's own order's.
MinimalPeakMemory minimal_peak_memory(const ir::Graph& graph, ir::Precision precision,
                                      const ScheduleSearchOptions& options = {});

// A greedy order: Inputs first, then at each step a ready node chosen by one of two rules,
// whichever order has the lower peak: (a) least memory left live after the step, then least
// live during it; (b) least live during the step, then least left after it; ties by node id.
// Fast (O(nodes^2)); the search's upper bound and its fallback.
// Sizes are bytes at `precision`, or at a node's own (mixed precision; analysis::tensor_bytes).
std::vector<ir::NodeId> greedy_memory_order(const ir::Graph& graph, ir::Precision precision = ir::Precision::Int8);

}  // namespace hwnas::analysis
