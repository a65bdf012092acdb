// A worker of a trial-queue study: claims the next trial (a re-queued one, else a new proposal,
// trial_queue.h) in one exclusive transaction, evaluates it while a second connection keeps its
// heartbeat, and writes the result only while it still holds the claim.
//
//   auto store = search::ExperimentStore::open("postgresql://hwnas@db/nas", Access::ReadWrite, "u55");
//   auto report = search::run_worker(space, make_algorithm, evaluator, cost_model, *store, plan, {.name = "node3-gpu1"});
//
// Faults: a trial whose heartbeat is older than plan.grace_s (its worker was killed, its host
// lost) goes back to the queue, counted in its `lost` column; an evaluation that fails is
// queued again until it was claimed plan.max_attempts times, then it is "failed" with its last
// error. A worker that was presumed lost and finishes anyway finds its claim gone and discards
// its result: no trial is recorded twice. The worker returns when the plan is complete.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hwnas/search/trial_queue.h"

namespace hwnas::search {

struct WorkerOptions {
  std::string name;          // "": host:pid
  double heartbeat_s = 2;    // how often the running trial's heartbeat is written
  double poll_s = 0.25;      // how long to wait when every remaining trial is running elsewhere
  int max_trials = -1;       // stop after this many evaluations (-1: until the plan is complete)
  // The cheap evaluator that screens new rung-0 candidates against the budgets (next_proposal);
  // null: none. Experiment::cheap_evaluator.
  Evaluator* screen = nullptr;
};

struct WorkerReport {
  std::string name;
  int evaluated = 0;         // evaluations finished and recorded (done, failed or re-queued for another try)
  int failed = 0;            // of those, evaluation errors
  int discarded = 0;         // results not recorded: the claim was lost (re-queued while this worker was slow)
  int requeued = 0;          // trials of lost workers this worker put back in the queue
  int proposed = 0;          // new trials and promotions this worker added
  double busy_s = 0;         // evaluating
  double idle_s = 0;         // waiting for trials running elsewhere
  double store_s = 0;        // in store transactions (claims, proposals, results)
};

// Called after each evaluation with the finished record (status done, failed or queued again).
using WorkerProgress = std::function<void(const TrialRecord&, const WorkerReport&)>;

Result<WorkerReport> run_worker(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm, Evaluator& evaluator,
                                const CostModel& cost_model, ExperimentStore& store, const QueuePlan& plan,
                                const WorkerOptions& options, const WorkerProgress& on_trial = {});

// A worker as the workers table records it.
struct WorkerRecord {
  std::string name, host, state;  // state: running, exited
  int64_t pid = 0;
  double started_at = 0, heartbeat_at = 0;
  int done = 0, failed = 0;
};
Result<std::vector<WorkerRecord>> read_workers(const ExperimentStore& store);
// The store server's clock (unix seconds), which heartbeats are written in.
Result<double> store_now(const ExperimentStore& store);

}  // namespace hwnas::search
