// run_worker: claim or propose in one exclusive transaction, evaluate under a heartbeat, record while the claim holds.
#include "hwnas/search/worker.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "clock.h"
#include "hwnas/search/sql_connection.h"

namespace hwnas::search {
namespace {

using detail::monotonic_s;

std::string host_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

std::string default_worker_name() {
  const std::string host = host_name();
  return (host.empty() ? "host" : host) + ":" + std::to_string(getpid());
}

Result<double> now_of(sql::Connection& db) {
  auto rows = db.run("SELECT " + db.now_expression());
  if (!rows) return rows.error();
  if (rows->rows.empty() || !rows->rows[0][0]) return Error{"the store's clock gave no time"};
  return std::strtod(rows->rows[0][0]->c_str(), nullptr);
}

// What one claim is: the trial and the attempt this worker holds.
struct Claim {
  TrialRecord trial;
  bool held = false;
};

// Writes the heartbeat of the worker and of its claimed trial every `period` seconds, on its own connection.
class Heartbeat {
 public:
  Heartbeat(ExperimentStore store, std::string worker, double period)
      : store_(std::move(store)), worker_(std::move(worker)), period_(period), thread_([this] { loop(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void hold(int64_t trial, int attempt) {
    std::lock_guard<std::mutex> lock(mutex_);
    trial_ = trial;
    attempt_ = attempt;
  }
  void release() { hold(-1, 0); }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::duration<double>(period_), [this] { return stop_; });
      if (stop_) break;
      const int64_t trial = trial_;
      const int attempt = attempt_;
      lock.unlock();
      sql::Connection& db = store_.connection();
      const std::string now = db.now_expression();
      // A failed write is retried at the next beat; a worker that cannot reach the store for
      // longer than the grace period loses its claim, which is what the grace period is for.
      (void)db.run("UPDATE workers SET heartbeat_at = " + now + " WHERE name = $1", {worker_});
      if (trial >= 0)
        (void)db.run("UPDATE trials SET heartbeat_at = " + now + " WHERE id = $1 AND worker = $2 AND attempts = $3 AND status = 'running'",
                     {trial, worker_, int64_t{attempt}});
      lock.lock();
    }
  }
  ExperimentStore store_;
  std::string worker_;
  double period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  int64_t trial_ = -1;
  int attempt_ = 0;
  std::thread thread_;
};

// In one exclusive transaction: re-queue the trials of lost workers, then claim a queued trial
// or add the next proposal as claimed by `worker`. Returns the claim (held == false: none now)
// and the proposal's kind when there was nothing to claim.
Result<std::pair<Claim, Proposal::Kind>> claim_next(ExperimentStore& store, const space::SearchSpace& space,
                                                    const AlgorithmFactory& make_algorithm, const CostModel& cost_model,
                                                    const QueuePlan& plan, const std::string& worker, Evaluator* screen,
                                                    WorkerReport& report) {
  sql::Connection& db = store.connection();
  if (Status s = db.begin_exclusive(); !s) return s.error();
  auto fail = [&](const Error& e) -> Result<std::pair<Claim, Proposal::Kind>> {
    db.rollback();
    return e;
  };
  auto now = now_of(db);
  if (!now) return fail(now.error());
  // Lost workers: their trials back to the queue, or failed after max_attempts claims.
  auto stale = db.run(
      "SELECT id, worker, attempts FROM trials WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1) ORDER BY id",
      {*now - plan.grace_s});
  if (!stale) return fail(stale.error());
  for (const auto& row : stale->rows) {
    const int64_t id = std::strtoll(row[0]->c_str(), nullptr, 10);
    const std::string lost_worker = row[1].value_or("");
    const int attempts = static_cast<int>(std::strtol(row[2].value_or("0").c_str(), nullptr, 10));
    const std::string why = "worker " + lost_worker + " stopped heartbeating (attempt " + std::to_string(attempts) + " of " +
                            std::to_string(plan.max_attempts) + ")";
    auto done = attempts >= plan.max_attempts
                    ? db.run("UPDATE trials SET status = 'failed', error = $2, lost = lost + 1, finished_at = $3 WHERE id = $1",
                             {id, why, *now})
                    : db.run("UPDATE trials SET status = 'queued', error = $2, lost = lost + 1, worker = '' WHERE id = $1", {id, why});
    if (!done) return fail(done.error());
    ++report.requeued;
  }
  auto rows = db.run("SELECT " + trial_columns() + " FROM trials ORDER BY id");
  if (!rows) return fail(rows.error());
  std::vector<TrialRecord> trials;
  for (const auto& row : rows->rows) {
    auto t = trial_from_row(row, store.path());
    if (!t) return fail(t.error());
    trials.push_back(std::move(*t));
  }
  Claim claim;
  for (const TrialRecord& t : trials)
    if (t.status == "queued") {
      claim.trial = t;
      break;
    }
  Proposal::Kind kind = Proposal::Kind::New;
  if (claim.trial.status == "queued") {
    claim.trial.attempts += 1;
    auto done = db.run("UPDATE trials SET status = 'running', worker = $2, attempts = $3, heartbeat_at = $4, started_at = $4 WHERE id = $1",
                       {claim.trial.id, worker, int64_t{claim.trial.attempts}, *now});
    if (!done) return fail(done.error());
    claim.held = true;
  } else {
    auto exhausted_meta = db.run("SELECT value FROM meta WHERE key = 'queue_exhausted'");
    if (!exhausted_meta) return fail(exhausted_meta.error());
    const bool exhausted = !exhausted_meta->rows.empty();
    auto proposal = next_proposal(space, make_algorithm, cost_model, plan, trials, exhausted, screen);
    if (!proposal) return fail(proposal.error());
    kind = proposal->kind;
    if (kind == Proposal::Kind::Exhausted) {
      auto done = db.run("INSERT INTO meta (key, value) VALUES ('queue_exhausted', '1') ON CONFLICT (key) DO NOTHING");
      if (!done) return fail(done.error());
    }
    if (kind == Proposal::Kind::New || kind == Proposal::Kind::Promotion) {
      TrialRecord& t = claim.trial;
      t.id = static_cast<int64_t>(trials.size());
      t.arch = format_arch(proposal->arch);
      t.key = space.canonical_key(proposal->arch);
      t.status = "running";
      t.fidelity = proposal->fidelity;
      t.seed = trial_seed(plan.seed, t.id);
      t.started_at = *now;
      t.worker = worker;
      t.attempts = 1;
      t.basis = proposal->basis;
      auto done = db.run(
          "INSERT INTO trials (id, arch, key, status, fidelity, seed, started_at, worker, heartbeat_at, attempts, basis) "
          "VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $6, 1, $8)",
          {t.id, t.arch, t.key, t.fidelity, static_cast<int64_t>(t.seed), *now, worker, t.basis});
      if (!done) return fail(done.error());
      claim.held = true;
      ++report.proposed;
    }
  }
  if (Status s = db.commit(); !s) return s.error();
  return std::make_pair(claim, kind);
}

}  // namespace

Result<WorkerReport> run_worker(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm, Evaluator& evaluator,
                                const CostModel& cost_model, ExperimentStore& store, const QueuePlan& plan,
                                const WorkerOptions& options, const WorkerProgress& on_trial) {
  if (Status s = cost_model.validate(); !s) return s.error();
  if (plan.max_attempts < 1) return Error{"worker: max_attempts must be at least 1"};
  if (!(plan.grace_s > options.heartbeat_s)) return Error{"worker: the grace period must be longer than the heartbeat period"};
  WorkerReport report;
  report.name = options.name.empty() ? default_worker_name() : options.name;
  sql::Connection& db = store.connection();
  {
    auto now = now_of(db);
    if (!now) return now.error();
    auto done = db.run(
        "INSERT INTO workers (name, host, pid, state, started_at, heartbeat_at) VALUES ($1, $2, $3, 'running', $4, $4) "
        "ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, state = 'running', started_at = excluded.started_at, "
        "heartbeat_at = excluded.heartbeat_at",
        {report.name, host_name(), int64_t{getpid()}, *now});
    if (!done) return done.error();
  }
  auto beat_store = store.reconnect();
  if (!beat_store) return beat_store.error();
  Heartbeat heartbeat(std::move(*beat_store), report.name, options.heartbeat_s);

  while (options.max_trials < 0 || report.evaluated < options.max_trials) {
    const double t0 = monotonic_s();
    auto next = claim_next(store, space, make_algorithm, cost_model, plan, report.name, options.screen, report);
    report.store_s += monotonic_s() - t0;
    if (!next) return next.error();
    auto& [claim, kind] = *next;
    if (!claim.held) {
      if (kind == Proposal::Kind::Complete) break;
      // Wait (or Exhausted with trials still running): the rest runs elsewhere; a lost one comes back.
      std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_s));
      report.idle_s += options.poll_s;
      continue;
    }
    TrialRecord& trial = claim.trial;
    heartbeat.hold(trial.id, trial.attempts);
    auto arch = parse_arch(trial.arch);
    const double start = monotonic_s();
    Result<Metrics> metrics = arch ? evaluator.evaluate({.space = space, .arch = *arch, .fidelity = trial.fidelity, .seed = trial.seed})
                                   : Result<Metrics>(arch.error());
    trial.duration_s = monotonic_s() - start;
    report.busy_s += trial.duration_s;
    record_outcome(trial, metrics, cost_model);
    if (trial.status == "failed") {
      ++report.failed;
      if (trial.attempts < plan.max_attempts) trial.status = "queued";  // another try, maybe on another worker
    }
    const double t1 = monotonic_s();
    auto now = now_of(db);
    if (!now) return now.error();
    trial.finished_at = *now;
    auto done = db.run(
        "UPDATE trials SET status = $1, error = $2, metrics = $3, cost = $4, feasible = $5, finished_at = $6, duration_s = $7, "
        "worker = CASE WHEN $1 = 'queued' THEN '' ELSE worker END, heartbeat_at = $6 "
        "WHERE id = $8 AND status = 'running' AND worker = $9 AND attempts = $10",
        {trial.status, trial.error, metrics_to_json(trial.metrics), trial.cost, int64_t{trial.feasible ? 1 : 0}, *now, trial.duration_s,
         trial.id, report.name, int64_t{trial.attempts}});
    heartbeat.release();
    if (!done) return done.error();
    if (done->changed != 1) {
      ++report.discarded;  // presumed lost and re-queued meanwhile: the other claim's result counts
    } else {
      ++report.evaluated;
      auto counted = db.run(trial.status == "done" ? "UPDATE workers SET done = done + 1 WHERE name = $1"
                                                   : "UPDATE workers SET failed = failed + 1 WHERE name = $1",
                            {report.name});
      if (!counted) return counted.error();
    }
    report.store_s += monotonic_s() - t1;
    if (on_trial) on_trial(trial, report);
  }
  auto exited = db.run("UPDATE workers SET state = 'exited' WHERE name = $1", {report.name});
  if (!exited) return exited.error();
  return report;
}

Result<std::vector<WorkerRecord>> read_workers(const ExperimentStore& store) {
  sql::Connection& db = store.connection();
  auto has = db.has_table("workers");
  if (!has) return has.error();
  if (!*has) return std::vector<WorkerRecord>{};
  auto rows = db.run("SELECT name, host, pid, state, started_at, heartbeat_at, done, failed FROM workers ORDER BY started_at, name");
  if (!rows) return rows.error();
  std::vector<WorkerRecord> workers;
  for (const auto& row : rows->rows) {
    WorkerRecord w;
    w.name = row[0].value_or("");
    w.host = row[1].value_or("");
    w.pid = std::strtoll(row[2].value_or("0").c_str(), nullptr, 10);
    w.state = row[3].value_or("");
    w.started_at = std::strtod(row[4].value_or("0").c_str(), nullptr);
    w.heartbeat_at = std::strtod(row[5].value_or("0").c_str(), nullptr);
    w.done = static_cast<int>(std::strtol(row[6].value_or("0").c_str(), nullptr, 10));
    w.failed = static_cast<int>(std::strtol(row[7].value_or("0").c_str(), nullptr, 10));
    workers.push_back(std::move(w));
  }
  return workers;
}

Result<double> store_now(const ExperimentStore& store) { return now_of(store.connection()); }

}  // namespace hwnas::search
