// The expert optimiser: greedy (beam 1) or beam search over the rewrites that apply to a model,
// guided by a latency function (a target or an estimator), parameters and peak memory, under an
// optional budget. Every accepted step is a logged rewrite, so the result can be replayed.
//
//   auto result = expert::optimize(graph, expert::target_latency(npu), {.beam = 2});
//   for (const auto& step : result->steps) std::cout << step.record.pattern << "\n";
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hwnas/expert/model_cost.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"

namespace hwnas::expert {

// The patterns the optimiser tries by default for a target working in multiples of
// `channel_multiple`: ibn_to_fused_ibn, fused_ibn_to_ibn, depthwise_pointwise_to_conv,
// remove_squeeze_excite, align_channels (layer, up and down; when the multiple is above 1),
// even_channels and depth_multiplier 0.75 per stage (multiple / divisor max(8, multiple)).
std::vector<std::unique_ptr<Pattern>> default_search_patterns(int64_t channel_multiple);

struct OptimizeOptions {
  int beam = 1;            // states kept per step; 1 is greedy
  int max_steps = 12;      // rewrites at most
  Budget budget;           // the search first lowers the excess over it, then the latency
  double min_gain = 0.002; // a step must cut latency by this fraction (when the excess is equal)
  uint64_t seed = 0;       // weights of changed layers
  // Without an accuracy signal the search would shrink widths without end, so: stop as soon as
  // a given budget is met (the memory route's goal is to fit), and reject candidates with
  // fewer than this fraction of the baseline's parameters (a capacity floor; 0 disables it).
  bool stop_when_budget_met = true;
  double min_params_fraction = 0.5;
  ir::Precision precision = ir::Precision::Int8;  // of the peak-memory analysis
};

struct OptimizeStep {
  RewriteRecord record;
  ModelCost before, after;
};

struct OptimizeResult {
  ir::Graph graph;
  RewriteLog log;
  ModelCost baseline, final_cost;
  std::vector<OptimizeStep> steps;
  bool budget_met = true;
  int64_t candidates_evaluated = 0;
};

// Searches rewrites of `graph` from `patterns`. Errors: the baseline's latency cannot be
// measured, or beam / max_steps below 1. Candidates that fail to measure are skipped.
Result<OptimizeResult> optimize(const ir::Graph& graph, const LatencyFn& latency,
                                const std::vector<std::unique_ptr<Pattern>>& patterns,
                                const OptimizeOptions& options);

}  // namespace hwnas::expert
