// The experiment store: trials round-trip, resume after a stop or a kill reproduces the
// uninterrupted run with no trial lost or evaluated twice (on SQLite and on PostgreSQL), and
// newer files are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>

#include "../common/postgres_cluster.h"
#include "hwnas/search/search.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

constexpr int kChoices = 6;

fs::path fresh_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hwnas-store-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / name;
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  return path;
}

CostModel model() {
  CostModel m;
  m.objectives = {{"f", Direction::Minimize}, {"g", Direction::Minimize}};
  m.budgets = {{"g", 60}};
  return m;
}

// An evaluator that stops the process (SIGKILL) in the middle of its `kill_at`-th call.
class KillingEvaluator : public testing::SyntheticEvaluator {
 public:
  KillingEvaluator(int kill_at) : SyntheticEvaluator(kChoices), kill_at_(kill_at) {}
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    if (calls + 1 == kill_at_) raise(SIGKILL);
    return SyntheticEvaluator::evaluate(request);
  }

 private:
  int kill_at_;
};

struct SearchRun {
  SearchResult result;
  int evaluations = 0;
};

SearchRun search(const std::string& algorithm, ExperimentStore* store, int trials, uint64_t seed = 11) {
  static const space::SearchSpace space = testing::synthetic_space(8, kChoices);
  testing::SyntheticEvaluator evaluator(kChoices);
  AlgorithmOptions options;
  options.name = algorithm;
  options.population = 8;
  options.nsga_population = 8;
  auto a = make_algorithm(options, space);
  EXPECT_TRUE(a.ok());
  SearchOptions search_options;
  search_options.trials = trials;
  search_options.seed = seed;
  auto result = run_search(space, **a, evaluator, model(), store, search_options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return {result.ok() ? std::move(*result) : SearchResult{}, evaluator.calls};
}

void expect_same_trials(const std::vector<TrialRecord>& a, const std::vector<TrialRecord>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id) << what;
    EXPECT_EQ(a[i].key, b[i].key) << what << " trial " << i;
    EXPECT_EQ(a[i].arch, b[i].arch) << what << " trial " << i;
    EXPECT_EQ(a[i].metrics, b[i].metrics) << what << " trial " << i;
    EXPECT_EQ(a[i].status, b[i].status) << what << " trial " << i;
    EXPECT_EQ(a[i].feasible, b[i].feasible) << what << " trial " << i;
    EXPECT_DOUBLE_EQ(a[i].cost, b[i].cost) << what << " trial " << i;
  }
}

TEST(ExperimentStore, TrialsRoundTrip) {
  const fs::path path = fresh_path("roundtrip.db");
  auto store = ExperimentStore::create(path.string(), {{"space_version", "abc"}, {"seed", "3"}});
  ASSERT_TRUE(store.ok()) << store.error().message;
  TrialRecord t;
  t.id = 0;
  t.arch = "1,2,3";
  t.key = "x=1";
  t.fidelity = 0.25;
  t.seed = 7;
  t.started_at = 100.5;
  ASSERT_TRUE(store->begin_trial(t).ok());
  t.status = "done";
  t.metrics = {{"latency_us", 812.125}, {"accuracy", 0.1 + 0.2}};
  t.cost = 812.125;
  t.feasible = true;
  t.finished_at = 101.5;
  t.duration_s = 1.0;
  ASSERT_TRUE(store->finish_trial(t).ok());
  EXPECT_FALSE(store->begin_trial(t).ok());  // a finished trial is never started again
  EXPECT_FALSE(store->finish_trial(t).ok());
  auto reopened = ExperimentStore::open(path.string());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(reopened->meta().at("space_version"), "abc");
  EXPECT_EQ(reopened->meta().at("schema_version"), std::to_string(kStoreSchemaVersion));
  auto trials = reopened->trials();
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 1u);
  EXPECT_EQ((*trials)[0].metrics, t.metrics);  // doubles round-trip exactly
  EXPECT_EQ((*trials)[0].fidelity, 0.25);
  EXPECT_EQ((*trials)[0].seed, 7u);
  EXPECT_EQ((*trials)[0].status, "done");
  EXPECT_FALSE(ExperimentStore::create(path.string(), {}).ok());  // never overwritten
  EXPECT_EQ(parse_arch("4,0,12").value(), (std::vector<int>{4, 0, 12}));
  EXPECT_FALSE(parse_arch("4,x").ok());
}

TEST(ExperimentStore, RefusesAFileFromANewerHwnas) {
  const fs::path path = fresh_path("newer.db");
  {
    auto store = ExperimentStore::create(path.string(), {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->set_meta("schema_version", std::to_string(kStoreSchemaVersion + 1)).ok());
  }
  auto opened = ExperimentStore::open(path.string());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("written by a newer hwnas"), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find("refusing"), std::string::npos);

  const fs::path not_a_store = fresh_path("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(not_a_store.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t (x INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto other = ExperimentStore::open(not_a_store.string());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("not an hwnas experiment store"), std::string::npos) << other.error().message;
  EXPECT_FALSE(ExperimentStore::open(fresh_path("missing.db").string()).ok());
}

// The resume tests on both backends: a fresh SQLite file, or a fresh study in the PostgreSQL
// server of this test program (scripts/pg-cluster).
class ResumeOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      ASSERT_FALSE(test_support::postgres_url().empty()) << test_support::postgres_error();
    }
  }
  struct Place {
    std::string location, study;
  };
  Place fresh(const std::string& name) const {
    std::string study;
    for (char c : name) study += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    study = "r" + std::to_string(getpid()) + "_" + study;
    if (GetParam() == "postgresql") return {test_support::postgres_url(), study};
    return {fresh_path(name + ".db").string(), ""};
  }
  static Result<ExperimentStore> create(const Place& p) { return ExperimentStore::create(p.location, {}, p.study); }
  static Result<ExperimentStore> open(const Place& p) { return ExperimentStore::open(p.location, ExperimentStore::Access::ReadWrite, p.study); }
};

TEST_P(ResumeOn, StopAndResumeEqualsAnUninterruptedRun) {
  for (const std::string algorithm : {"evolution", "reinforce", "nsga2", "random"}) {
    const Place whole_path = fresh("whole_" + algorithm);
    const Place split_path = fresh("split_" + algorithm);
    auto whole_store = create(whole_path);
    ASSERT_TRUE(whole_store.ok());
    const SearchRun whole = search(algorithm, &*whole_store, 40);
    {
      auto store = create(split_path);
      ASSERT_TRUE(store.ok());
      const SearchRun first = search(algorithm, &*store, 17);  // "crash" after 17 trials
      EXPECT_EQ(first.evaluations, 17);
    }
    auto store = open(split_path);
    ASSERT_TRUE(store.ok());
    const SearchRun resumed = search(algorithm, &*store, 40);
    EXPECT_EQ(resumed.result.replayed, 17) << algorithm;
    EXPECT_EQ(resumed.evaluations, 40 - 17) << algorithm << ": a finished trial was evaluated again";
    expect_same_trials(whole.result.trials, resumed.result.trials, algorithm);
    auto stored = store->trials();
    ASSERT_TRUE(stored.ok());
    expect_same_trials(whole.result.trials, *stored, algorithm + " (store)");
  }
}

TEST_P(ResumeOn, AfterTheProcessIsKilledInTheMiddleOfATrial) {
  const Place path = fresh("killed");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child searches until its evaluator kills it during the 13th evaluation.
    auto store = create(path);
    if (!store.ok()) _exit(3);
    static const space::SearchSpace space = testing::synthetic_space(8, kChoices);
    KillingEvaluator evaluator(13);
    AlgorithmOptions options;
    options.name = "evolution";
    options.population = 8;
    auto a = make_algorithm(options, space);
    SearchOptions search_options;
    search_options.trials = 40;
    search_options.seed = 11;
    (void)run_search(space, **a, evaluator, model(), &*store, search_options);
    _exit(4);  // not reached: killed in evaluation 13
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto store = open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto before = store->trials();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 13u);  // 12 finished, the 13th left running
  EXPECT_EQ(before->back().status, "running");
  for (size_t i = 0; i + 1 < before->size(); ++i) EXPECT_EQ((*before)[i].status, "done");

  const SearchRun resumed = search("evolution", &*store, 40);
  EXPECT_EQ(resumed.result.replayed, 12);
  EXPECT_EQ(resumed.evaluations, 40 - 12);  // the running trial again, then the rest
  const SearchRun whole = search("evolution", nullptr, 40);
  expect_same_trials(whole.result.trials, resumed.result.trials, "killed and resumed");
}

TEST_P(ResumeOn, ADifferentSeedDoesNotReplay) {
  const Place path = fresh("seed");
  auto store = create(path);
  ASSERT_TRUE(store.ok());
  (void)search("evolution", &*store, 5, 11);
  static const space::SearchSpace space = testing::synthetic_space(8, kChoices);
  testing::SyntheticEvaluator evaluator(kChoices);
  auto a = make_algorithm({.name = "evolution", .population = 8}, space);
  SearchOptions options;
  options.trials = 10;
  options.seed = 12;
  auto result = run_search(space, **a, evaluator, model(), &*store, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("does not replay"), std::string::npos) << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, ResumeOn, ::testing::Values("sqlite", "postgresql"), [](const auto& info) { return info.param; });

TEST(Search, DuplicateProposalsAreAnsweredFromTheCache) {
  const SearchRun run = search("evolution", nullptr, 60);
  std::set<std::string> keys;
  for (const TrialRecord& t : run.result.trials) EXPECT_TRUE(keys.insert(t.key).second) << "trial " << t.id << " repeats " << t.key;
  EXPECT_EQ(run.evaluations, 60);
  EXPECT_EQ(run.result.proposals, 60 + run.result.cache_hits);
}

}  // namespace
}  // namespace hwnas::search
