// The supernet's search evaluators, its save / reload, and the supernet and hybrid strategies end to end on a tiny space.
#include "hwnas/supernet/search_evaluators.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "hwnas/hw/registry.h"
#include "hwnas/search/strategy.h"

namespace hwnas::supernet {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTinySpace = R"yaml(
name: tiny_strategy
kind: macro
input: {channels: 1, resolution: [12, 16]}
depth_multiplier: [0.5, 1.0]
activation: relu
stem: {channels: [4, 8], stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1, 2], channels: [4, 8], stride: 1}
  - {block: [ibn, grouped_ibn], kernel: [3], expansion: [3], depth: [1, 2], channels: [8, 12], stride: 2}
head: {type: classification, classes: 10}
)yaml";

space::SearchSpace tiny_space() {
  auto space = space::parse_space(kTinySpace, "tiny", {});
  EXPECT_TRUE(space.ok()) << (space ? "" : space.error().message);
  return *space;
}

// Labels that the images determine (class = brightness band), so a few steps learn something.
TensorSet banded_set(int64_t n, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  TensorSet set;
  set.labels = at::randint(0, 10, {n}, generator);
  set.images = at::rand({n, 1, 16, 16}, generator) * 0.1 + set.labels.to(at::kFloat).view({n, 1, 1, 1}) / 10.0;
  return set;
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("hwnas-supernet-strategy-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

SupernetSource tiny_source(const std::string& path, bool reuse) {
  SupernetSource source;
  source.path = path;
  source.reuse = reuse;
  source.init.seed = 3;
  source.train = {.epochs = 1, .max_steps = 3, .batch_size = 16, .seed = 3};
  return source;
}

TEST(SupernetEvaluators, InheritedAccuracyIsTheRecalibratedAccuracy) {
  const space::SearchSpace space = tiny_space();
  const TensorSet train_set = banded_set(48, 1), validation = banded_set(20, 2);
  auto loaded = load_or_train_supernet(space, train_set, tiny_source("", false));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(loaded->trained);
  InheritedAccuracyEvaluator evaluator(loaded->net, train_set.slice(0, 16), validation, "v1");
  EXPECT_EQ(evaluator.version(), "v1");
  std::mt19937_64 rng(5);
  const space::Architecture arch = loaded->net->random_architecture(rng);
  auto metrics = evaluator.evaluate({.space = space, .arch = arch});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  auto expected = inherited_accuracy(loaded->net, arch, train_set.slice(0, 16), validation);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(metrics->at(kInheritedAccuracy), *expected);
  // grouped_ibn has no shared weights: a failed evaluation naming the decision.
  space::Architecture grouped = arch;
  for (size_t d = 0; d < space.decisions().size(); ++d)
    if (space.decisions()[d].name == "stage2.block") grouped[d] = 1;
  auto rejected = evaluator.evaluate({.space = space, .arch = grouped});
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().message.find("stage2.block"), std::string::npos) << rejected.error().message;
}

TEST(SupernetEvaluators, FineTuningIsDeterministicUnderASeed) {
  const space::SearchSpace space = tiny_space();
  const TensorSet train_set = banded_set(48, 1), held_out = banded_set(20, 4);
  auto loaded = load_or_train_supernet(space, train_set, tiny_source("", false));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  FineTunedSubnetEvaluator evaluator(loaded->net, train_set.slice(0, 16), train_set, held_out, {.epochs = 1, .batch_size = 16});
  std::mt19937_64 rng(6);
  const space::Architecture arch = loaded->net->largest_architecture(rng);
  auto a = evaluator.evaluate({.space = space, .arch = arch, .seed = 2});
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GE(a->at("accuracy"), 0.0);
  EXPECT_LE(a->at("accuracy"), 1.0);
  EXPECT_EQ(a->at("fine_tune_epochs"), 1);
  ASSERT_TRUE(evaluator.last_network().has_value());
  EXPECT_TRUE(evaluator.last_network()->has_weights());
  auto graph_acc = graph_accuracy(*evaluator.last_network(), held_out);
  ASSERT_TRUE(graph_acc.ok());
  EXPECT_EQ(*graph_acc, a->at("accuracy"));
  auto b = evaluator.evaluate({.space = space, .arch = arch, .seed = 2});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->at("accuracy"), b->at("accuracy"));
  EXPECT_EQ(a->at(kInheritedAccuracy), b->at(kInheritedAccuracy));  // the supernet itself is not changed by fine-tuning
}

TEST(SupernetEvaluators, ASavedSupernetReloadsBitForBit) {
  TempDir dir;
  const space::SearchSpace space = tiny_space();
  const TensorSet train_set = banded_set(48, 1);
  const std::string path = dir.file("s.pt");
  auto trained = load_or_train_supernet(space, train_set, tiny_source(path, /*reuse=*/true));  // no file yet: trains
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  EXPECT_TRUE(trained->trained);
  ASSERT_TRUE(fs::exists(path));
  auto reloaded = load_or_train_supernet(space, train_set, tiny_source(path, true));
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_FALSE(reloaded->trained);
  auto a = trained->net->named_parameters(), b = reloaded->net->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(at::equal(p.value(), b[p.key()])) << p.key();
  // Another space's supernet file is refused.
  auto other = space::parse_space(std::string(kTinySpace).replace(std::string(kTinySpace).find("[8, 12]"), 7, "[8, 16]"), "other", {});
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto refused = load_or_train_supernet(*other, train_set, tiny_source(path, true));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(path), std::string::npos) << refused.error().message;
}

// An experiment on the tiny space by hand: the ethos-u55-256 simulator as the cheap evaluator.
search::Experiment tiny_experiment(search::Strategy strategy, uint64_t seed) {
  search::Experiment e;
  e.config.source = "tiny.yaml";
  e.config.strategy = strategy;
  e.config.seed = seed;
  e.config.trials = 6;
  e.config.use_training = true;
  e.config.algorithm = {.name = "evolution", .population = 4, .sample = 2};
  e.config.cost_model.objectives = {{"accuracy", search::Direction::Maximize}};
  e.config.cost_model.budgets = {{"memory_bytes", 1e9}};
  e.space = std::make_unique<space::SearchSpace>(tiny_space());
  auto target = hw::make_target("ethos-u55-256");
  EXPECT_TRUE(target.ok());
  e.evaluator = std::make_unique<search::HardwareEvaluator>(std::move(*target));
  e.cheap_evaluator = e.evaluator.get();
  auto algorithm = search::make_algorithm(e.config.algorithm, *e.space);
  e.algorithm = std::move(*algorithm);
  return e;
}

struct SupernetRun {
  std::vector<std::string> keys;
  std::string best;
  double accuracy = 0;
};

SupernetRun run_supernet_strategy(uint64_t seed) {
  const TensorSet train_set = banded_set(48, 1), validation = banded_set(20, 2), held_out = banded_set(20, 4);
  search::Experiment e = tiny_experiment(search::Strategy::Supernet, seed);
  auto loaded = load_or_train_supernet(*e.space, train_set, tiny_source("", false));
  EXPECT_TRUE(loaded.ok());
  InheritedAccuracyEvaluator inherited(loaded->net, train_set.slice(0, 16), validation, "tiny");
  FineTunedSubnetEvaluator fine_tuned(loaded->net, train_set.slice(0, 16), train_set, held_out, {.epochs = 1, .batch_size = 16});
  auto result = search::run_strategy(e, {.proxy = &inherited, .proxy_metric = kInheritedAccuracy, .final_evaluator = &fine_tuned},
                                     nullptr, nullptr);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  SupernetRun run;
  if (!result.ok() || !result->best()) return run;
  for (const auto& t : result->trials) run.keys.push_back(t.key);
  run.best = result->best()->key;
  run.accuracy = result->best()->metrics.at("accuracy");
  EXPECT_TRUE(result->best()->metrics.count("latency_us"));  // the cheap metrics merged in
  EXPECT_EQ(result->final_trials.size(), 1u);
  return run;
}

TEST(SupernetStrategy, RunsEndToEndAndIsDeterministicUnderASeed) {
  const SupernetRun a = run_supernet_strategy(7);
  ASSERT_FALSE(a.best.empty());
  EXPECT_EQ(a.keys.size(), 6u);
  const SupernetRun b = run_supernet_strategy(7);
  EXPECT_EQ(a.keys, b.keys);
  EXPECT_EQ(a.best, b.best);
  EXPECT_EQ(a.accuracy, b.accuracy);
}

TEST(SupernetStrategy, HybridWarmStartsFromTheSupernetsBestSubnets) {
  const TensorSet train_set = banded_set(48, 1), validation = banded_set(20, 2);
  search::Experiment e = tiny_experiment(search::Strategy::Hybrid, 2);
  e.config.hybrid.screen = "supernet";
  e.config.hybrid.pool = 2;
  // The multishot evaluator here is the simulator alone (no training in a unit test): least latency.
  e.config.cost_model.objectives = {{"latency_us", search::Direction::Minimize}};
  auto loaded = load_or_train_supernet(*e.space, train_set, tiny_source("", false));
  ASSERT_TRUE(loaded.ok());
  InheritedAccuracyEvaluator inherited(loaded->net, train_set.slice(0, 16), validation, "tiny");
  auto warm = search::best_by_proxy(e, inherited, kInheritedAccuracy, 2, 6);
  ASSERT_TRUE(warm.ok()) << warm.error().message;
  ASSERT_EQ(warm->size(), 2u);
  auto result = search::run_strategy(e, {.proxy = &inherited, .proxy_metric = kInheritedAccuracy, .warm_start = *warm}, nullptr, nullptr);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->trials.size(), 6u);
  EXPECT_EQ(result->trials[0].arch, search::format_arch((*warm)[0]));
  EXPECT_EQ(result->trials[1].arch, search::format_arch((*warm)[1]));
  EXPECT_EQ(result->screen.passed, 4 * 2);  // the 4 other trials: each the best of 2 by inherited accuracy
}

}  // namespace
}  // namespace hwnas::supernet
