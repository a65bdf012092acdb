// `hwnas search` reports what happened: failures fail with their errors, --json for scripts,
// custom spaces without a target, accuracy to two decimals, and the worked custom-space example.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "../cli/in_process.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_search}, args); }

class TrustworthySearch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hwnas-trust-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // A custom space of widths (index 0 the widest) and a config over `command`.
  std::string config(const std::string& command, const std::string& extra = "") const {
    {
      std::ofstream space(path("widths.yaml"));
      space << "name: widths\nkind: custom\ndecisions:\n  - {name: width, choices: [64, 32, 16, 8]}\n"
               "  - {name: op, choices: [conv, skip, pool]}\n";
    }
    const std::string file = path("search.yaml");
    std::ofstream out(file);
    out << "space: widths.yaml\nevaluators: [{command: \"" << command << "\", required: [accuracy]}]\n"
        << "algorithm: random\ntrials: 8\nseed: 3\nstore: " << path("s.db") << "\noutput: " << path("out") << "\n"
        << extra;
    return file;
  }
  fs::path dir_;
};

// Reads the width from the {arch} file; accuracy 0.875 at width 16, the latency is the width.
constexpr const char* kWidthCommand =
    "w=$(sed -n 's/^  width: //p' {arch}); a=$(( w == 16 ? 875 : 500 )); "
    "printf '{\\\"accuracy\\\": 0.%s, \\\"latency_us\\\": %s}' $a $w";

TEST_F(TrustworthySearch, EveryTrialFailedExitsNonZeroWithTheErrorsCounted) {
  RunResult r = run({"search", config("echo '{\\\"accuracy\\\": 87}'", "objectives: [accuracy]\n"), "--quiet"});
  EXPECT_EQ(r.status, 1) << r.out;  // exited 0 with "no architecture met the budgets" before
  EXPECT_NE(r.err.find("hwnas: error: every one of the 8 trials failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("8 x (first: trial 0): command"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'accuracy' must be a fraction in [0, 1], got 87 (a percentage?"), std::string::npos) << r.err;
  RunResult list = run({"trials", "list", path("s.db")});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("error"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("failed"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("must be a fraction in [0, 1], got 87"), std::string::npos) << list.out;
}

TEST_F(TrustworthySearch, NoFeasibleArchitectureExitsNonZero) {
  RunResult r = run({"search", config(kWidthCommand, "objectives: [accuracy]\nbudgets: {latency_us: 4}\n"), "--quiet"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.err.find("no architecture met the budgets (8 trials evaluated"), std::string::npos) << r.err;
}

TEST_F(TrustworthySearch, ACustomSpaceBudgetMetAwayFromIndexZeroIsSearched) {
  // The widest width (index 0) is over the budget; 16 and 8 are within: nothing is refused up front.
  RunResult r = run({"search", config(kWidthCommand, "objectives: [{metric: accuracy}]\nbudgets: {latency_us: 20}\n"), "--json", "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);  // --json: stdout is the summary alone
  EXPECT_EQ(j["objectives"][0]["direction"], "maximize");  // [{metric: accuracy}] minimised before
  EXPECT_EQ(j["counts"]["trials"], 8);
  EXPECT_EQ(j["counts"]["failed"], 0);
  ASSERT_TRUE(j["best"].is_object());
  EXPECT_EQ(j["best"]["metrics"]["latency_us"], 16);
  EXPECT_EQ(j["best"]["metrics"]["accuracy"], 0.875);
  EXPECT_FALSE(j.contains("hypervolume"));  // single objective
}

TEST_F(TrustworthySearch, TheHeaderSaysEachDirectionAndACustomSpaceHasNoTarget) {
  RunResult r = run({"search", config(kWidthCommand, "objectives: [accuracy, {metric: latency_us}]\n")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("objectives: accuracy (maximize) latency_us (minimize)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("architectures, custom)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("channels curated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("87.50%"), std::string::npos) << r.out;  // two decimals
  RunResult json = run({"trials", "export", path("s.db"), "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["meta"]["target"], "none");
  EXPECT_EQ(j["meta"]["objectives"], "accuracy:max,latency_us:min");
  // seeds by hash of (search seed, trial id): no two trials share one
  std::set<uint64_t> seeds;
  for (const auto& t : j["trials"]) seeds.insert(t["seed"].get<uint64_t>());
  EXPECT_EQ(seeds.size(), j["trials"].size());
  fs::remove(path("s.db"));
  RunResult targeted = run({"search", config(kWidthCommand, "objectives: [accuracy]\ntarget: ethos-u55-256\n")});
  EXPECT_EQ(targeted.status, 1);
  EXPECT_NE(targeted.err.find("target: set, but space 'widths' is custom"), std::string::npos) << targeted.err;
}

TEST_F(TrustworthySearch, MultiObjectiveJsonHasTheFrontAndItsHypervolume) {
  RunResult r = run({"search", config(kWidthCommand, "objectives: [accuracy, latency_us]\n"), "--json", "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("hypervolume"));
  EXPECT_GT(j["hypervolume"].get<double>(), 0.0);
  EXPECT_EQ(j["hypervolume_reference"].size(), 2u);
  EXPECT_GE(j["front"].size(), 1u);
  for (const auto& t : j["front"]) EXPECT_TRUE(t["metrics"].contains("latency_us"));
}

TEST_F(TrustworthySearch, TheWorkedCustomSpaceExampleRuns) {
  const std::string example = std::string(HWNAS_SOURCE_DIR) + "/docs/examples/custom-space/search.yaml";
  RunResult r = run({"search", example, "--store", path("knobs.db"), "--output", path("knobs-out"), "--json", "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["counts"]["failed"], 0) << j["errors"].dump();
  EXPECT_EQ(j["objectives"][1]["direction"], "minimize");
  ASSERT_TRUE(j["best"].is_object());
  EXPECT_LE(j["best"]["metrics"]["params"].get<double>(), 5000);
  // softmax regression on Fashion-MNIST: well above chance (10 %), below a CNN's 90 %
  EXPECT_GT(j["best"]["metrics"]["accuracy"].get<double>(), 0.6);
  EXPECT_LT(j["best"]["metrics"]["accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(fs::exists(path("knobs-out/best_arch.yaml")));
}

}  // namespace
}  // namespace hwnas::cli
