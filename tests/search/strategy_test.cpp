// run_strategy on a synthetic problem: zero-shot ranks by the proxy then evaluates its top_k, supernet its best one,
// hybrid screens by the proxy and warm-starts; each deterministic under a seed and resumable from its stores.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "hwnas/search/strategy.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

constexpr int kChoices = 6;

// "score" = -(f + 2 x the last decision): a proxy that mostly agrees with the true objective f.
class ProxyEvaluator : public Evaluator {
 public:
  std::string name() const override { return "proxy"; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    ++calls;
    seeds.push_back(request.seed);
    auto m = synthetic_.evaluate(request);
    return Metrics{{"score", -(m->at("f") + 2.0 * request.arch.back())}};
  }
  int calls = 0;
  std::vector<uint64_t> seeds;

 private:
  testing::SyntheticEvaluator synthetic_{kChoices};
};

// The "expensive" evaluator: f as "accuracy"-like objective, recording its fidelities.
class CountingEvaluator : public testing::SyntheticEvaluator {
 public:
  CountingEvaluator() : SyntheticEvaluator(kChoices) {}
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    fidelities.push_back(request.fidelity);
    auto m = SyntheticEvaluator::evaluate(request);
    m->erase("g");  // the cheap evaluator measures g
    return m;
  }
  std::vector<double> fidelities;
};

// g alone: the cheap metric the budget is on.
class CheapEvaluator : public Evaluator {
 public:
  std::string name() const override { return "cheap"; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    ++calls;
    auto m = synthetic_.evaluate(request);
    return Metrics{{"g", m->at("g")}};
  }
  int calls = 0;

 private:
  testing::SyntheticEvaluator synthetic_{kChoices};
};

struct Fixture {
  Experiment experiment;
  CheapEvaluator* cheap = nullptr;
  CountingEvaluator* expensive = nullptr;
};

// An experiment by hand: cheap g gated before the expensive f, minimise f with g <= 40.
Fixture make_setup(Strategy strategy, uint64_t seed, bool halving = false) {
  Fixture s;
  Experiment& e = s.experiment;
  e.config.source = "test.yaml";
  e.config.strategy = strategy;
  e.config.seed = seed;
  e.config.trials = 20;
  e.config.use_training = true;
  e.config.zero_shot.top_k = 3;
  e.config.hybrid.pool = 3;
  e.config.algorithm = {.name = "evolution", .population = 6, .sample = 3};
  e.config.cost_model.objectives = {{"f", Direction::Minimize}};
  e.config.cost_model.budgets = {{"g", 40}};
  if (halving) e.config.halving = HalvingOptions{.candidates = 9, .eta = 3, .min_fidelity = 1.0 / 9};
  e.space = std::make_unique<space::SearchSpace>(testing::synthetic_space(8, kChoices));
  std::vector<std::unique_ptr<Evaluator>> parts;
  parts.push_back(std::make_unique<CheapEvaluator>());
  s.cheap = static_cast<CheapEvaluator*>(parts.back().get());
  parts.push_back(std::make_unique<CountingEvaluator>());
  s.expensive = static_cast<CountingEvaluator*>(parts.back().get());
  e.cheap_evaluator = s.cheap;
  e.evaluator = std::make_unique<CompositeEvaluator>(std::move(parts), e.config.cost_model.budgets);
  auto algorithm = make_algorithm(e.config.algorithm, *e.space);
  e.algorithm = std::move(*algorithm);
  return s;
}

std::vector<std::string> keys_of(const std::vector<TrialRecord>& trials) {
  std::vector<std::string> keys;
  for (const TrialRecord& t : trials) keys.push_back(t.key);
  return keys;
}

TEST(Strategy, ZeroShotRanksByTheProxyThenEvaluatesItsTopK) {
  Fixture s = make_setup(Strategy::ZeroShot, 5);
  ProxyEvaluator proxy;
  auto result = run_strategy(s.experiment, {.proxy = &proxy, .proxy_metric = "score"}, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->ranked_by, "score");
  ASSERT_EQ(result->trials.size(), 20u);
  // The search never ran the expensive evaluator until the final phase: 3 evaluations at fidelity 1.
  EXPECT_EQ(s.expensive->fidelities, (std::vector<double>{1.0, 1.0, 1.0}));
  for (uint64_t seed : proxy.seeds) EXPECT_EQ(seed, 5u);  // one seed for every candidate
  // The finalists are the 3 feasible trials of the highest score, best first.
  std::vector<size_t> feasible;
  for (size_t i = 0; i < result->trials.size(); ++i)
    if (result->trials[i].feasible) feasible.push_back(i);
  ASSERT_GE(feasible.size(), 3u);
  std::stable_sort(feasible.begin(), feasible.end(),
                   [&](size_t a, size_t b) { return result->trials[a].metrics.at("score") > result->trials[b].metrics.at("score"); });
  ASSERT_EQ(result->final_trials.size(), 3u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(result->final_trials[k].key, result->trials[feasible[k]].key);
  // The result: the finalist of least f.
  const TrialRecord* best = result->best();
  ASSERT_NE(best, nullptr);
  for (const TrialRecord& t : result->final_trials) EXPECT_LE(best->metrics.at("f"), t.metrics.at("f"));
  EXPECT_TRUE(best->metrics.count("g"));  // the cheap metrics are merged in
  // Deterministic under the seed.
  Fixture again = make_setup(Strategy::ZeroShot, 5);
  ProxyEvaluator proxy_again;
  auto repeated = run_strategy(again.experiment, {.proxy = &proxy_again, .proxy_metric = "score"}, nullptr, nullptr);
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(keys_of(repeated->trials), keys_of(result->trials));
  EXPECT_EQ(keys_of(repeated->final_trials), keys_of(result->final_trials));
  // Without training, the best by proxy is the result and nothing is trained.
  Fixture untrained = make_setup(Strategy::ZeroShot, 5);
  untrained.experiment.config.use_training = false;
  ProxyEvaluator proxy_untrained;
  auto ranked_only = run_strategy(untrained.experiment, {.proxy = &proxy_untrained, .proxy_metric = "score"}, nullptr, nullptr);
  ASSERT_TRUE(ranked_only.ok());
  EXPECT_FALSE(ranked_only->has_final());
  EXPECT_TRUE(untrained.expensive->fidelities.empty());
  ASSERT_NE(ranked_only->best(), nullptr);
  EXPECT_EQ(ranked_only->best()->key, result->trials[feasible[0]].key);
}

TEST(Strategy, SupernetEvaluatesItsBestSubnetWithTheFinalEvaluator) {
  Fixture s = make_setup(Strategy::Supernet, 2);
  ProxyEvaluator inherited;
  CountingEvaluator fine_tuned;
  auto result = run_strategy(s.experiment, {.proxy = &inherited, .proxy_metric = "score", .final_evaluator = &fine_tuned}, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->final_trials.size(), 1u);
  EXPECT_EQ(fine_tuned.fidelities.size(), 1u);
  EXPECT_TRUE(s.expensive->fidelities.empty());  // no training from scratch
  EXPECT_EQ(result->final_trials[0].key, result->trials[result->search_best].key);
  ASSERT_NE(result->best(), nullptr);
  EXPECT_TRUE(result->best()->metrics.count("g"));
  // Missing parts are errors that name the config.
  Fixture missing = make_setup(Strategy::Supernet, 2);
  auto no_final = run_strategy(missing.experiment, {.proxy = &inherited, .proxy_metric = "score"}, nullptr, nullptr);
  ASSERT_FALSE(no_final.ok());
  EXPECT_NE(no_final.error().message.find("test.yaml: strategy supernet"), std::string::npos) << no_final.error().message;
}

TEST(Strategy, HybridScreensTheFirstRungByTheProxyAndWarmStarts) {
  Fixture s = make_setup(Strategy::Hybrid, 3, /*halving=*/true);
  ProxyEvaluator proxy;
  const space::Architecture warm(8, 1);
  auto result = run_strategy(s.experiment, {.proxy = &proxy, .proxy_metric = "score", .warm_start = {warm}}, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->rungs.size(), 3u);
  ASSERT_EQ(result->rungs[0].size(), 9u);
  EXPECT_EQ(result->trials[0].arch, format_arch(warm));  // the warm start is the first candidate
  for (size_t i : result->rungs[0]) EXPECT_TRUE(result->trials[i].feasible);
  EXPECT_EQ(result->screen.passed, 8 * 3);  // the other 8 candidates: the best of 24 feasible proposals
  EXPECT_EQ(proxy.calls, 24);
  EXPECT_NE(result->screen_text.find("ranked by score"), std::string::npos) << result->screen_text;
  // Without halving: every trial is the best of `pool` feasible proposals.
  Fixture flat = make_setup(Strategy::Hybrid, 3);
  ProxyEvaluator flat_proxy;
  auto prefiltered = run_strategy(flat.experiment, {.proxy = &flat_proxy, .proxy_metric = "score"}, nullptr, nullptr);
  ASSERT_TRUE(prefiltered.ok()) << prefiltered.error().message;
  ASSERT_EQ(prefiltered->trials.size(), 20u);
  for (const TrialRecord& t : prefiltered->trials) EXPECT_TRUE(t.feasible);
  EXPECT_EQ(prefiltered->screen.passed, 60);
}

TEST(Strategy, MultishotHalvingDrawsFeasibleCandidates) {
  Fixture s = make_setup(Strategy::Multishot, 4, /*halving=*/true);
  auto result = run_strategy(s.experiment, {}, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->rungs[0].size(), 9u);
  for (size_t i : result->rungs[0]) EXPECT_TRUE(result->trials[i].feasible);
  EXPECT_EQ(result->screen.passed, 9);
  EXPECT_EQ(s.expensive->fidelities.size(), 9u + 3u + 1u);  // the gate skipped nothing: no candidate over budget
}

TEST(Strategy, ZeroShotResumesFromItsTwoStores) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hwnas-strategy-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "z.db").string();
  std::vector<std::string> first_keys, first_final;
  {
    Fixture s = make_setup(Strategy::ZeroShot, 9);
    auto store = ExperimentStore::create(path, {});
    auto final_store = ExperimentStore::create(path + ".final.db", {});
    ASSERT_TRUE(store.ok() && final_store.ok());
    ProxyEvaluator proxy;
    auto result = run_strategy(s.experiment, {.proxy = &proxy, .proxy_metric = "score"}, &*store, &*final_store);
    ASSERT_TRUE(result.ok()) << result.error().message;
    first_keys = keys_of(result->trials);
    first_final = keys_of(result->final_trials);
  }
  Fixture s = make_setup(Strategy::ZeroShot, 9);
  auto store = ExperimentStore::open(path);
  auto final_store = ExperimentStore::open(path + ".final.db");
  ASSERT_TRUE(store.ok() && final_store.ok());
  ProxyEvaluator proxy;
  auto resumed = run_strategy(s.experiment, {.proxy = &proxy, .proxy_metric = "score"}, &*store, &*final_store);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->replayed, 20 + 3);
  EXPECT_EQ(proxy.calls, 0);
  EXPECT_TRUE(s.expensive->fidelities.empty());
  EXPECT_EQ(keys_of(resumed->trials), first_keys);
  EXPECT_EQ(keys_of(resumed->final_trials), first_final);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hwnas::search
