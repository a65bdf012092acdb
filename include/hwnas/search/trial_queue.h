// The trial queue: a study that any number of workers (`hwnas worker`) pull trials from, each
// proposal made from the finished trials by the study's algorithm, with successive halving
// (asynchronous: ASHA; or synchronous, with a barrier per rung) when the study has rungs.
//
//   search::QueuePlan plan = search::queue_plan(config);           // recorded in the store's meta
//   auto proposal = search::next_proposal(space, make_algorithm, cost_model, plan, trials, exhausted);
//   // a new architecture (or a promotion) at proposal->fidelity, made from proposal->basis
//
// Proposals are a function of the plan, the trial's id and the trials finished when it was made
// (its `basis`, recorded with it): with one worker a study is deterministic, and with many each
// trial can be proposed again from its recorded basis (reproduce_proposal). The worker loop
// (claims, heartbeats, re-queueing of trials whose worker stopped) is in worker.h.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/search/screen.h"
#include "hwnas/search/search.h"
#include "hwnas/search/config.h"

namespace hwnas::search {

struct QueuePlan {
  int trials = 100;               // without rungs: trials at `fidelity`
  double fidelity = 1.0;
  uint64_t seed = 0;
  std::optional<HalvingOptions> halving{};  // rungs: candidates, eta, min_fidelity, asynchronous
  int max_attempts = 3;           // claims of a trial (evaluation errors and lost workers) before it fails
  double grace_s = 30;            // a running trial whose heartbeat is older is re-queued
  int max_proposals_per_trial = 50;
  // > 0: no new trial (or promotion) once the finished trials' evaluation times sum to this many
  // seconds: a budget of worker time, e.g. for ASHA with an open-ended first rung.
  double worker_time_s = 0;
};

// The plan of `config` (trials, fidelity, seed, multi_fidelity).
QueuePlan queue_plan(const SearchConfig& config);
// As the store records it ("queue_*" keys) and reads it back (an Error names a missing or bad key).
std::map<std::string, std::string> queue_meta(const QueuePlan& plan);
Result<QueuePlan> queue_plan_from_meta(const std::map<std::string, std::string>& meta, const std::string& where);

using AlgorithmFactory = std::function<Result<std::unique_ptr<SearchAlgorithm>>()>;

struct Proposal {
  enum class Kind { New, Promotion, Wait, Exhausted, Complete };
  // New / Promotion: a trial to add. Wait: nothing until running trials finish. Exhausted: the
  // algorithm keeps proposing known architectures. Complete: the plan is done.
  Kind kind = Kind::Complete;
  space::Architecture arch;
  double fidelity = 1.0;
  std::string basis;       // the finished trial ids it was made from ("0-4,7")
  int64_t promoted_from = -1;
};

// The next trial of the study whose trials are `trials` (every status, by id; the new one gets
// id trials.size()). `exhausted`: an earlier proposal found the space exhausted (no new rung-0
// candidates; promotions go on). With rungs and a `cheap` evaluator (latency, memory: the
// hardware or the estimator), a new rung-0 candidate is drawn among the proposals that meet the
// budgets by its metrics, as successive halving's screen draws its first rung (screen.h; up to
// 20 x max_proposals_per_trial draws), so the workers train no network the gate would reject.
Result<Proposal> next_proposal(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm, const CostModel& cost_model,
                               const QueuePlan& plan, const std::vector<TrialRecord>& trials, bool exhausted,
                               Evaluator* cheap = nullptr);

// The proposal of trial `id` recomputed from the trials listed in its basis (its New
// architecture; a promotion's is its source's). For checking reproducibility.
Result<space::Architecture> reproduce_proposal(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm,
                                               const CostModel& cost_model, const QueuePlan& plan, const std::vector<TrialRecord>& trials,
                                               int64_t id, Evaluator* cheap = nullptr);

// The generator seed of trial `id`'s proposal (distinct from its evaluation seed, trial_seed).
uint64_t proposal_seed(uint64_t search_seed, int64_t id);

// The order in which finished trials of one rung are promoted: by cost with one objective (or a
// reward), by non-dominated rank then crowding distance with several (MO-ASHA); ties by id.
std::vector<size_t> promotion_order(const std::vector<TrialRecord>& rung, const CostModel& cost_model);

// "0-4,7" <-> {0,1,2,3,4,7}.
std::string format_id_ranges(const std::vector<int64_t>& ids);
Result<std::vector<int64_t>> parse_id_ranges(const std::string& text);

}  // namespace hwnas::search
