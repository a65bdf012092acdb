// `hwnas search` and `hwnas trials` run in process: a short default search, resume, the trial listings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "../cli/in_process.h"
#include "hwnas/search/store.h"
#include "hwnas/space/derive.h"
#include "hwnas/text/yaml_format.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_search}, args); }

class SearchCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hwnas-search-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// A space derived from a network with parts the matcher does not recognise (the zoo's LR-ASPP
// MobileNetV3: dilated blocks kept fixed; the other stages and the head's width searched) is
// searched like any other: the trials decode, and the baseline, given as the model, is compared.
TEST_F(SearchCommand, ASpaceWithFixedPartsIsSearchedAroundItsBaseline) {
  auto net = zoo::build_model("mobilenet_v3_large_lraspp", {.resolution = 64, .num_classes = 5});
  ASSERT_TRUE(net.ok()) << net.error().message;
  ASSERT_TRUE(text::save_yaml(*net, path("lraspp.yaml")).ok());
  auto derived = space::derive_space(*net, {.channel_multiple = 32, .name = "lraspp_derived"});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  ASSERT_FALSE(derived->fixed_parts.empty());
  std::ofstream(path("space.yaml")) << derived->yaml;
  std::ofstream(path("search.yaml")) << "space: space.yaml\ntarget: ethos-u55-256\nevaluators: [hardware]\n"
                                        "objectives: [latency_us]\nbaseline: {model: lraspp.yaml}\n"
                                        "algorithm: {name: evolution, population: 4, sample: 2}\ntrials: 8\nseed: 3\n";
  RunResult r = run({"search", path("search.yaml"), "--store", path("fixed.db"), "--output", path("fixed-out")});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("8 trials (0 resumed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("baseline: lraspp_derived"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best vs baseline"), std::string::npos) << r.out;
  auto store = search::ExperimentStore::open(path("fixed.db"), search::ExperimentStore::Access::ReadOnly);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto trials = store->trials();
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 8u);
  for (const search::TrialRecord& t : *trials) EXPECT_EQ(t.status, "done") << t.key << ": " << t.error;
  EXPECT_TRUE(fs::exists(path("fixed-out") + "/best.onnx"));
}

TEST_F(SearchCommand, DefaultSearchThenResumeThenTrials) {
  const std::string store = path("run.db"), output = path("out");
  RunResult first = run({"search", "u55-latency", "--trials", "25", "--store", store, "--output", output});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("space 'mobilenet_curated'"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("channels curated to P=32"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("25 trials (0 resumed"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("] 25/25 trials"), std::string::npos) << first.err;  // progress lines (not a terminal: one per tenth)
  EXPECT_NE(first.err.find(" best latency_us "), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("ETA"), std::string::npos) << first.err;
  const bool found_one = first.out.find("best trials:") != std::string::npos;
  if (found_one) {
    EXPECT_TRUE(fs::exists(output + "/best.onnx"));
    EXPECT_TRUE(fs::exists(output + "/best.yaml"));
    EXPECT_TRUE(fs::exists(output + "/best_arch.yaml"));
  }

  RunResult again = run({"search", "u55-latency", "--trials", "25", "--store", store, "--output", output});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;

  RunResult resumed = run({"search", "u55-latency", "--trials", "40", "--store", store, "--output", output, "--resume"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("40 trials (25 resumed"), std::string::npos) << resumed.out;

  RunResult list = run({"trials", "list", store});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("latency_us"), std::string::npos);
  EXPECT_NE(list.out.find("\n     39  "), std::string::npos) << list.out;  // the last trial's row
  RunResult best = run({"trials", "best", store});
  EXPECT_EQ(best.status, found_one ? 0 : 1) << best.err;
  RunResult pareto = run({"trials", "pareto", store});
  EXPECT_EQ(pareto.status, 0) << pareto.err;
  RunResult json = run({"trials", "export", store, "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["trials"].size(), 40u);
  EXPECT_EQ(parsed["meta"]["target"], "ethos-u55-256");
  EXPECT_EQ(parsed["meta"]["estimator_version"], "none");
  RunResult csv = run({"trials", "export", store});
  ASSERT_EQ(csv.status, 0);
  EXPECT_EQ(csv.out.rfind("id,status,feasible,cost,fidelity,seed,duration_s,", 0), 0u) << csv.out.substr(0, 200);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 41);
}

TEST_F(SearchCommand, MultiFidelityRunsSuccessiveHalving) {
  {
    std::ofstream config(path("halving.yaml"));
    config << "space: mobilenet_curated\nmulti_fidelity: {candidates: 9, eta: 3, min_fidelity: 0.25}\nobjectives: [latency_us]\nstore: " << path("h.db")
           << "\noutput: " << path("h-out") << "\n";
  }
  RunResult run_result = run({"search", path("halving.yaml"), "--quiet"});
  ASSERT_EQ(run_result.status, 0) << run_result.err;
  EXPECT_NE(run_result.out.find("successive halving of 9 candidates"), std::string::npos) << run_result.out;
  EXPECT_NE(run_result.out.find("rung 1: 9 candidates at fidelity 0.250"), std::string::npos) << run_result.out;
  EXPECT_NE(run_result.out.find("rung 2: 3 candidates at fidelity 0.750"), std::string::npos) << run_result.out;
  EXPECT_NE(run_result.out.find("rung 3: 1 candidates at fidelity 1.000"), std::string::npos) << run_result.out;
  RunResult json = run({"trials", "export", path("h.db"), "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed["trials"].size(), 13u);
  EXPECT_EQ(parsed["trials"][0]["fidelity"], 0.25);
  EXPECT_EQ(parsed["trials"][12]["fidelity"], 1.0);
  RunResult resumed = run({"search", path("halving.yaml"), "--quiet", "--resume"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("13 trials (13 resumed"), std::string::npos) << resumed.out;
}

TEST_F(SearchCommand, EstimatorOnlySearchSavesTheBestAsYamlAndOnnx) {
  const std::string estimator = std::string(HWNAS_TEST_DATA) + "/estimator/format-v1.estimator.json";  // ethos-u55-256
  {
    std::ofstream config(path("estimated.yaml"));
    config << "space: mobilenet_curated\ntarget: ethos-u55-256\nevaluators: [estimator]\nestimator: " << estimator
           << "\nbudgets: {memory_bytes: 4000000}\ntrials: 12\nobjectives: [latency_us]\nstore: " << path("e.db") << "\noutput: " << path("e-out") << "\n";
  }
  RunResult first = run({"search", path("estimated.yaml")});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("estimator:ethos-u55-256, evolution, 12 trials"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("estimator: " + estimator + " (loaded)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("12 trials (0 resumed, 0 invalid or failed"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("12/12 trials"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("best latency_us"), std::string::npos) << first.err;
  EXPECT_NE(first.out.find("best trials:"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(path("e-out/best.onnx")));
  EXPECT_TRUE(fs::exists(path("e-out/best.yaml")));
  EXPECT_TRUE(fs::exists(path("e-out/best_arch.yaml")));
  RunResult json = run({"trials", "export", path("e.db"), "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["meta"]["evaluator"], "estimator:ethos-u55-256");
  const std::string version = parsed["meta"]["estimator_version"];
  EXPECT_EQ(version.rfind("estimator:ethos-u55-256 spec=", 0), 0u) << version;
  EXPECT_TRUE(parsed["trials"][0]["metrics"].contains("latency_std_us"));
  RunResult resumed = run({"search", path("estimated.yaml"), "--trials", "15", "--resume", "--quiet"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("15 trials (12 resumed"), std::string::npos) << resumed.out;
  // a measured target has no estimator to build during a search
  {
    std::ofstream config(path("device.yaml"));
    config << "space: mobilenet_curated\ntarget: 'command:echo {onnx}'\nevaluators: [estimator]\nobjectives: [latency_us]\nestimator: " << path("none.json")
           << "\nstore: " << path("d.db") << "\n";
  }
  RunResult device = run({"search", path("device.yaml")});
  EXPECT_EQ(device.status, 1);
  EXPECT_NE(device.err.find("hwnas estimator build --target"), std::string::npos) << device.err;
}

TEST_F(SearchCommand, ErrorsAreReported) {
  RunResult missing = run({"search", path("nope.yaml")});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("hwnas: error: "), std::string::npos);
  RunResult no_store = run({"trials", "list", path("nope.db")});
  EXPECT_EQ(no_store.status, 1);
  EXPECT_NE(no_store.err.find("no such experiment store"), std::string::npos) << no_store.err;
  {
    std::ofstream config(path("impossible.yaml"));
    config << "space: mobilenet_curated\nbudgets: {memory_bytes: 1000}\nobjectives: [latency_us]\nstore: " << path("i.db") << "\n";
  }
  RunResult impossible = run({"search", path("impossible.yaml")});
  EXPECT_EQ(impossible.status, 1);
  EXPECT_NE(impossible.err.find("budget memory_bytes <= 1000 is out of reach in space 'mobilenet_curated'"), std::string::npos) << impossible.err;
  EXPECT_FALSE(fs::exists(path("i.db")));  // nothing recorded
  RunResult bad_action = run({"trials", "show", path("x.db")});
  EXPECT_EQ(bad_action.status, 2);
}

}  // namespace
}  // namespace hwnas::cli
