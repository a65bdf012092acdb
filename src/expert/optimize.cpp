// The expert optimiser: greedy or beam search over applicable rewrites under a budget.
#include "hwnas/expert/optimize.h"

#include <algorithm>

namespace hwnas::expert {
namespace {

struct State {
  Rewriter rewriter;
  ModelCost cost;
  std::vector<OptimizeStep> steps;
};

// Lexicographic: less excess over the budget, then less latency (by more than min_gain).
bool better(const ModelCost& a, const ModelCost& b, const Budget& budget, double min_gain) {
  double ea = budget_excess(a, budget), eb = budget_excess(b, budget);
  if (ea < eb - 1e-12) return true;
  if (ea > eb + 1e-12) return false;
  return a.latency_us < b.latency_us * (1.0 - min_gain);
}

}  // namespace

std::vector<std::unique_ptr<Pattern>> default_search_patterns(int64_t channel_multiple) {
  std::vector<std::unique_ptr<Pattern>> patterns;
  auto add = [&](const std::string& name, const PatternParams& params) {
    auto pattern = make_pattern(name, params);
    if (pattern) patterns.push_back(std::move(*pattern));
  };
  std::string divisor = std::to_string(std::max<int64_t>(8, channel_multiple));
  add("ibn_to_fused_ibn", {});
  add("fused_ibn_to_ibn", {});
  add("depthwise_pointwise_to_conv", {});
  add("remove_squeeze_excite", {});
  if (channel_multiple > 1) {
    std::string multiple = std::to_string(channel_multiple);
    add("align_channels", {{"multiple", multiple}, {"round", "down"}, {"scope", "layer"}});
    add("align_channels", {{"multiple", multiple}, {"round", "up"}, {"scope", "layer"}});
  }
  add("even_channels", {{"multiple", divisor}, {"round", "nearest"}});
  add("depth_multiplier", {{"factor", "0.75"}, {"divisor", divisor}, {"scope", "stage"}});
  return patterns;
}

Result<OptimizeResult> optimize(const ir::Graph& graph, const LatencyFn& latency,
                                const std::vector<std::unique_ptr<Pattern>>& patterns,
                                const OptimizeOptions& options) {
  if (options.beam < 1) return Error{"optimize: beam must be at least 1"};
  if (options.max_steps < 1) return Error{"optimize: max_steps must be at least 1"};
  auto baseline = measure_cost(graph, latency, options.precision);
  if (!baseline) return baseline.error().within("optimize: the baseline");
  OptimizeResult result{graph, {}, *baseline, *baseline, {}, true, 0};
  std::vector<State> beam{State{Rewriter(graph, options.seed), *baseline, {}}};
  State best = beam.front();
  for (int step = 0; step < options.max_steps; ++step) {
    std::vector<State> children;
    for (const State& state : beam) {
      for (const auto& pattern : patterns) {
        for (const Match& match : find_matches(*pattern, state.rewriter.graph())) {
          Rewriter next = state.rewriter;
          if (!next.apply(*pattern, match)) continue;
          auto cost = measure_cost(next.graph(), latency, options.precision);
          ++result.candidates_evaluated;
          if (!cost || !better(*cost, state.cost, options.budget, options.min_gain)) continue;
          if (static_cast<double>(cost->params) <
              options.min_params_fraction * static_cast<double>(result.baseline.params))
            continue;
          State child{std::move(next), *cost, state.steps};
          child.steps.push_back({child.rewriter.log().records.back(), state.cost, *cost});
          children.push_back(std::move(child));
        }
      }
    }
    if (children.empty()) break;
    std::stable_sort(children.begin(), children.end(), [&](const State& a, const State& b) {
      double ea = budget_excess(a.cost, options.budget), eb = budget_excess(b.cost, options.budget);
      if (ea != eb) return ea < eb;
      return a.cost.latency_us < b.cost.latency_us;
    });
    if (children.size() > static_cast<size_t>(options.beam)) children.erase(children.begin() + options.beam, children.end());
    beam = std::move(children);
    if (better(beam.front().cost, best.cost, options.budget, 0.0)) best = beam.front();
    if (options.stop_when_budget_met && !options.budget.empty() && budget_excess(best.cost, options.budget) == 0.0)
      break;
  }
  result.graph = best.rewriter.graph();
  result.log = best.rewriter.log();
  result.final_cost = best.cost;
  result.steps = best.steps;
  result.budget_met = budget_excess(best.cost, options.budget) == 0.0;
  return result;
}

}  // namespace hwnas::expert
