// `hwnas search` with strategy: zero-shot, supernet and hybrid on a tiny Fashion-MNIST space, run in process; config errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "../cli/in_process.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_search}, args); }

// 16 x 16 grey inputs, two small stages: networks that train in milliseconds.
constexpr const char* kTinySpace = R"yaml(name: tiny_fashion
kind: macro
input: {channels: 1, resolution: [16]}
depth_multiplier: [0.5, 1.0]
activation: relu
stem: {channels: [8, 16], stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1, 2], channels: [8, 16], stride: 1}
  - {block: [ibn, fused_ibn], kernel: [3], expansion: [3], depth: [1, 2], channels: [16, 24], stride: 2}
head: {type: classification, classes: 10}
)yaml";

class StrategyCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hwnas-strategy-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(path("tiny.yaml")) << kTinySpace;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // A config over the tiny space: the simulator's metrics, training on 120 Fashion-MNIST images.
  std::string write_config(const std::string& name, const std::string& strategy_yaml) const {
    std::ofstream config(path(name + ".yaml"));
    config << "space: tiny.yaml\ntarget: ethos-u55-256\nevaluators: [hardware, training]\n"
              "training: {data: fashion-mnist, epochs: 1, data_fraction: 0.002, batch_size: 32, held_out_examples: 50, threads: 1}\n"
              "objectives: [{metric: accuracy, direction: maximize}]\nbudgets: {memory_bytes: 1000000}\n"
              "algorithm: {name: evolution, population: 4, sample: 2}\ntrials: 6\nseed: 1\n"
           << strategy_yaml << "store: " << path(name + ".db") << "\noutput: " << path(name + "-out") << "\n";
    return path(name + ".yaml");
  }
  fs::path dir_;
};

TEST_F(StrategyCommand, ConfigErrorsNameTheFileLineAndField) {
  const std::string typo = write_config("typo", "strategy: zero-shot\nzero_shot: {proxy: snp}\n");
  RunResult result = run({"search", typo});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find(typo + ":11: zero_shot.proxy: unknown value 'snp'; did you mean 'snip'?"), std::string::npos) << result.err;
  const std::string strategy = write_config("strategy", "strategy: superbet\n");
  RunResult unknown = run({"search", strategy});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find(strategy + ":10: strategy: unknown strategy 'superbet'; did you mean 'supernet'?"), std::string::npos)
      << unknown.err;
}

#ifdef HWNAS_WITH_TORCH

TEST_F(StrategyCommand, ZeroShotRanksByTheProxyThenTrainsItsTopK) {
  const std::string config = write_config("z", "strategy: zero-shot\nzero_shot: {proxy: synflow, batch_size: 8, top_k: 2}\n");
  RunResult first = run({"search", config, "--quiet"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("strategy zero-shot"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("6 trials (0 resumed"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("ranked by synflow under the budgets; the best 2 evaluated at full fidelity (trained)"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("best trials (final evaluations):"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(path("z-out/best.yaml")));
  RunResult final_trials = run({"trials", "export", path("z.db.final.db"), "--format", "json"});
  ASSERT_EQ(final_trials.status, 0) << final_trials.err;
  auto parsed = nlohmann::json::parse(final_trials.out);
  ASSERT_EQ(parsed["trials"].size(), 2u);
  EXPECT_TRUE(parsed["trials"][0]["metrics"].contains("accuracy"));
  EXPECT_TRUE(parsed["trials"][0]["metrics"].contains("latency_us"));
  RunResult search_trials = run({"trials", "export", path("z.db"), "--format", "json"});
  auto searched = nlohmann::json::parse(search_trials.out);
  ASSERT_EQ(searched["trials"].size(), 6u);
  EXPECT_TRUE(searched["trials"][0]["metrics"].contains("synflow"));
  EXPECT_FALSE(searched["trials"][0]["metrics"].contains("accuracy"));  // nothing trained while searching
  // Resume replays both stores.
  RunResult resumed = run({"search", config, "--quiet", "--resume"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("6 trials (8 resumed"), std::string::npos) << resumed.out;
}

// The trained accuracy is shown beside the hardware metrics when it is not an objective.
TEST_F(StrategyCommand, TheTrainedAccuracyIsShownWhenLatencyIsTheObjective) {
  std::string text;
  {
    std::ifstream in(write_config("lat", "trials: 2\n"));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  text.replace(text.find("objectives: [{metric: accuracy, direction: maximize}]"), 53, "objectives: [latency_us]");
  text.replace(text.find("trials: 6\n"), 10, "");
  std::ofstream(path("lat.yaml")) << text;
  RunResult result = run({"search", path("lat.yaml"), "--quiet"});
  ASSERT_EQ(result.status, 0) << result.err << text;
  const size_t table = result.out.find("best trials:");
  ASSERT_NE(table, std::string::npos) << result.out;
  EXPECT_NE(result.out.find("accuracy", table), std::string::npos) << result.out;
  RunResult list = run({"trials", "list", path("lat.db")});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("accuracy"), std::string::npos) << list.out;
}

TEST_F(StrategyCommand, HybridScreensTheFirstRungByAZeroShotProxy) {
  const std::string config =
      write_config("h", "strategy: hybrid\nzero_shot: {proxy: naswot, batch_size: 8}\nhybrid: {screen: zero-shot, pool: 2}\n"
                        "multi_fidelity: {candidates: 3, eta: 3, min_fidelity: 0.34}\n");
  RunResult result = run({"search", config, "--quiet"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("strategy hybrid"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("rung 1: 3 candidates at fidelity 0.340"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("screen: 6 of "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ranked by naswot (6 scored"), std::string::npos) << result.out;
}

TEST_F(StrategyCommand, SupernetTrainsOnceThenFineTunesItsBestSubnet) {
  const std::string config = write_config(
      "s", "strategy: supernet\nsupernet: {epochs: 1, batch_size: 16, train_examples: 64, calibration_examples: 32, "
           "validation_examples: 32, fine_tune_epochs: 1}\n");
  RunResult first = run({"search", config, "--quiet"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("supernet: trained (sandwich, 4 steps"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(path("s.db.supernet.pt")));
  EXPECT_NE(first.out.find("ranked by inherited_accuracy under the budgets; the best 1 evaluated at full fidelity (extracted, fine-tuned 1 epochs)"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("fine-tuned network (weights): "), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(path("s-out/best_fine_tuned.onnx")));
  RunResult resumed = run({"search", config, "--quiet", "--resume"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("supernet: loaded from " + path("s.db.supernet.pt")), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("6 trials (7 resumed"), std::string::npos) << resumed.out;
  // A space the supernet cannot hold (squeeze-excite) is an error naming the config.
  std::ofstream(path("tiny.yaml")) << std::string(kTinySpace).replace(std::string(kTinySpace).find("stride: 2}\nhead"), 10,
                                                                     "stride: 2, squeeze_excite: true}");
  const std::string se = write_config("se", "strategy: supernet\nsupernet: {train_examples: 64, calibration_examples: 32, validation_examples: 32}\n");
  RunResult refused = run({"search", se, "--quiet"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find(se + ": supernet: "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("squeeze"), std::string::npos) << refused.err;
}

#else

TEST_F(StrategyCommand, StrategiesThatNeedLibtorchSaySo) {
  RunResult result = run({"search", write_config("z", "strategy: zero-shot\n")});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("needs hwnas built with libtorch"), std::string::npos) << result.err;
}

#endif

}  // namespace
}  // namespace hwnas::cli
