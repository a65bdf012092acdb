// Subnet search: an ask/tell algorithm scoring inherited-weight accuracy under a hardware latency budget.
#include <ctime>
#include <limits>
#include <map>

#include "hwnas/supernet/supernet.h"

namespace hwnas::supernet {
namespace {

search::Score failed_score() {
  search::Score s;
  s.feasible = false;
  s.violation = 1e6;
  s.cost = search::CostModel::kInfeasibleCost * (1 + s.violation);
  s.objectives.assign(1, std::numeric_limits<double>::max());
  return s;
}

}  // namespace

Result<SearchResult> search(Supernet& net, search::Evaluator& hardware, const TensorSet& calibration,
                            const TensorSet& validation, const SearchOptions& options) {
  if (options.trials <= 0) return Error{"supernet search: trials must be positive, got " + std::to_string(options.trials)};
  if (options.latency_budget < 0) return Error{"supernet search: latency_budget must not be negative"};
  if (calibration.size() == 0 || validation.size() == 0)
    return Error{"supernet search: the calibration and validation sets must not be empty"};
  const space::SearchSpace& space = net->space();
  auto algorithm = search::make_algorithm(options.algorithm, space);
  if (!algorithm) return algorithm.error().within("supernet search");
  search::CostModel model;
  model.objectives = {{"accuracy", search::Direction::Maximize}};
  if (options.latency_budget > 0) model.budgets = {{options.latency_metric, options.latency_budget}};

  const double start = static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
  std::mt19937_64 rng(options.seed);
  std::map<std::string, Candidate> seen;  // by canonical key: equal networks are measured once
  SearchResult result;
  bool found = false;
  for (int trial = 0; trial < options.trials; ++trial) {
    Candidate c;
    c.arch = (*algorithm)->ask(rng);
    const std::string key = space.canonical_key(c.arch);
    if (auto it = seen.find(key); it != seen.end()) {
      Candidate cached = it->second;
      cached.arch = c.arch;
      c = std::move(cached);
    } else {
      auto evaluate = [&]() -> Status {
        if (Status s = net->check(c.arch); !s) return s;
        auto metrics = hardware.evaluate({.space = space, .arch = c.arch});
        if (!metrics) return metrics.error();
        c.metrics = std::move(*metrics);
        auto latency = c.metrics.find(options.latency_metric);
        if (options.latency_budget > 0 && latency == c.metrics.end())
          return Error{"the hardware evaluator reports no '" + options.latency_metric + "'"};
        // Over budget: infeasible whatever its accuracy, so the accuracy is not measured (0).
        const bool over = options.latency_budget > 0 && latency->second > options.latency_budget;
        if (!over) {
          auto acc = inherited_accuracy(net, c.arch, calibration, validation);
          if (!acc) return acc.error();
          c.accuracy = *acc;
        }
        c.metrics["accuracy"] = c.accuracy;
        auto score = model.score(c.metrics);
        if (!score) return score.error();
        c.score = *score;
        return {};
      };
      if (Status s = evaluate(); !s) {
        c.failed = true;
        c.error = s.error().message;
        c.score = failed_score();
      }
      seen[key] = c;
    }
    (*algorithm)->tell({c.arch, c.score, c.failed});
    if (!c.failed && c.score.feasible && (!found || c.accuracy > result.best_accuracy)) {
      found = true;
      result.best = c.arch;
      result.best_accuracy = c.accuracy;
      result.best_metrics = c.metrics;
    }
    result.history.push_back(std::move(c));
  }
  result.cpu_seconds = static_cast<double>(std::clock()) / CLOCKS_PER_SEC - start;
  if (!found) {
    std::string reason = result.history.empty() ? "" : result.history.back().error;
    return Error{"supernet search: no feasible subnet in " + std::to_string(options.trials) + " trials" +
                 (reason.empty() ? " (every candidate over the latency budget)" : "; last error: " + reason)};
  }
  return result;
}

}  // namespace hwnas::supernet
