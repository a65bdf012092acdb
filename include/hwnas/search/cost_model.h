// The cost model of a search: objectives, hard budgets, MnasNet's soft reward, and Pareto dominance.
//
//   search::CostModel model;
//   model.objectives = {{"latency_us", search::Direction::Minimize}};
//   model.budgets = {{"memory_bytes", 512 * 1024}};            // params bytes + peak activation bytes
//   search::Score score = model.score({{"latency_us", 812.0}, {"memory_bytes", 400000}});
//   // score.feasible, score.cost (lower is better), score.objectives (each to be minimised)
//
// Metric names (what evaluators report): accuracy (in [0, 1]), latency_us, energy_uj, params,
// weight_bytes, peak_memory_bytes, memory_bytes (= weight_bytes + peak_memory_bytes), macs.
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::search {

// What an evaluator measured, by metric name.
using Metrics = std::map<std::string, double>;

enum class Direction { Minimize, Maximize };

struct Objective {
  std::string metric;
  Direction direction = Direction::Minimize;
};

// A hard budget: min <= metric <= max (either bound may be left infinite). A lower bound
// stands in for quality until an accuracy evaluator exists (e.g. macs >= 50e6 as a capacity floor).
struct Budget {
  std::string metric;
  double max = std::numeric_limits<double>::infinity();
  double min = -std::numeric_limits<double>::infinity();
};

// MnasNet's soft reward acc * (lat / T)^w (Tan et al. 2019): w = -0.07 trades about 5 %
// latency for 0.35 % accuracy. The search maximises it (its cost is its negative).
struct MnasReward {
  std::string accuracy_metric = "accuracy";
  std::string latency_metric = "latency_us";
  double target = 0;  // T, in the latency metric's unit
  double w = -0.07;
};

struct Score {
  bool feasible = true;
  double violation = 0;                // sum over budgets of max(0, value / max - 1) and max(0, (min - value) / |min|)
  double cost = 0;                     // the scalar single-objective algorithms minimise
  std::vector<double> objectives;      // one per objective, each to be minimised (maximised ones negated)
};

struct CostModel {
  std::vector<Objective> objectives;   // at least one
  std::vector<Budget> budgets;
  std::optional<MnasReward> reward;    // when set, cost = -reward (objectives stay for Pareto fronts)

  // Infeasible candidates cost kInfeasibleCost * (1 + violation): worse than every feasible one
  // and ordered by how far they are over budget.
  static constexpr double kInfeasibleCost = 1e12;

  // The metrics every objective, budget and reward needs.
  std::vector<std::string> required_metrics() const;
  // Checks the model is usable (an objective, positive budgets, a positive reward target).
  Status validate() const;
  // The budgets' and the reward's part of validate().
  Status validate_budgets() const;
  // The score of `metrics`; an Error naming a required metric that is missing or not finite,
  // unless the metrics present already break a budget: then the score is infeasible (missing
  // objectives count as the worst, +infinity), as for the partial metrics of a gated
  // CompositeEvaluator that skipped training an architecture over its latency budget.
  Result<Score> score(const Metrics& metrics) const;
};

// The sum over `budgets` whose metric is in `metrics` (and finite) of the relative overshoot
// (Score::violation's definition); 0 when every one present is met.
double budget_violation(const std::vector<Budget>& budgets, const Metrics& metrics);

// MnasNet's reward acc * (lat / target)^w.
double mnas_reward(double accuracy, double latency, double target, double w = -0.07);

// ---- Pareto dominance (every objective minimised) -------------------------------------------

// True when `a` is no worse than `b` in every objective and better in at least one.
bool dominates(const std::vector<double>& a, const std::vector<double>& b);

// Constrained dominance (Deb): a feasible point dominates an infeasible one; of two infeasible
// points the one with less violation dominates; two feasible points compare by dominates().
bool constrained_dominates(const Score& a, const Score& b);

// Fronts of non-dominated sorting (Deb et al. 2002): fronts[0] are the indices nobody
// dominates, fronts[1] those dominated only by fronts[0], ... Each front in ascending index order.
std::vector<std::vector<size_t>> non_dominated_sort(const std::vector<Score>& points);

// NSGA-II's crowding distance of each point of `front` (indices into `points`), in front order:
// infinite at the ends of every objective, else the sum of normalised neighbour gaps.
std::vector<double> crowding_distance(const std::vector<Score>& points, const std::vector<size_t>& front);

// Indices of the feasible points no feasible point dominates, ascending.
std::vector<size_t> pareto_front(const std::vector<Score>& points);

// The hypervolume that `points` (each objective minimised) dominate up to `reference` (points
// not strictly better than it in every objective add nothing); exact, by slicing (HSO), for the
// small fronts of a search.
double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference);

}  // namespace hwnas::search
