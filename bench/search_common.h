// Shared by the search benchmarks (search_curation.cpp, search_algorithms.cpp): the estimator they
// search with, one seeded search run as a best-so-far curve, and mean / spread over seeds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/hw/registry.h"
#include "hwnas/search/estimator_evaluator.h"
#include "hwnas/search/search.h"

namespace hwnas::bench {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The objective of both benchmarks, the one of the built-in default search: the least latency
// with weights + peak activations <= 2 MB and at least 100 M MACs. The MACs floor is a capacity
// proxy standing in for accuracy, which these benchmarks do not train for.
inline search::CostModel latency_under_budgets() {
  search::CostModel model;
  model.objectives = {{"latency_us", search::Direction::Minimize}};
  model.budgets = {{"memory_bytes", 2e6}, {"macs", std::numeric_limits<double>::infinity(), 100e6}};
  return model;
}
inline const char* kObjectiveText = "least latency_us with memory_bytes <= 2 MB and macs >= 100 M (a capacity proxy; no training)";

// Loads `file`, or builds an estimator for the simulated `target` and saves it there.
inline std::unique_ptr<search::EstimatorEvaluator> estimator_evaluator(hw::Target& target, const std::string& file,
                                                                        size_t samples, int rounds) {
  search::EstimatorSource source;
  source.file = file;
  source.build.samples = samples;
  source.build.adaptive_rounds = rounds;
  std::fprintf(stderr, "estimator %s: loading, or building it for %s (%zu sampled networks, %d adaptive rounds)...\n",
               file.c_str(), target.name().c_str(), samples, rounds);
  auto loaded = search::load_or_build_estimator(target, source);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return nullptr;
  }
  if (loaded->built)
    std::printf("built the estimator for %s in %.0f s and saved it to %s\n", target.name().c_str(), loaded->build_seconds, file.c_str());
  else
    std::printf("loaded the estimator %s\n", file.c_str());
  return std::make_unique<search::EstimatorEvaluator>(std::move(loaded->estimator));
}

struct RunCurve {
  std::vector<double> best_so_far;  // per trial, infinity until the first feasible trial
  search::TrialRecord best;         // the best feasible trial (status "" when none)
  double seconds = 0;
};

// One search of `trials` distinct architectures; the curve is padded with its last value when
// the algorithm stops early on an exhausted space.
inline Result<RunCurve> run_curve(const space::SearchSpace& space, const search::AlgorithmOptions& algorithm_options,
                                  search::Evaluator& evaluator, const search::CostModel& cost_model, int trials, uint64_t seed) {
  auto algorithm = search::make_algorithm(algorithm_options, space);
  if (!algorithm) return algorithm.error();
  search::SearchOptions options;
  options.trials = trials;
  options.seed = seed;
  const auto start = Clock::now();
  auto result = search::run_search(space, **algorithm, evaluator, cost_model, nullptr, options);
  if (!result) return result.error();
  RunCurve curve;
  curve.seconds = seconds_since(start);
  double best = std::numeric_limits<double>::infinity();
  for (const search::TrialRecord& t : result->trials) {
    if (t.status == "done" && t.feasible && t.cost < best) {
      best = t.cost;
      curve.best = t;
    }
    curve.best_so_far.push_back(best);
  }
  curve.best_so_far.resize(trials, best);
  return curve;
}

struct Spread {
  double mean = std::numeric_limits<double>::infinity();
  double sd = 0;
  int n = 0;  // finite values
};

// Mean and (population) standard deviation of the finite values.
inline Spread spread_of(const std::vector<double>& values) {
  Spread s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++s.n;
    }
  if (s.n == 0) return s;
  s.mean = sum / s.n;
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(squares / s.n);
  return s;
}

// The median of all values, an infinite one (no feasible network) counting as worse than any.
inline double median_of(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// "1608 +- 112" (or "-" when no value is finite).
inline std::string spread_text(const Spread& s) {
  if (s.n == 0) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.0f +- %.0f", s.mean, s.sd);
  return buffer;
}

}  // namespace hwnas::bench
