// Candidate screening (budget-feasible drawing, proxy ranking), warm start and the pre-filter of run_search, and resume of a screened halving.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "hwnas/search/screen.h"
#include "hwnas/search/successive_halving.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

constexpr int kChoices = 6;

const space::SearchSpace& shared_space() {
  static const space::SearchSpace space = testing::synthetic_space(8, kChoices);
  return space;
}

// minimise f with g <= 40: about a third of uniform proposals meet the budget.
CostModel f_under_g_budget(double max_g = 40) {
  CostModel model;
  model.objectives = {{"f", Direction::Minimize}};
  model.budgets = {{"g", max_g}};
  return model;
}

// A proxy: "score" = -(f + 3 x the first decision), deterministic, higher better.
class ProxyEvaluator : public Evaluator {
 public:
  std::string name() const override { return "proxy"; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    ++calls;
    auto m = synthetic_.evaluate(request);
    return Metrics{{"score", -(m->at("f") + 3.0 * request.arch[0])}};
  }
  int calls = 0;

 private:
  testing::SyntheticEvaluator synthetic_{kChoices};
};

// An algorithm that records what it is asked and told, around random search.
class RecordingAlgorithm : public SearchAlgorithm {
 public:
  explicit RecordingAlgorithm(const space::SearchSpace& space) {
    auto made = make_algorithm({.name = "random"}, space);
    inner_ = std::move(*made);
  }
  std::string name() const override { return "recording"; }
  space::Architecture ask(std::mt19937_64& rng) override {
    asked.push_back(inner_->ask(rng));
    events.push_back('a');
    return asked.back();
  }
  void tell(const Observation& o) override {
    told.push_back(o);
    events.push_back('t');
    inner_->tell(o);
  }
  std::vector<space::Architecture> asked;
  std::vector<Observation> told;
  std::string events;

 private:
  std::unique_ptr<SearchAlgorithm> inner_;
};

double g_of(const space::Architecture& arch) {
  testing::SyntheticEvaluator synthetic(kChoices);
  return synthetic.evaluate({.space = shared_space(), .arch = arch})->at("g");
}

TEST(CandidateScreen, HalvingDrawsOnlyBudgetFeasibleCandidatesAndTellsTheOthers) {
  const space::SearchSpace& space = shared_space();
  testing::SyntheticEvaluator cheap(kChoices), evaluator(kChoices);
  RecordingAlgorithm algorithm(space);
  HalvingOptions options{.candidates = 27, .eta = 3, .min_fidelity = 1.0 / 9, .seed = 3};
  options.screen = CandidateScreen{.cheap = &cheap};
  auto result = successive_halving(space, algorithm, evaluator, f_under_g_budget(), nullptr, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->rungs[0].size(), 27u);
  for (size_t i : result->rungs[0]) {
    EXPECT_TRUE(result->trials[i].feasible) << result->trials[i].key;
    EXPECT_LE(result->trials[i].metrics.at("g"), 40);
  }
  EXPECT_EQ(result->screen.passed, 27);
  EXPECT_GT(result->screen.over_budget, 10);  // uniform proposals mostly break g <= 40
  EXPECT_EQ(result->screen.draws, result->screen.passed + result->screen.over_budget + result->screen.failed + result->screen.duplicates);
  EXPECT_FALSE(result->screen.exhausted);
  // Every over-budget proposal was told as infeasible before the first rung's results.
  int infeasible_told = 0;
  for (size_t k = 0; k < static_cast<size_t>(result->screen.over_budget); ++k) {
    EXPECT_FALSE(algorithm.told[k].score.feasible);
    EXPECT_GT(g_of(algorithm.told[k].arch), 40);
    ++infeasible_told;
  }
  EXPECT_EQ(infeasible_told, result->screen.over_budget);
  EXPECT_EQ(static_cast<int>(algorithm.told.size()), result->screen.over_budget + 27 + 9 + 3);
  // Without the screen, the same problem trains over-budget candidates in the first rung.
  RecordingAlgorithm unscreened(space);
  auto plain = successive_halving(space, unscreened, evaluator, f_under_g_budget(), nullptr,
                                  {.candidates = 27, .eta = 3, .min_fidelity = 1.0 / 9, .seed = 3});
  ASSERT_TRUE(plain.ok());
  int over = 0;
  for (size_t i : plain->rungs[0]) over += !plain->trials[i].feasible;
  EXPECT_GT(over, 5);
}

TEST(CandidateScreen, ProxyRankingKeepsTheBestOfThePool) {
  const space::SearchSpace& space = shared_space();
  testing::SyntheticEvaluator cheap(kChoices);
  ProxyEvaluator proxy;
  RecordingAlgorithm algorithm(space);
  std::mt19937_64 rng(11);
  ScreenReport report;
  const CandidateScreen screen{.cheap = &cheap, .proxy = &proxy, .proxy_metric = "score", .pool = 4};
  auto chosen = screen_proposals(space, algorithm, f_under_g_budget(), screen, 5, rng, {}, report);
  ASSERT_TRUE(chosen.ok()) << chosen.error().message;
  ASSERT_EQ(chosen->size(), 5u);
  EXPECT_EQ(report.passed, 20);
  EXPECT_EQ(report.ranked, 20);
  EXPECT_EQ(proxy.calls, 20);
  // The naive answer: the scores of every feasible proposal asked, best five.
  std::vector<double> scores;
  std::vector<std::string> seen;
  for (const space::Architecture& arch : algorithm.asked) {
    const std::string key = space.canonical_key(arch);
    if (std::find(seen.begin(), seen.end(), key) != seen.end() || g_of(arch) > 40) continue;
    seen.push_back(key);
    scores.push_back(proxy.evaluate({.space = space, .arch = arch})->at("score"));
  }
  ASSERT_EQ(scores.size(), 20u);
  std::sort(scores.rbegin(), scores.rend());
  for (size_t k = 0; k < 5; ++k) EXPECT_EQ((*chosen)[k].proxy, scores[k]) << k;  // best first
  for (const ScreenedCandidate& c : *chosen) EXPECT_LE(c.cheap.at("g"), 40);
  // The ranked-out feasible proposals are not told; the over-budget ones are.
  EXPECT_EQ(static_cast<int>(algorithm.told.size()), report.over_budget + report.failed);
  EXPECT_NE(describe(report, screen).find("20 of "), std::string::npos) << describe(report, screen);
}

TEST(CandidateScreen, ImpossibleOrScarceBudgetsAreReported) {
  const space::SearchSpace& space = shared_space();
  testing::SyntheticEvaluator cheap(kChoices), evaluator(kChoices);
  auto algorithm = make_algorithm({.name = "random"}, space);
  HalvingOptions options{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9, .seed = 1};
  options.screen = CandidateScreen{.cheap = &cheap, .max_draws = 100};
  auto impossible = successive_halving(space, **algorithm, evaluator, f_under_g_budget(0.5), nullptr, options);
  ASSERT_FALSE(impossible.ok());
  EXPECT_NE(impossible.error().message.find("no candidate meets the budgets: 0 of 100 proposals"), std::string::npos)
      << impossible.error().message;
  // g <= 10: a few of 100 uniform proposals meet it, fewer than 9.
  auto fresh = make_algorithm({.name = "random"}, space);
  auto scarce = successive_halving(space, **fresh, evaluator, f_under_g_budget(10), nullptr, options);
  ASSERT_TRUE(scarce.ok()) << scarce.error().message;
  EXPECT_TRUE(scarce->screen.exhausted);
  EXPECT_GT(scarce->rungs[0].size(), 0u);
  EXPECT_LT(scarce->rungs[0].size(), 9u);
  EXPECT_EQ(static_cast<int>(scarce->rungs[0].size()), scarce->screen.passed);
}

TEST(CandidateScreen, AResumedScreenedHalvingReplays) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hwnas-screen-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "h.db").string();
  const space::SearchSpace& space = shared_space();
  auto halve = [&](ExperimentStore* store, int* evaluations) {
    testing::SyntheticEvaluator cheap(kChoices), evaluator(kChoices);
    ProxyEvaluator proxy;
    auto algorithm = make_algorithm({.name = "evolution", .population = 6, .sample = 3}, space);
    HalvingOptions options{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9, .seed = 7};
    options.screen = CandidateScreen{.cheap = &cheap, .proxy = &proxy, .proxy_metric = "score", .pool = 3};
    auto result = successive_halving(space, **algorithm, evaluator, f_under_g_budget(), store, options);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    *evaluations = evaluator.calls;
    return result.ok() ? std::move(*result) : HalvingResult{};
  };
  int evaluations = 0;
  HalvingResult whole;
  {
    auto store = ExperimentStore::create(path, {});
    ASSERT_TRUE(store.ok());
    whole = halve(&*store, &evaluations);
    EXPECT_EQ(evaluations, 9 + 3 + 1);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM trials WHERE id > 10; UPDATE trials SET status = 'running' WHERE id = 10", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = ExperimentStore::open(path);
  ASSERT_TRUE(store.ok());
  const HalvingResult resumed = halve(&*store, &evaluations);
  EXPECT_EQ(resumed.replayed, 10);
  EXPECT_EQ(evaluations, 3);
  ASSERT_EQ(resumed.trials.size(), whole.trials.size());
  for (size_t i = 0; i < whole.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].key, whole.trials[i].key);
    EXPECT_EQ(resumed.trials[i].metrics, whole.trials[i].metrics);
  }
  EXPECT_EQ(resumed.best, whole.best);
  fs::remove_all(dir);
}

TEST(WarmStart, InitialArchitecturesAreEvaluatedAndToldFirst) {
  const space::SearchSpace& space = shared_space();
  testing::SyntheticEvaluator evaluator(kChoices);
  RecordingAlgorithm algorithm(space);
  SearchOptions options;
  options.trials = 6;
  options.seed = 2;
  options.initial = {space::Architecture(8, 1), space::Architecture(8, 2), space::Architecture(8, 1)};  // a repeat: answered from the cache
  auto result = run_search(space, algorithm, evaluator, f_under_g_budget(1000), nullptr, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->trials.size(), 6u);
  EXPECT_EQ(result->trials[0].arch, format_arch(space::Architecture(8, 1)));
  EXPECT_EQ(result->trials[1].arch, format_arch(space::Architecture(8, 2)));
  EXPECT_GE(result->cache_hits, 1);
  EXPECT_EQ(algorithm.events.substr(0, 4), "ttta");  // the three initial ones told (the repeat from the cache), then asked
  EXPECT_EQ(algorithm.told[0].arch, space::Architecture(8, 1));
  EXPECT_EQ(evaluator.calls, 6);
  // An initial architecture out of the space is an error.
  SearchOptions bad = options;
  bad.initial = {space::Architecture(8, kChoices)};
  auto rejected = run_search(space, algorithm, evaluator, f_under_g_budget(1000), nullptr, bad);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().message.find("initial architecture 1"), std::string::npos) << rejected.error().message;
}

TEST(Prefilter, EveryTrialIsTheBestByProxyOfFeasibleProposals) {
  const space::SearchSpace& space = shared_space();
  testing::SyntheticEvaluator cheap(kChoices), evaluator(kChoices);
  ProxyEvaluator proxy;
  auto run = [&](uint64_t seed) {
    auto algorithm = make_algorithm({.name = "evolution", .population = 6, .sample = 3}, space);
    SearchOptions options;
    options.trials = 12;
    options.seed = seed;
    options.prefilter = CandidateScreen{.cheap = &cheap, .proxy = &proxy, .proxy_metric = "score", .pool = 3, .seed = seed};
    auto result = run_search(space, **algorithm, evaluator, f_under_g_budget(), nullptr, options);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return std::move(*result);
  };
  const SearchResult a = run(4);
  ASSERT_EQ(a.trials.size(), 12u);
  for (const TrialRecord& t : a.trials) EXPECT_TRUE(t.feasible) << t.key;
  EXPECT_EQ(a.screen.passed, 36);  // 3 feasible proposals per trial
  EXPECT_GT(a.screen.over_budget, 0);
  const SearchResult b = run(4);
  for (size_t i = 0; i < a.trials.size(); ++i) EXPECT_EQ(a.trials[i].key, b.trials[i].key);
}

}  // namespace
}  // namespace hwnas::search
