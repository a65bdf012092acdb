// Successive halving (Jamieson & Talwalkar 2016; one bracket of Hyperband): evaluate many
// candidates cheaply, keep the best 1/eta at eta times the fidelity, until full fidelity.
//
//   search::HalvingOptions options{.candidates = 27, .eta = 3, .min_fidelity = 1.0 / 9};
//   auto result = search::successive_halving(space, *algorithm, evaluator, cost_model, &store, options);
//   // rungs at fidelity 1/9 (27 trials), 1/3 (9), 1 (3); result.best is the best full-fidelity trial
//
// The candidates are the `initial` architectures (a warm start), then the algorithm's first
// distinct proposals (its tell() gets every rung's results, so a learning algorithm sees the
// cheap evaluations too). With a `screen` (screen.h), those proposals are drawn among the ones
// whose cheap metrics meet the budgets, optionally the best `candidates` of pool x candidates by
// a proxy score (a zero-shot score, a supernet's inherited accuracy): the first rung then trains
// no network that the gate would reject. Every evaluation is a trial with its fidelity in the
// store; resume replays finished trials in order (key and fidelity checked), as run_search does,
// after recomputing the screen (deterministic under the seed).
#pragma once

#include <optional>
#include <vector>

#include "hwnas/search/search.h"

namespace hwnas::search {

struct HalvingOptions {
  int candidates = 27;          // in the first rung
  int eta = 3;                  // keep 1/eta per rung, multiply the fidelity by eta
  double min_fidelity = 1.0 / 9;  // of the first rung; the last rung runs at 1
  // Asynchronous successive halving (ASHA, Li et al. 2020): a candidate is promoted as soon as it
  // is in the top 1/eta of its rung's finished trials, so workers never wait at a rung barrier.
  // Only the trial queue (trial_queue.h, `hwnas search --workers`) runs it; run_strategy refuses it.
  bool asynchronous = false;
  uint64_t seed = 0;
  // Screening of the first rung's proposals (its seed is set to `seed` when left 0).
  std::optional<CandidateScreen> screen{};
  // Warm start: first-rung candidates before the algorithm's proposals (not screened).
  std::vector<space::Architecture> initial{};
};

struct HalvingResult {
  std::vector<TrialRecord> trials;          // every evaluation, in order
  std::vector<std::vector<size_t>> rungs;   // per rung, indices into trials
  std::vector<double> fidelities;           // per rung
  int best = -1;                            // the feasible full-fidelity trial of least cost
  int replayed = 0;
  ScreenReport screen;                      // with a screen: its draws; exhausted: fewer candidates than asked
};

// The fidelities of the rungs: min_fidelity x eta^k, capped at 1, the last one exactly 1.
std::vector<double> halving_fidelities(double min_fidelity, int eta);

Result<HalvingResult> successive_halving(const space::SearchSpace& space, SearchAlgorithm& algorithm, Evaluator& evaluator,
                                         const CostModel& cost_model, ExperimentStore* store, const HalvingOptions& options);

}  // namespace hwnas::search
