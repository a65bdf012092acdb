// The search loop: ask, deduplicate, evaluate, score, record, tell; resumable from the store.
//
//   std::mt19937_64 rng(options.seed);   // made inside run_search from options.seed
//   auto result = search::run_search(space, *algorithm, evaluator, cost_model, &store, options, on_progress);
//
// Each proposal is canonicalised (space::SearchSpace::canonical_key); a key evaluated before
// (in this run or a resumed one) is told its cached result again and is not a new trial. A new
// key becomes trial t: "running" in the store, evaluated, then "done" or "failed".
//
// Resume: the trials already finished in the store are replayed in order through the same
// ask/tell sequence (an algorithm's state is a function of that sequence and the seed), each
// checked against the proposal it replays: no finished trial is lost or evaluated twice; a
// trial left "running" by a crash is evaluated again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/search/algorithm.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/search/screen.h"
#include "hwnas/search/store.h"

namespace hwnas::search {

struct SearchOptions {
  int trials = 100;          // distinct architectures to evaluate in all (resumed ones included)
  uint64_t seed = 0;         // of the algorithm's generator; trial t's evaluation seed is trial_seed(seed, t)
  double fidelity = 1.0;     // recorded on every trial and passed to the evaluator
  // Proposals allowed per trial before the loop gives up on a space it has exhausted.
  int max_proposals_per_trial = 50;
  // Warm start: these architectures are proposed first, in order, before the algorithm is asked;
  // each is evaluated (or answered from the cache) and told to the algorithm like any trial, so
  // evolution starts from them (e.g. the supernet's best subnets).
  std::vector<space::Architecture> initial{};
  // Pre-filter (a zero-shot pre-filter before multishot evaluation): each proposal after the
  // initial ones is the best by prefilter->proxy of prefilter->pool proposals that meet the
  // budgets by prefilter->cheap's metrics (screen.h: what the algorithm is told of the others).
  // Proposals already evaluated are skipped. The search stops early (exhausted) when a screen
  // finds no feasible proposal.
  std::optional<CandidateScreen> prefilter{};
};

struct SearchProgress {
  int trials_done = 0;       // finished trials (replayed ones included)
  int trials_total = 0;
  int replayed = 0;          // of trials_done, read back from the store
  int cache_hits = 0;        // proposals answered from the cache
  bool has_best = false;
  double best_cost = 0;
  Metrics best_metrics;
  double elapsed_s = 0;      // of this run's evaluations
  double eta_s = 0;          // remaining trials x mean evaluation time of this run
  const TrialRecord* last = nullptr;
};

struct SearchResult {
  std::vector<TrialRecord> trials;  // in trial order
  int best = -1;                    // index of the feasible trial of least cost; -1 when none
  std::vector<size_t> pareto;       // indices of the feasible non-dominated trials
  int proposals = 0;
  int cache_hits = 0;
  int replayed = 0;
  bool exhausted = false;           // stopped early: the algorithm kept proposing known architectures
  ScreenReport screen;              // with a prefilter: its draws, summed over the trials
};

// Runs (or resumes, when `store` holds trials) a search. `store` may be null (nothing recorded).
// Errors: a store that does not replay (different space, seed or algorithm), a store write
// that fails. An architecture that fails to evaluate is a "failed" trial, not an error.
Result<SearchResult> run_search(const space::SearchSpace& space, SearchAlgorithm& algorithm, Evaluator& evaluator,
                                const CostModel& cost_model, ExperimentStore* store, const SearchOptions& options,
                                const std::function<void(const SearchProgress&)>& on_progress = {});

// Checks that every hard upper budget can be met at all, in a macro space (its size decisions
// are ordered, smallest first): evaluates its smallest architectures
// (SearchSpace::minimal_architectures), then changes each stage's block type alone while that
// lowers the budgeted metric, and fails with a clear message when even the least value found is
// over the budget ("budget latency_us <= 100 is out of reach in space 'x': ... the least
// latency_us is 412.5"). A custom space is never refused: its first choices need not be its
// cheapest. `evaluator` should be a cheap one (hardware or estimator): it runs a few dozen times.
Status check_budgets_reachable(const space::SearchSpace& space, Evaluator& evaluator, const CostModel& cost_model);

// The seed trial `trial_id` of a search seeded `search_seed` evaluates with: 32 bits of a
// SplitMix64 hash of both, so that neighbouring searches share no trial seeds (seed + id would
// give seed 1's trial 0 the seed of seed 0's trial 1) and every tool accepts it
// (numpy.random.seed takes values below 2^32).
uint64_t trial_seed(uint64_t search_seed, int64_t trial_id);

// The scores of finished trials under `cost_model` (failed ones infeasible).
std::vector<Score> trial_scores(const std::vector<TrialRecord>& trials, const CostModel& cost_model);

// The scores of trials as their records say, with no cost model (`hwnas trials pareto`, the
// report): feasible when done within the budgets, each objective minimised (maximised ones
// negated), a missing metric +infinity.
std::vector<Score> recorded_scores(const std::vector<TrialRecord>& trials, const std::vector<Objective>& objectives);

// An evaluation's outcome into `record`: its metrics (kept also when they do not score), then
// status "done" with the cost model's cost and feasibility, or "failed" with the error (of the
// evaluation, or of scoring its metrics) and failed_score's cost. The error is cleared first.
void record_outcome(TrialRecord& record, const Result<Metrics>& metrics, const CostModel& cost_model);

// What an algorithm is told of a finished trial: its architecture and its score under
// `cost_model` (a failed trial, or one whose metrics do not score, as failed_score).
Observation observation_of(const TrialRecord& record, const CostModel& cost_model);

// The feasible done trial of least cost; -1 when there is none.
int best_trial(const std::vector<TrialRecord>& trials);
// The same among the full-fidelity trials (the result of successive halving, on the queue too).
int best_full_fidelity_trial(const std::vector<TrialRecord>& trials);

// The failed trials' errors grouped by their first line, most frequent first (ties: the one
// seen first), each with its count and the first trial that gave it.
struct FailureGroup {
  std::string message;
  int count = 0;
  int64_t first_trial = -1;
};
std::vector<FailureGroup> failure_summary(const std::vector<TrialRecord>& trials);

// The score a failed evaluation gets: infeasible, far over every budget.
Score failed_score(const CostModel& cost_model);

}  // namespace hwnas::search
