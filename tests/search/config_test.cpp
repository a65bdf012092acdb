// The search configuration file: the built-in default, field errors, fingerprints, experiments.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "hwnas/search/experiment.h"

namespace hwnas::search {
namespace {

TEST(SearchConfig, TheBuiltInDefaultTrainsOnFashionMnistAgainstTheBaseline) {
  auto config = parse_search_config(default_search_config_yaml(), "builtin:default");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->space, "fashion_mnist_curated");
  EXPECT_TRUE(config->use_estimator);
  EXPECT_TRUE(config->use_training);
  EXPECT_FALSE(config->hardware);
  EXPECT_EQ(config->training.data, "fashion-mnist");
  ASSERT_TRUE(config->baseline.has_value());
  EXPECT_EQ(config->baseline->space, "fashion_mnist_uncurated");
  ASSERT_TRUE(config->halving.has_value());
  EXPECT_EQ(config->halving->candidates, 27);
  // Without a training evaluator from the caller (libtorch), preparing it says what is missing.
  auto experiment = prepare_experiment(*config);
  ASSERT_FALSE(experiment.ok());
  EXPECT_NE(experiment.error().message.find("training needs hwnas built with libtorch"), std::string::npos)
      << experiment.error().message;
}

TEST(SearchConfig, TheBuiltInU55LatencyConfigParses) {
  auto config = parse_search_config(*builtin_search_config_yaml("u55-latency"), "builtin:u55-latency");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->space, "mobilenet_curated");
  EXPECT_EQ(config->target, "ethos-u55-256");
  EXPECT_EQ(config->algorithm.name, "evolution");
  EXPECT_EQ(config->trials, 200);
  ASSERT_EQ(config->cost_model.budgets.size(), 2u);
  EXPECT_EQ(config->cost_model.budgets[0].metric, "memory_bytes");
  EXPECT_EQ(config->cost_model.budgets[0].max, 2000000);
  EXPECT_EQ(config->cost_model.budgets[1].min, 100000000);
  EXPECT_TRUE(config->hardware);
}

TEST(SearchConfig, ErrorsNameLineAndField) {
  auto typo = parse_search_config("space: mobilenet_curated\nalgoritm: evolution\n", "s.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("s.yaml:2: algoritm: unknown field; did you mean 'algorithm'?"), std::string::npos)
      << typo.error().message;
  auto algorithm = parse_search_config("algorithm: {name: evolutoin}\n", "s.yaml");
  ASSERT_FALSE(algorithm.ok());
  EXPECT_NE(algorithm.error().message.find("did you mean 'evolution'"), std::string::npos) << algorithm.error().message;
  auto budget = parse_search_config("budgets: {latency_us: -3}\n", "s.yaml");
  ASSERT_FALSE(budget.ok());
  EXPECT_NE(budget.error().message.find("the max must be positive"), std::string::npos) << budget.error().message;
  auto evaluator = parse_search_config("evaluators: [hardwear]\n", "s.yaml");
  ASSERT_FALSE(evaluator.ok());
  EXPECT_NE(evaluator.error().message.find("did you mean 'hardware'"), std::string::npos) << evaluator.error().message;
  EXPECT_FALSE(parse_search_config("trials: 0\n", "s.yaml").ok());
  EXPECT_FALSE(parse_search_config("fidelity: 1.5\n", "s.yaml").ok());
  auto eta = parse_search_config("multi_fidelity: {eta: 1}\n", "s.yaml");
  ASSERT_FALSE(eta.ok());
  EXPECT_NE(eta.error().message.find("multi_fidelity.eta: must be in [2, 100]"), std::string::npos) << eta.error().message;
  auto halving = parse_search_config("multi_fidelity: {candidates: 27, eta: 3, min_fidelity: 0.1}\nobjectives: [latency_us]\n", "s.yaml");
  ASSERT_TRUE(halving.ok()) << halving.error().message;
  ASSERT_TRUE(halving->halving.has_value());
  EXPECT_EQ(halving->halving->candidates, 27);
}

TEST(SearchConfig, FullConfigWithRewardAndCommand) {
  auto config = parse_search_config(
      "space: mobilenet_uncurated\ntarget: ethos-u65-512\n"
      "evaluators: [hardware, {command: 'python3 train.py {onnx}', required: [accuracy], timeout_s: 60}]\n"
      "objectives: [accuracy, {metric: latency_us, direction: minimize}]\n"
      "reward: {target_latency_us: 5000, w: -0.07}\nalgorithm: {name: nsga2, population: 16}\n"
      "trials: 30\nseed: 4\nfidelity: 0.25\nstore: x.db\noutput: out\n",
      "full.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->commands.size(), 1u);
  EXPECT_EQ(config->commands[0].timeout_s, 60);
  EXPECT_EQ(config->cost_model.objectives[0].direction, Direction::Maximize);
  ASSERT_TRUE(config->cost_model.reward.has_value());
  EXPECT_EQ(config->cost_model.reward->target, 5000);
  EXPECT_EQ(config->algorithm.nsga_population, 16);
  EXPECT_EQ(config->fidelity, 0.25);
}

TEST(SearchConfig, FingerprintCoversResultsButNotLengthOrPaths) {
  auto a = parse_search_config("seed: 1\ntrials: 10\nstore: a.db\nobjectives: [latency_us]\n", "a");
  auto b = parse_search_config("seed: 1\ntrials: 99\nstore: b.db\nobjectives: [latency_us]\n", "b");
  auto c = parse_search_config("seed: 2\nobjectives: [latency_us]\n", "c");
  auto d = parse_search_config("seed: 1\nbudgets: {memory_bytes: 5}\nobjectives: [latency_us]\n", "d");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  EXPECT_NE(a->fingerprint(), c->fingerprint());
  EXPECT_NE(a->fingerprint(), d->fingerprint());
}

TEST(Experiment, PreparesSpaceCuratedForTheTargetAndChecksResume) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hwnas-experiment-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto config = parse_search_config(*builtin_search_config_yaml("u55-latency"), "builtin:u55-latency");
  ASSERT_TRUE(config.ok());
  config->store = (dir / "e.db").string();
  config->trials = 5;
  auto experiment = prepare_experiment(*config);
  ASSERT_TRUE(experiment.ok()) << experiment.error().message;
  EXPECT_EQ(experiment->channel_multiple, 32);  // Ethos-U55-256: IFM depth 32
  for (const auto& d : experiment->space->decisions()) {
    if (d.name.find("channels") == std::string::npos) continue;
    for (const auto& c : d.choices) EXPECT_EQ(static_cast<int64_t>(c.value) % 32, 0) << d.name;
  }
  EXPECT_EQ(experiment->meta.at("estimator_version"), "none");
  {
    auto store = open_store(*experiment, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto result = run_search(*experiment->space, *experiment->algorithm, *experiment->evaluator, config->cost_model, &*store,
                             experiment->search_options());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->trials.size(), 5u);
  }
  EXPECT_FALSE(open_store(*experiment, false).ok());  // exists: never overwritten
  EXPECT_TRUE(open_store(*experiment, true).ok());
  config->seed = 9;
  auto other = prepare_experiment(*config);
  ASSERT_TRUE(other.ok());
  auto refused = open_store(*other, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot resume"), std::string::npos) << refused.error().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hwnas::search
