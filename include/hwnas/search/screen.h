// Candidate screening: the algorithm's proposals that meet the hard budgets by their cheap metrics, ranked by a proxy.
//
//   search::CandidateScreen screen{.cheap = &estimator, .proxy = &zero_shot, .proxy_metric = "synflow", .pool = 4};
//   search::ScreenReport report;
//   auto chosen = search::screen_proposals(space, *algorithm, cost_model, screen, /*wanted=*/27, rng, {}, report);
//   // 27 budget-feasible architectures (fewer when report.exhausted), the best of 108 by synflow
//
// Successive halving screens its first rung with it (HalvingOptions::screen: the default search
// draws 27 budget-feasible candidates instead of 27 proposals of which most are over the latency
// budget), and run_search its proposals (SearchOptions::prefilter: each trial the best by proxy
// of `pool` feasible proposals, a zero-shot pre-filter before multishot evaluation).
//
// What the algorithm is told: a proposal over a budget (or whose cheap evaluation fails) is
// told at once with its infeasible score (failed), so a learning algorithm learns the budgets;
// a feasible proposal that the proxy ranks out is not told (it was neither evaluated nor found
// infeasible); a chosen one is told by the caller after its evaluation, as any trial.
// Determinism: the cheap evaluators are deterministic, and every proxy evaluation uses the one
// seed `CandidateScreen::seed` (one minibatch and one initialisation for all candidates), so the
// same seed draws the same candidates; a resumed search recomputes its screens rather than
// storing them (they are cheap next to the trials they choose).
#pragma once

#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hwnas/search/algorithm.h"
#include "hwnas/search/evaluator.h"

namespace hwnas::search {

struct CandidateScreen {
  Evaluator* cheap = nullptr;   // latency / memory (hardware, estimator): proposals over a budget are screened out; null: none
  Evaluator* proxy = nullptr;   // ranks the proposals that pass, higher `proxy_metric` first; null: no ranking
  std::string proxy_metric{};   // e.g. "synflow", "inherited_accuracy"
  int pool = 1;                 // with a proxy: draw pool x wanted passing proposals, keep the best `wanted`
  int max_draws = 0;            // proposals asked at most per screen; 0: 50 x pool x wanted
  uint64_t seed = 0;            // the seed of every evaluation the screen makes
};

struct ScreenReport {
  int draws = 0;         // proposals asked
  int duplicates = 0;    // known or repeated architectures, skipped (not told)
  int over_budget = 0;   // screened out by their cheap metrics (told as infeasible)
  int failed = 0;        // whose cheap evaluation failed, e.g. an invalid architecture (told as failed)
  int passed = 0;        // met every budget the cheap metrics measure
  int ranked = 0;        // scored by the proxy
  int proxy_failed = 0;  // of those, a proxy error or a non-finite score (ranked last)
  bool exhausted = false;  // max_draws reached before pool x wanted proposals passed
  void add(const ScreenReport& other);
};

struct ScreenedCandidate {
  space::Architecture arch;
  std::string key;  // canonical
  Metrics cheap;    // the cheap evaluator's metrics (empty without one)
  double proxy = -std::numeric_limits<double>::infinity();  // the proxy's score (-infinity: none or failed)
};

// Draws proposals from `algorithm` until pool x `wanted` distinct ones that `known` does not
// reject pass the budgets of `cost_model` (by the cheap metrics; every proposal passes without a
// cheap evaluator), or max_draws proposals were asked; then ranks them by the proxy (a stable
// sort, draw order among equals) and returns the best `wanted`, best first. Fewer when the draws
// ran out (report.exhausted), none when nothing passed. Errors: bad options only (wanted < 1,
// pool < 1, a proxy without a metric name); an evaluation that fails is a failed proposal.
Result<std::vector<ScreenedCandidate>> screen_proposals(const space::SearchSpace& space, SearchAlgorithm& algorithm,
                                                        const CostModel& cost_model, const CandidateScreen& screen,
                                                        int wanted, std::mt19937_64& rng,
                                                        const std::function<bool(const std::string& key)>& known,
                                                        ScreenReport& report);

// "27 of 212 proposals met the budgets (181 over, 4 failed, 0 repeated); the best 27 of 108 by synflow"
std::string describe(const ScreenReport& report, const CandidateScreen& screen);

}  // namespace hwnas::search
