// The cost model: scoring metrics against objectives, budgets and MnasNet's reward; Pareto sorting.
#include "hwnas/search/cost_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hwnas::search {

double mnas_reward(double accuracy, double latency, double target, double w) {
  return accuracy * std::pow(latency / target, w);
}

std::vector<std::string> CostModel::required_metrics() const {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const Objective& o : objectives) add(o.metric);
  for (const Budget& b : budgets) add(b.metric);
  if (reward) {
    add(reward->accuracy_metric);
    add(reward->latency_metric);
  }
  return names;
}

Status CostModel::validate() const {
  if (objectives.empty()) return Error{"cost model: at least one objective is needed"};
  return validate_budgets();
}

Status CostModel::validate_budgets() const {
  for (const Budget& b : budgets) {
    if (std::isnan(b.max) || std::isnan(b.min) || (std::isinf(b.max) && std::isinf(b.min)))
      return Error{"cost model: budget on " + b.metric + " needs a max or a min"};
    if (std::isfinite(b.max) && !(b.max > 0))
      return Error{"cost model: budget " + b.metric + " <= " + std::to_string(b.max) + ": the max must be positive"};
    if (b.min > b.max) return Error{"cost model: budget on " + b.metric + ": min is above max"};
  }
  if (reward && (!(reward->target > 0) || !std::isfinite(reward->target) || !std::isfinite(reward->w)))
    return Error{"cost model: the MnasNet reward needs a positive target latency and a finite w"};
  return {};
}

double budget_violation(const std::vector<Budget>& budgets, const Metrics& metrics) {
  double violation = 0;
  for (const Budget& b : budgets) {
    auto it = metrics.find(b.metric);
    if (it == metrics.end() || !std::isfinite(it->second)) continue;
    if (it->second > b.max) violation += it->second / b.max - 1.0;
    if (it->second < b.min) violation += (b.min - it->second) / std::max(1e-300, std::fabs(b.min));
  }
  return violation;
}

Result<Score> CostModel::score(const Metrics& metrics) const {
  // Partial metrics that already break a budget: infeasible, whatever the missing ones would be.
  if (const double violation = budget_violation(budgets, metrics); violation > 0) {
    bool complete = true;
    for (const std::string& name : required_metrics()) {
      auto it = metrics.find(name);
      complete = complete && it != metrics.end() && std::isfinite(it->second);
    }
    if (!complete) {
      Score score;
      score.feasible = false;
      score.violation = violation;
      for (const Objective& o : objectives) {
        auto it = metrics.find(o.metric);
        const bool known = it != metrics.end() && std::isfinite(it->second);
        score.objectives.push_back(!known ? std::numeric_limits<double>::infinity()
                                          : o.direction == Direction::Minimize ? it->second : -it->second);
      }
      score.cost = kInfeasibleCost * (1.0 + violation);
      return score;
    }
  }
  auto get = [&](const std::string& name) -> Result<double> {
    auto it = metrics.find(name);
    if (it == metrics.end()) return Error{"cost model: metric '" + name + "' was not measured"};
    if (!std::isfinite(it->second)) return Error{"cost model: metric '" + name + "' is not finite"};
    return it->second;
  };
  Score score;
  for (const Objective& o : objectives) {
    auto v = get(o.metric);
    if (!v) return v.error();
    score.objectives.push_back(o.direction == Direction::Minimize ? *v : -*v);
  }
  for (const Budget& b : budgets) {
    auto v = get(b.metric);
    if (!v) return v.error();
    if (*v > b.max) {
      score.feasible = false;
      score.violation += *v / b.max - 1.0;
    }
    if (*v < b.min) {
      score.feasible = false;
      score.violation += (b.min - *v) / std::max(1e-300, std::fabs(b.min));
    }
  }
  if (reward) {
    auto acc = get(reward->accuracy_metric);
    if (!acc) return acc.error();
    auto lat = get(reward->latency_metric);
    if (!lat) return lat.error();
    if (!(*lat > 0)) return Error{"cost model: " + reward->latency_metric + " must be positive for the MnasNet reward"};
    score.cost = -mnas_reward(*acc, *lat, reward->target, reward->w);
  } else {
    score.cost = score.objectives.front();
    for (size_t i = 1; i < score.objectives.size(); ++i) score.cost += 1e-9 * score.objectives[i];  // ties only
  }
  if (!score.feasible) score.cost = kInfeasibleCost * (1.0 + score.violation);
  return score;
}

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool better = false;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

bool constrained_dominates(const Score& a, const Score& b) {
  if (a.feasible != b.feasible) return a.feasible;
  if (!a.feasible) return a.violation < b.violation;
  return dominates(a.objectives, b.objectives);
}

std::vector<std::vector<size_t>> non_dominated_sort(const std::vector<Score>& points) {
  const size_t n = points.size();
  std::vector<std::vector<size_t>> dominated_by_me(n);
  std::vector<size_t> domination_count(n, 0);
  std::vector<std::vector<size_t>> fronts;
  std::vector<size_t> current;
  for (size_t p = 0; p < n; ++p) {
    for (size_t q = 0; q < n; ++q) {
      if (p == q) continue;
      if (constrained_dominates(points[p], points[q])) dominated_by_me[p].push_back(q);
      else if (constrained_dominates(points[q], points[p])) ++domination_count[p];
    }
    if (domination_count[p] == 0) current.push_back(p);
  }
  while (!current.empty()) {
    fronts.push_back(current);
    std::vector<size_t> next;
    for (size_t p : current)
      for (size_t q : dominated_by_me[p])
        if (--domination_count[q] == 0) next.push_back(q);
    std::sort(next.begin(), next.end());
    current = std::move(next);
  }
  return fronts;
}

std::vector<double> crowding_distance(const std::vector<Score>& points, const std::vector<size_t>& front) {
  const size_t n = front.size();
  std::vector<double> distance(n, 0.0);
  if (n == 0) return distance;
  const size_t objectives = points[front[0]].objectives.size();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (size_t m = 0; m < objectives; ++m) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return points[front[a]].objectives[m] < points[front[b]].objectives[m];
    });
    const double lo = points[front[order.front()]].objectives[m];
    const double hi = points[front[order.back()]].objectives[m];
    distance[order.front()] = kInf;
    distance[order.back()] = kInf;
    if (hi <= lo) continue;
    for (size_t k = 1; k + 1 < n; ++k)
      if (distance[order[k]] != kInf)
        distance[order[k]] += (points[front[order[k + 1]]].objectives[m] - points[front[order[k - 1]]].objectives[m]) / (hi - lo);
  }
  return distance;
}

std::vector<size_t> pareto_front(const std::vector<Score>& points) {
  std::vector<size_t> front;
  for (size_t p = 0; p < points.size(); ++p) {
    if (!points[p].feasible) continue;
    bool dominated = false;
    for (size_t q = 0; q < points.size() && !dominated; ++q)
      dominated = q != p && points[q].feasible && dominates(points[q].objectives, points[p].objectives);
    if (!dominated) front.push_back(p);
  }
  return front;
}

namespace {

// HSO: sort by the last objective, sum slabs of the (d-1)-dimensional volume of the points below each.
double hypervolume_slices(std::vector<std::vector<double>> points, const std::vector<double>& reference, size_t d) {
  if (points.empty()) return 0;
  if (d == 1) {
    double least = reference[0];
    for (const auto& p : points) least = std::min(least, p[0]);
    return reference[0] - least;
  }
  std::sort(points.begin(), points.end(), [&](const auto& a, const auto& b) { return a[d - 1] < b[d - 1]; });
  double volume = 0;
  std::vector<std::vector<double>> below;
  for (size_t i = 0; i < points.size(); ++i) {
    below.push_back(points[i]);
    const double top = i + 1 < points.size() ? points[i + 1][d - 1] : reference[d - 1];
    if (top > points[i][d - 1]) volume += hypervolume_slices(below, reference, d - 1) * (top - points[i][d - 1]);
  }
  return volume;
}

}  // namespace

double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference) {
  std::vector<std::vector<double>> inside;
  for (const auto& p : points) {
    if (p.size() != reference.size()) continue;
    bool strictly_better = true;
    for (size_t k = 0; k < p.size(); ++k) strictly_better = strictly_better && p[k] < reference[k];
    if (strictly_better) inside.push_back(p);
  }
  if (inside.empty() || reference.empty()) return 0;
  return hypervolume_slices(std::move(inside), reference, reference.size());
}

}  // namespace hwnas::search
