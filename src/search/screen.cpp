// screen_proposals: budget-feasible proposals by their cheap metrics, ranked by a proxy score.
#include "hwnas/search/screen.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "hwnas/search/search.h"

namespace hwnas::search {

void ScreenReport::add(const ScreenReport& other) {
  draws += other.draws;
  duplicates += other.duplicates;
  over_budget += other.over_budget;
  failed += other.failed;
  passed += other.passed;
  ranked += other.ranked;
  proxy_failed += other.proxy_failed;
  exhausted = exhausted || other.exhausted;
}

Result<std::vector<ScreenedCandidate>> screen_proposals(const space::SearchSpace& space, SearchAlgorithm& algorithm,
                                                        const CostModel& cost_model, const CandidateScreen& screen,
                                                        int wanted, std::mt19937_64& rng,
                                                        const std::function<bool(const std::string& key)>& known,
                                                        ScreenReport& report) {
  if (wanted < 1) return Error{"candidate screen: wanted must be at least 1"};
  if (screen.pool < 1) return Error{"candidate screen: pool must be at least 1, got " + std::to_string(screen.pool)};
  if (screen.proxy && screen.proxy_metric.empty()) return Error{"candidate screen: a proxy needs the name of its metric"};
  if (screen.max_draws < 0) return Error{"candidate screen: max_draws must not be negative"};
  const int pool = screen.proxy ? screen.pool : 1;
  const long target = static_cast<long>(pool) * wanted;
  const long max_draws = screen.max_draws > 0 ? screen.max_draws : 50L * target;

  std::vector<ScreenedCandidate> passed;
  std::vector<std::string> drawn;  // keys of this screen's proposals
  for (long draws = 0; static_cast<long>(passed.size()) < target; ++draws) {
    if (draws >= max_draws) {
      report.exhausted = true;
      break;
    }
    ScreenedCandidate c;
    c.arch = algorithm.ask(rng);
    ++report.draws;
    c.key = space.canonical_key(c.arch);
    if (std::find(drawn.begin(), drawn.end(), c.key) != drawn.end() || (known && known(c.key))) {
      ++report.duplicates;
      continue;
    }
    drawn.push_back(c.key);
    if (screen.cheap) {
      auto metrics = screen.cheap->evaluate({.space = space, .arch = c.arch, .fidelity = 1.0, .seed = screen.seed});
      if (!metrics) {
        ++report.failed;
        algorithm.tell({c.arch, failed_score(cost_model), /*failed=*/true});
        continue;
      }
      if (budget_violation(cost_model.budgets, *metrics) > 0) {
        ++report.over_budget;
        auto score = cost_model.score(*metrics);  // infeasible: the budgets the metrics break
        algorithm.tell({c.arch, score ? *score : failed_score(cost_model), /*failed=*/!score});
        continue;
      }
      c.cheap = std::move(*metrics);
    }
    ++report.passed;
    passed.push_back(std::move(c));
  }
  if (screen.proxy) {
    for (ScreenedCandidate& c : passed) {
      auto metrics = screen.proxy->evaluate({.space = space, .arch = c.arch, .fidelity = 1.0, .seed = screen.seed});
      ++report.ranked;
      const auto it = metrics ? metrics->find(screen.proxy_metric) : Metrics::iterator{};
      if (!metrics || it == metrics->end() || !std::isfinite(it->second)) {
        ++report.proxy_failed;  // ranked last (-infinity)
        continue;
      }
      c.proxy = it->second;
    }
    std::stable_sort(passed.begin(), passed.end(),
                     [](const ScreenedCandidate& a, const ScreenedCandidate& b) { return a.proxy > b.proxy; });
  }
  if (static_cast<int>(passed.size()) > wanted) passed.resize(static_cast<size_t>(wanted));
  return passed;
}

std::string describe(const ScreenReport& report, const CandidateScreen& screen) {
  std::ostringstream text;
  text << report.passed << " of " << report.draws << " proposals met the budgets (" << report.over_budget << " over, "
       << report.failed << " failed, " << report.duplicates << " repeated)";
  if (screen.proxy) {
    text << "; ranked by " << screen.proxy_metric << " (" << report.ranked << " scored";
    if (report.proxy_failed) text << ", " << report.proxy_failed << " without a score";
    text << ")";
  }
  if (report.exhausted) text << "; the screen ran out of draws before it had enough candidates";
  return text.str();
}

}  // namespace hwnas::search
