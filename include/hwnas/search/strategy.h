// The search strategies of issue 7 over one experiment: multishot, zero-shot, supernet and hybrid (docs/search.md).
//
//   auto e = search::prepare_experiment(config, nullptr, {}, std::move(training_evaluators));
//   search::StrategyParts parts{.proxy = &zero_shot, .proxy_metric = "synflow"};   // built with libtorch
//   auto store = search::open_store(*e, resume);
//   auto final_store = search::open_store(*e, resume, search::final_store_path(e->config));
//   auto result = search::run_strategy(*e, parts, &*store, &*final_store);
//   const search::TrialRecord* best = result->best();
//
// - multishot: successive halving (multi_fidelity) whose first rung is drawn among the proposals
//   that meet the budgets by the cheap evaluator's metrics (screen.h), or run_search.
// - zero-shot: the algorithm ranks by parts.proxy (maximised) under the budgets, no training;
//   then the top_k by proxy are evaluated at full fidelity by the experiment's evaluator into the
//   final store (when it trains: evaluators [..., training]) and the best of those is the result.
// - supernet: the same search ranked by the supernet's inherited accuracy (parts.proxy); the best
//   subnet is evaluated by parts.final_evaluator (extracted, fine-tuned, held-out accuracy) with
//   the cheap metrics merged in, into the final store.
// - hybrid: multishot whose first rung (successive halving) or every proposal (run_search) is the
//   best by parts.proxy of hybrid.pool proposals that meet the budgets; parts.warm_start (the
//   supernet's best subnets) are evaluated first (SearchOptions::initial, HalvingOptions::initial).
// The search library needs no libtorch: the proxies and the supernet come in as Evaluators.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hwnas/search/experiment.h"
#include "hwnas/search/screen.h"
#include "hwnas/search/successive_halving.h"

namespace hwnas::search {

struct StrategyParts {
  // zero-shot, hybrid screened by zero-shot: a ZeroShotEvaluator; supernet, hybrid screened by the
  // supernet: the inherited-accuracy evaluator. Higher proxy_metric is better.
  Evaluator* proxy = nullptr;
  std::string proxy_metric{};
  // supernet: evaluates the chosen subnet at full fidelity (its "accuracy"); the cheap metrics are merged in.
  Evaluator* final_evaluator = nullptr;
  // hybrid: architectures evaluated first (the supernet's best subnets).
  std::vector<space::Architecture> warm_start{};
};

struct StrategyResult {
  Strategy strategy = Strategy::Multishot;
  std::vector<TrialRecord> trials;          // the search's trials (the store), in order
  std::vector<std::vector<size_t>> rungs;   // successive halving: per rung, indices into trials
  std::vector<double> fidelities;           // per rung
  int search_best = -1;                     // the feasible trial of least cost (full fidelity for halving)
  std::vector<TrialRecord> final_trials;    // zero-shot with training, supernet: the final evaluations (final store)
  int final_best = -1;
  std::string ranked_by;                    // zero-shot, supernet: the metric the search maximised
  int replayed = 0;                         // of trials and final_trials, read back from the stores
  int cache_hits = 0;
  bool exhausted = false;
  ScreenReport screen;                      // multishot halving, hybrid: the screen's draws
  std::string screen_text;                  // describe(screen), "" without a screen

  bool has_final() const { return !final_trials.empty(); }
  // The result: final_trials[final_best] when final evaluations ran, else trials[search_best]; null when none.
  const TrialRecord* best() const;
};

// "<store>.final.db": the final evaluations of zero-shot and supernet (their cost differs from the search's).
std::string final_store_path(const SearchConfig& config);
// "<store>.supernet.pt": the trained supernet, reused by --resume.
std::string supernet_file_path(const SearchConfig& config);

// `model` with its objectives replaced by maximising `metric` (the budgets and no reward kept).
CostModel proxy_cost_model(const CostModel& model, const std::string& metric);

// The warm start of hybrid: the `count` best distinct architectures by `proxy`'s `metric` under
// the budgets (gated by the cheap evaluator), from a search of `trials` proposals by a fresh
// algorithm of the config (seed config.seed), recorded nowhere: recomputed the same on resume.
Result<std::vector<space::Architecture>> best_by_proxy(const Experiment& e, Evaluator& proxy, const std::string& metric, int count,
                                                       int trials);

// Runs e.config.strategy. `store` holds the search's trials; `final_store` the final evaluations
// (zero-shot, supernet; may be null otherwise). Both resume as run_search does. Errors: a part
// the strategy needs and `parts` lacks, and the errors of run_search / successive_halving.
Result<StrategyResult> run_strategy(Experiment& e, const StrategyParts& parts, ExperimentStore* store, ExperimentStore* final_store,
                                    const std::function<void(const SearchProgress&)>& on_progress = {});

}  // namespace hwnas::search
