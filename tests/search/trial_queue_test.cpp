// The store on both backends (SQLite, and PostgreSQL started by scripts/pg-cluster) and the trial
// queue over it: workers in threads complete a plan with no trial lost or recorded twice, every
// proposal reproducible from its basis, lost workers' trials re-queued, failures retried, ASHA and
// synchronous rungs promoting the best, schema 1 files migrated.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "../common/postgres_cluster.h"
#include "hwnas/search/sql_connection.h"
#include "hwnas/search/trial_queue.h"
#include "hwnas/search/worker.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;
constexpr int kChoices = 5;

const space::SearchSpace& space6() {
  static const space::SearchSpace space = testing::synthetic_space(6, kChoices);
  return space;
}

CostModel two_objectives() {
  CostModel m;
  m.objectives = {{"f", Direction::Minimize}, {"g", Direction::Minimize}};
  return m;
}
CostModel one_objective() {
  CostModel m;
  m.objectives = {{"f", Direction::Minimize}};
  return m;
}

AlgorithmFactory factory(const std::string& name) {
  return [name] { return make_algorithm({.name = name, .population = 6, .sample = 3}, space6()); };
}

// A synthetic evaluator that takes `sleep_ms` (a trial worth waiting for) and fails on `fail_key`.
class SlowEvaluator : public testing::SyntheticEvaluator {
 public:
  explicit SlowEvaluator(int sleep_ms = 0, std::string fail_key = "") : SyntheticEvaluator(kChoices), sleep_ms_(sleep_ms), fail_key_(std::move(fail_key)) {}
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    if (!fail_key_.empty() && request.space.canonical_key(request.arch) == fail_key_) return Error{"the evaluator failed on purpose"};
    return SyntheticEvaluator::evaluate(request);
  }

 private:
  int sleep_ms_;
  std::string fail_key_;
};

// Each test gets a fresh study: a new SQLite file, or a new study (schema) in the shared cluster.
class StoreBackend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static int counter = 0;
    study_ = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    if (GetParam() == "postgresql") {
      ASSERT_FALSE(test_support::postgres_url().empty()) << test_support::postgres_error();
      location_ = test_support::postgres_url();
    } else {
      const fs::path dir = fs::temp_directory_path() / ("hwnas-queue-test-" + std::to_string(getpid()));
      fs::create_directories(dir);
      location_ = (dir / (study_ + ".db")).string();
    }
  }
  ExperimentStore create(const QueuePlan& plan) {
    auto store = ExperimentStore::create(location_, queue_meta(plan), study_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return std::move(*store);
  }
  ExperimentStore open() {
    auto store = ExperimentStore::open(location_, ExperimentStore::Access::ReadWrite, study_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return std::move(*store);
  }
  // `workers` threads, each with its own connection and evaluator, until the plan is complete.
  std::vector<WorkerReport> run_workers(int workers, const QueuePlan& plan, const CostModel& model, const std::string& algorithm,
                                        int sleep_ms = 0, const std::string& fail_key = "") {
    std::vector<WorkerReport> reports(workers);
    std::vector<std::thread> threads;
    std::vector<std::string> errors(workers);
    for (int w = 0; w < workers; ++w)
      threads.emplace_back([&, w] {
        auto store = ExperimentStore::open(location_, ExperimentStore::Access::ReadWrite, study_);
        if (!store) {
          errors[w] = store.error().message;
          return;
        }
        SlowEvaluator evaluator(sleep_ms, fail_key);
        WorkerOptions options{.name = "w" + std::to_string(w), .heartbeat_s = 0.2, .poll_s = 0.02};
        auto report = run_worker(space6(), factory(algorithm), evaluator, model, *store, plan, options);
        if (!report) errors[w] = report.error().message;
        else reports[w] = *report;
      });
    for (auto& t : threads) t.join();
    for (const std::string& e : errors) EXPECT_EQ(e, "");
    return reports;
  }
  std::string location_, study_;
};

TEST_P(StoreBackend, TrialsAndMetaRoundTripAndAStudyIsCreatedOnce) {
  auto store = create(QueuePlan{});
  ASSERT_TRUE(store.set_meta("note", "it's \"quoted\"").ok());
  TrialRecord t;
  t.id = 0;
  t.arch = "1,2,3";
  t.key = "k0";
  t.fidelity = 1.0 / 3;
  t.seed = 4294967295u;
  t.started_at = 1.7e9 + 0.123456;
  ASSERT_TRUE(store.begin_trial(t).ok());
  t.status = "done";
  t.metrics = {{"f", 0.1 + 0.2}, {"g", 1e-300}};
  t.cost = -0.7071067811865476;
  t.feasible = true;
  t.finished_at = t.started_at + 2;
  t.duration_s = 2;
  ASSERT_TRUE(store.finish_trial(t).ok());
  EXPECT_FALSE(store.finish_trial(t).ok()) << "a finished trial is finished once";

  ExperimentStore again = open();
  EXPECT_EQ(again.meta().at("note"), "it's \"quoted\"");
  EXPECT_EQ(again.meta().at("schema_version"), std::to_string(kStoreSchemaVersion));
  auto trials = again.trials();
  ASSERT_TRUE(trials.ok()) << trials.error().message;
  ASSERT_EQ(trials->size(), 1u);
  const TrialRecord& r = trials->front();
  EXPECT_EQ(r.arch, "1,2,3");
  EXPECT_EQ(r.status, "done");
  EXPECT_EQ(r.metrics.at("f"), 0.1 + 0.2) << "doubles round-trip exactly";
  EXPECT_EQ(r.metrics.at("g"), 1e-300);
  EXPECT_EQ(r.cost, t.cost);
  EXPECT_EQ(r.fidelity, 1.0 / 3);
  EXPECT_EQ(r.seed, 4294967295u);
  EXPECT_EQ(r.started_at, t.started_at);

  auto exists = ExperimentStore::exists(location_, study_);
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  auto twice = ExperimentStore::create(location_, {}, study_);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("exists already"), std::string::npos) << twice.error().message;
}

TEST_P(StoreBackend, OneWorkerCompletesThePlanDeterministically) {
  QueuePlan plan;
  plan.trials = 20;
  plan.seed = 7;
  create(plan);
  auto reports = run_workers(1, plan, two_objectives(), "evolution");
  ExperimentStore store = open();
  auto first = store.trials();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 20u);
  for (const auto& t : *first) {
    EXPECT_EQ(t.status, "done");
    EXPECT_EQ(t.worker, "w0");
    EXPECT_EQ(t.attempts, 1);
    EXPECT_EQ(t.seed, trial_seed(7, t.id));
  }
  EXPECT_EQ(reports[0].evaluated, 20);
  EXPECT_EQ(reports[0].proposed, 20);
  // The same plan again (a new study): the same trials in the same order.
  study_ += "b";
  if (GetParam() == "sqlite") location_ += "b";
  create(plan);
  run_workers(1, plan, two_objectives(), "evolution");
  auto second = open().trials();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 20u);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ((*first)[i].key, (*second)[i].key) << "trial " << i;
}

TEST_P(StoreBackend, FourWorkersLoseNoTrialAndEachProposalReplaysFromItsBasis) {
  QueuePlan plan;
  plan.trials = 40;
  plan.seed = 3;
  create(plan);
  auto reports = run_workers(4, plan, two_objectives(), "evolution", /*sleep_ms=*/15);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 40u);
  std::set<std::string> keys;
  std::set<std::string> workers;
  int evaluated = 0;
  for (const auto& r : reports) evaluated += r.evaluated;
  EXPECT_EQ(evaluated, 40) << "every trial evaluated once";
  for (const auto& t : *trials) {
    EXPECT_EQ(t.status, "done");
    EXPECT_TRUE(keys.insert(t.key).second) << "trial " << t.id << " repeats " << t.key;
    workers.insert(t.worker);
    auto again = reproduce_proposal(space6(), factory("evolution"), two_objectives(), plan, *trials, t.id);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(format_arch(*again), t.arch) << "trial " << t.id << " basis " << t.basis;
  }
  EXPECT_GE(workers.size(), 2u) << "the trials were spread over the workers";
  auto recorded = read_workers(open());
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 4u);
  int counted = 0;
  for (const auto& w : *recorded) {
    EXPECT_EQ(w.state, "exited");
    counted += w.done;
  }
  EXPECT_EQ(counted, 40);
}

TEST_P(StoreBackend, EveryAlgorithmsProposalsReplayFromTheirBasesWithTwoWorkers) {
  for (const std::string algorithm : {"random", "evolution", "reinforce", "nsga2"}) {
    QueuePlan plan;
    plan.trials = 16;
    plan.seed = 11;
    study_ += "x";
    if (GetParam() == "sqlite") location_ += "x";
    create(plan);
    run_workers(2, plan, two_objectives(), algorithm, 5);
    auto trials = open().trials();
    ASSERT_TRUE(trials.ok());
    ASSERT_EQ(trials->size(), 16u) << algorithm;
    for (const auto& t : *trials) {
      EXPECT_EQ(t.status, "done") << algorithm;
      auto again = reproduce_proposal(space6(), factory(algorithm), two_objectives(), plan, *trials, t.id);
      ASSERT_TRUE(again.ok()) << again.error().message;
      EXPECT_EQ(format_arch(*again), t.arch) << algorithm << " trial " << t.id << " basis " << t.basis;
    }
  }
}

TEST_P(StoreBackend, ALostWorkersTrialIsRequeuedAndCountedThenFailsAfterMaxAttempts) {
  QueuePlan plan;
  plan.trials = 3;
  plan.grace_s = 1;
  plan.max_attempts = 2;
  ExperimentStore store = create(plan);
  // Trial 0 claimed by a worker that died long ago.
  auto ghost = store.connection().run(
      "INSERT INTO trials (id, arch, key, status, fidelity, seed, started_at, worker, heartbeat_at, attempts, basis) "
      "VALUES (0, '1,1,1,1,1,1', $1, 'running', 1.0, 5, 0, 'ghost', 0, 1, '|')",
      {space6().canonical_key({1, 1, 1, 1, 1, 1})});
  ASSERT_TRUE(ghost.ok()) << ghost.error().message;
  auto reports = run_workers(1, plan, two_objectives(), "random");
  EXPECT_EQ(reports[0].requeued, 1);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 3u);
  EXPECT_EQ((*trials)[0].status, "done") << "re-queued and evaluated by the live worker";
  EXPECT_EQ((*trials)[0].lost, 1);
  EXPECT_EQ((*trials)[0].attempts, 2);
  EXPECT_EQ((*trials)[0].worker, "w0");

  // A trial lost on its last attempt fails, naming the lost worker.
  study_ += "b";
  if (GetParam() == "sqlite") location_ += "b";
  ExperimentStore second = create(plan);
  ASSERT_TRUE(second.connection()
                  .run("INSERT INTO trials (id, arch, key, status, fidelity, seed, started_at, worker, heartbeat_at, attempts, basis) "
                       "VALUES (0, '1,1,1,1,1,1', 'k', 'running', 1.0, 5, 0, 'ghost', 0, 2, '|')")
                  .ok());
  run_workers(1, plan, two_objectives(), "random");
  auto failed = open().trials();
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)[0].status, "failed");
  EXPECT_NE((*failed)[0].error.find("worker ghost stopped heartbeating (attempt 2 of 2)"), std::string::npos) << (*failed)[0].error;
}

TEST_P(StoreBackend, AFailingEvaluationIsRetriedThenFailedWithItsError) {
  QueuePlan plan;
  plan.trials = 4;
  plan.max_attempts = 3;
  create(plan);
  // The first proposal of this seed fails every time.
  std::vector<TrialRecord> none;
  auto first = next_proposal(space6(), factory("random"), two_objectives(), plan, none, false);
  ASSERT_TRUE(first.ok());
  const std::string bad = space6().canonical_key(first->arch);
  auto reports = run_workers(2, plan, two_objectives(), "random", 0, bad);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 4u);
  EXPECT_EQ((*trials)[0].key, bad);
  EXPECT_EQ((*trials)[0].status, "failed");
  EXPECT_EQ((*trials)[0].attempts, 3);
  EXPECT_EQ((*trials)[0].error, "the evaluator failed on purpose");
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ((*trials)[i].status, "done");
  EXPECT_EQ(reports[0].failed + reports[1].failed, 3);
}

// The rungs of a halving study: fidelities 1/9, 1/3, 1.
void expect_rungs(const std::vector<TrialRecord>& trials, const CostModel& model, int eta, bool synchronous) {
  std::map<double, std::vector<TrialRecord>> rungs;
  for (const auto& t : trials) rungs[t.fidelity].push_back(t);
  ASSERT_EQ(rungs.size(), 3u);
  const auto& low = rungs.begin()->second;
  const auto& mid = std::next(rungs.begin())->second;
  const auto& top = rungs.rbegin()->second;
  EXPECT_EQ(low.size(), 9u);
  if (synchronous) {
    EXPECT_EQ(mid.size(), 3u);
    EXPECT_EQ(top.size(), 1u);
    // The promoted ones are exactly the best third of the rung below.
    const std::vector<size_t> order = promotion_order(low, model);
    std::set<std::string> best, promoted;
    for (int i = 0; i < 3; ++i) best.insert(low[order[i]].key);
    for (const auto& t : mid) promoted.insert(t.key);
    EXPECT_EQ(best, promoted);
  } else {
    EXPECT_GE(mid.size(), 3u);  // ASHA promotes as rungs fill: at least |rung| / eta in the end
    EXPECT_LE(mid.size(), 9u);
    EXPECT_GE(top.size(), mid.size() / eta);
  }
  for (const auto& t : mid) {
    EXPECT_EQ(t.basis.rfind("from ", 0), 0u) << t.basis;
    EXPECT_TRUE(std::any_of(low.begin(), low.end(), [&](const TrialRecord& l) { return l.key == t.key; }));
  }
}

TEST_P(StoreBackend, SynchronousRungsPromoteTheBestThirdAfterTheBarrier) {
  QueuePlan plan;
  plan.seed = 5;
  plan.halving = HalvingOptions{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9};
  create(plan);
  run_workers(3, plan, one_objective(), "random", 5);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  EXPECT_EQ(trials->size(), 13u);
  expect_rungs(*trials, one_objective(), 3, true);
}

TEST_P(StoreBackend, AshaPromotesWithoutABarrierByNonDominatedRank) {
  QueuePlan plan;
  plan.seed = 5;
  plan.halving = HalvingOptions{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9, .asynchronous = true};
  create(plan);
  run_workers(3, plan, two_objectives(), "random", 5);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  expect_rungs(*trials, two_objectives(), 3, false);
  // With one worker ASHA's first promotion comes right after the 3rd rung-0 result: no barrier.
  study_ += "b";
  if (GetParam() == "sqlite") location_ += "b";
  create(plan);
  run_workers(1, plan, two_objectives(), "random");
  auto serial = open().trials();
  ASSERT_TRUE(serial.ok());
  ASSERT_GE(serial->size(), 4u);
  EXPECT_GT((*serial)[3].fidelity, (*serial)[0].fidelity) << "trial 3 is a promotion";
}

TEST_P(StoreBackend, AWorkerTimeBudgetStopsTheProposals) {
  QueuePlan plan;
  plan.trials = 1000;
  plan.worker_time_s = 0.2;  // 20 ms trials: about 10 of them
  create(plan);
  run_workers(2, plan, two_objectives(), "random", 20);
  auto trials = open().trials();
  ASSERT_TRUE(trials.ok());
  double spent = 0;
  for (const auto& t : *trials) spent += t.duration_s;
  EXPECT_GE(spent, 0.2);
  EXPECT_LT(trials->size(), 20u) << "at most one more trial per worker after the budget is spent";
  EXPECT_GE(trials->size(), 5u);
}

TEST(TrialQueue, AHalvingStudysFirstRungIsDrawnAmongBudgetFeasibleProposals) {
  CostModel model = two_objectives();
  model.budgets = {{"g", 12}};
  QueuePlan plan;
  plan.seed = 2;
  plan.halving = HalvingOptions{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9, .asynchronous = true};
  testing::SyntheticEvaluator cheap(kChoices), evaluator(kChoices);
  // One worker's study, proposal by proposal, without a store.
  std::vector<TrialRecord> trials;
  for (int guard = 0; guard < 100; ++guard) {
    auto p = next_proposal(space6(), factory("evolution"), model, plan, trials, false, &cheap);
    ASSERT_TRUE(p.ok()) << p.error().message;
    if (p->kind != Proposal::Kind::New && p->kind != Proposal::Kind::Promotion) break;
    TrialRecord t;
    t.id = static_cast<int64_t>(trials.size());
    t.arch = format_arch(p->arch);
    t.key = space6().canonical_key(p->arch);
    t.fidelity = p->fidelity;
    t.basis = p->basis;
    t.status = "done";
    t.metrics = *evaluator.evaluate({.space = space6(), .arch = p->arch});
    trials.push_back(t);
  }
  int first_rung = 0;
  for (const auto& t : trials) {
    if (t.fidelity != 1.0 / 9) continue;
    ++first_rung;
    EXPECT_LE(t.metrics.at("g"), 12) << "trial " << t.id << " is over the budget the screen enforces";
    auto again = reproduce_proposal(space6(), factory("evolution"), model, plan, trials, t.id, &cheap);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(format_arch(*again), t.arch);
  }
  EXPECT_EQ(first_rung, 9);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackend, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(TrialQueue, PromotionOrderIsByCostOrByNonDominatedRankThenCrowding) {
  auto record = [](int64_t id, double f, double g) {
    TrialRecord t;
    t.id = id;
    t.status = "done";
    t.metrics = {{"f", f}, {"g", g}};
    return t;
  };
  std::vector<TrialRecord> rung{record(0, 3, 3), record(1, 1, 5), record(2, 5, 1), record(3, 2, 2), record(4, 4, 4)};
  EXPECT_EQ(promotion_order(rung, one_objective()), (std::vector<size_t>{1, 3, 0, 4, 2}));
  // Front 0: 1, 2 (ends, infinite crowding) and 3; then 0; then 4.
  EXPECT_EQ(promotion_order(rung, two_objectives()), (std::vector<size_t>{1, 2, 3, 0, 4}));
}

TEST(TrialQueue, IdRangesRoundTrip) {
  EXPECT_EQ(format_id_ranges({0, 1, 2, 3, 5, 7, 8}), "0-3,5,7-8");
  EXPECT_EQ(format_id_ranges({}), "");
  auto ids = parse_id_ranges("0-3,5,7-8");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int64_t>{0, 1, 2, 3, 5, 7, 8}));
  EXPECT_FALSE(parse_id_ranges("4-2").ok());
  EXPECT_FALSE(parse_id_ranges("x").ok());
}

TEST(TrialQueue, ThePlanRoundTripsThroughTheStoresMeta) {
  QueuePlan plan;
  plan.trials = 17;
  plan.fidelity = 0.25;
  plan.seed = 123456789012ull;
  plan.grace_s = 7.5;
  plan.worker_time_s = 3600;
  plan.halving = HalvingOptions{.candidates = 27, .eta = 3, .min_fidelity = 1.0 / 9, .asynchronous = true};
  auto back = queue_plan_from_meta(queue_meta(plan), "s");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->trials, 17);
  EXPECT_EQ(back->fidelity, 0.25);
  EXPECT_EQ(back->seed, 123456789012ull);
  EXPECT_EQ(back->grace_s, 7.5);
  EXPECT_EQ(back->worker_time_s, 3600);
  ASSERT_TRUE(back->halving.has_value());
  EXPECT_TRUE(back->halving->asynchronous);
  EXPECT_EQ(back->halving->min_fidelity, 1.0 / 9);
  auto missing = queue_plan_from_meta({}, "run.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("not a trial-queue study"), std::string::npos);
}

TEST(StoreLocation, UrlsPathsAndMaskedPasswords) {
  auto pg = parse_store_location("postgresql://nas:s3cret@db.example:5432/hwnas", "u55");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->kind, StoreLocation::Kind::Postgresql);
  EXPECT_EQ(pg->display, "postgresql://nas:***@db.example:5432/hwnas (study u55)");
  EXPECT_EQ(mask_password("host=db password=s3cret dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(mask_password("postgresql://nas@db/x?password=s3cret&sslmode=require"), "postgresql://nas@db/x?password=***&sslmode=require");
  EXPECT_EQ(mask_password("space: s.yaml\nstore: postgresql://u:pw@h:1/db # shared\nurl: http://x.org/a@b\n"),
            "space: s.yaml\nstore: postgresql://u:***@h:1/db # shared\nurl: http://x.org/a@b\n");
  auto relative = parse_store_location("sqlite:///runs/a.db");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->target, "runs/a.db");
  EXPECT_EQ(relative->study, "default");
  auto absolute = parse_store_location("sqlite:////tmp/a.db");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->target, "/tmp/a.db");
  EXPECT_EQ(parse_store_location("run.db")->target, "run.db");
  EXPECT_FALSE(parse_store_location("mysql://x/y").ok());
  EXPECT_FALSE(parse_store_location("sqlite://a.db").ok());
  auto bad_study = parse_store_location("run.db", "Bad-Name");
  ASSERT_FALSE(bad_study.ok());
  EXPECT_NE(bad_study.error().message.find("a-z, 0-9 and _"), std::string::npos);
}

TEST(StoreLocation, APostgresqlServerThatIsNotThereIsAClearErrorWithoutThePassword) {
  auto store = ExperimentStore::open("postgresql://nas:s3cret@127.0.0.1:1/hwnas?connect_timeout=2", ExperimentStore::Access::ReadOnly, "x");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("cannot connect to PostgreSQL"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
}

TEST(StoreMigration, ASchemaOneFileIsReadAndMigratedWhenOpenedToWrite) {
  const fs::path path = fs::temp_directory_path() / ("hwnas-v1-" + std::to_string(getpid()) + ".db");
  fs::remove(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v1 = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials (id INTEGER PRIMARY KEY, arch TEXT NOT NULL, key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')), error TEXT NOT NULL DEFAULT '',
  metrics TEXT NOT NULL DEFAULT '{}', cost REAL, feasible INTEGER NOT NULL DEFAULT 0, fidelity REAL NOT NULL,
  seed INTEGER NOT NULL, started_at REAL NOT NULL, finished_at REAL, duration_s REAL);
INSERT INTO meta VALUES ('schema_version', '1'), ('seed', '4');
INSERT INTO trials VALUES (0, '1,2', 'k0', 'done', '', '{"f": 2.5}', 2.5, 1, 1.0, 9, 100.0, 101.0, 1.0);
)sql";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto read_only = ExperimentStore::open(path.string(), ExperimentStore::Access::ReadOnly);
  ASSERT_TRUE(read_only.ok()) << read_only.error().message;
  EXPECT_EQ(read_only->meta().at("schema_version"), "1") << "a reader changes nothing";
  auto old_trials = read_only->trials();
  ASSERT_TRUE(old_trials.ok()) << old_trials.error().message;
  ASSERT_EQ(old_trials->size(), 1u);
  EXPECT_EQ(old_trials->front().metrics.at("f"), 2.5);

  auto migrated = ExperimentStore::open(path.string());
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated->meta().at("schema_version"), "2");
  auto trials = migrated->trials();
  ASSERT_TRUE(trials.ok()) << trials.error().message;
  ASSERT_EQ(trials->size(), 1u);
  EXPECT_EQ(trials->front().key, "k0");
  EXPECT_EQ(trials->front().seed, 9u);
  EXPECT_EQ(trials->front().attempts, 0);
  auto reopened = ExperimentStore::open(path.string(), ExperimentStore::Access::ReadOnly);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->meta().at("schema_version"), "2");
  fs::remove(path);
}

}  // namespace
}  // namespace hwnas::search
