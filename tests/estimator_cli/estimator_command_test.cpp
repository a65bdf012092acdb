// `hwnas estimator build|fit|eval` and `hwnas estimate` run in process: a tiny build on a simulator preset, fit, eval, estimate, errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "../cli/in_process.h"
#include "hwnas/estimator/measurement_csv.h"
#include "hwnas/estimator/model_file.h"
#include "hwnas/estimator/sampling.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_estimator}, args); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One tiny estimator of htp-like (10 sampled networks and the zoo, no adaptive round, one
// member), built once for the suite by `hwnas estimator build`.
class EstimatorCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("hwnas-estimator-cli-" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    build_ = new RunResult(run({"estimator", "build", "--target", "htp-like", "--samples", "10", "--rounds", "0",
                                "--ensemble", "1", "-o", path("htp.estimator.json"), "--save-measurements",
                                path("htp.csv")}));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete build_;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static void write(const std::string& name, const std::string& text) { std::ofstream(path(name)) << text; }

  static fs::path* dir_;
  static RunResult* build_;
};
fs::path* EstimatorCommand::dir_ = nullptr;
RunResult* EstimatorCommand::build_ = nullptr;

TEST_F(EstimatorCommand, BuildWritesTheEstimatorAndItsMeasurements) {
  ASSERT_EQ(build_->status, 0) << build_->err;
  EXPECT_TRUE(contains(build_->out, "target htp-like [simulator], kernels by fusion rules ")) << build_->out;
  const size_t prior = 10 + estimator::zoo_sources().size();  // 10 sampled, the zoo at its default widths
  EXPECT_TRUE(contains(build_->out, "prior: " + std::to_string(prior) + " networks measured")) << build_->out;
  EXPECT_TRUE(contains(build_->out, "wrote " + path("htp.estimator.json"))) << build_->out;
  EXPECT_TRUE(contains(build_->err, "prior: measur")) << "the progress line: " << build_->err;
  auto saved = estimator::load_estimator(path("htp.estimator.json"));
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->metadata().target.name, "htp-like");
  EXPECT_EQ(saved->regressors().latency.members.size(), 1u);
  auto csv = estimator::load_measurements_csv(path("htp.csv"));
  ASSERT_TRUE(csv) << csv.error().message;
  EXPECT_EQ(csv->target, "htp-like");
  EXPECT_EQ(csv->networks.size(), 0u) << "a simulator's kernels are exact: no network rows";
  EXPECT_EQ(static_cast<int64_t>(csv->kernels.size()), saved->metadata().training.kernel_rows);
}

TEST_F(EstimatorCommand, FitFromTheSavedCsvPredictsAsTheBuild) {
  ASSERT_EQ(build_->status, 0) << build_->err;
  RunResult fit = run({"estimator", "fit", "--measurements", path("htp.csv"), "--target", "htp-like", "--ensemble",
                       "1", "-o", path("fit.estimator.json")});
  ASSERT_EQ(fit.status, 0) << fit.err;
  EXPECT_TRUE(contains(fit.out, "trained from ")) << fit.out;
  auto built = estimator::load_estimator(path("htp.estimator.json"));
  auto fitted = estimator::load_estimator(path("fit.estimator.json"));
  ASSERT_TRUE(built && fitted);
  EXPECT_EQ(fitted->metadata().target.spec_fingerprint, built->metadata().target.spec_fingerprint);
  // The same rows (through the CSV), options and seed: about the same trees.
  auto graph = zoo::build_model("mobilenet_v2");
  ASSERT_TRUE(graph);
  const double built_us = built->predict(*graph).latency_us;
  EXPECT_NEAR(fitted->predict(*graph).latency_us, built_us, 0.01 * built_us);
}

TEST_F(EstimatorCommand, FitsAUsersDeviceCsv) {
  RunResult fit = run({"estimator", "fit", "--measurements", HWNAS_TEST_DATA "/estimator/user-device.csv",
                       "--channel-multiple", "16", "--ensemble", "1", "-o", path("npu.estimator.json")});
  ASSERT_EQ(fit.status, 0) << fit.err;
  auto fitted = estimator::load_estimator(path("npu.estimator.json"));
  ASSERT_TRUE(fitted) << fitted.error().message;
  EXPECT_EQ(fitted->metadata().target.name, "my-npu");
  EXPECT_EQ(fitted->metadata().target.channel_multiple, 16);
}

TEST_F(EstimatorCommand, EvalReportsTheEstimatorBesideFlops) {
  ASSERT_EQ(build_->status, 0) << build_->err;
  RunResult eval = run({"estimator", "eval", "--estimator", path("htp.estimator.json"), "--target", "htp-like",
                        "--networks", "6", "--no-zoo", "--json"});
  ASSERT_EQ(eval.status, 0) << eval.err;
  const Json j = Json::parse(eval.out);
  EXPECT_EQ(j["target"], "htp-like");
  EXPECT_EQ(j["networks"], 6);
  for (const char* predictor : {"estimator", "flops_scaled"}) {
    const double within_10 = j[predictor]["within_10"];
    EXPECT_GE(within_10, 0.0);
    EXPECT_LE(within_10, 1.0);
    EXPECT_LE(j[predictor]["within_5"].get<double>(), within_10);
  }
  RunResult table = run({"estimator", "eval", "--estimator", path("htp.estimator.json"), "--target", "htp-like",
                         "--networks", "3", "--no-zoo"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "3 networks (3 sampled, seed 12345)")) << table.out;
  EXPECT_TRUE(contains(table.out, "FLOPs x best scale")) << table.out;
}

TEST_F(EstimatorCommand, EstimateAZooModel) {
  ASSERT_EQ(build_->status, 0) << build_->err;
  RunResult json = run({"estimate", "--estimator", path("htp.estimator.json"), "mobilenet_v2", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const Json j = Json::parse(json.out);
  EXPECT_EQ(j["target"], "htp-like");
  EXPECT_GT(j["peak_activation_bytes"].get<int64_t>(), 0);
  ASSERT_FALSE(j["kernels"].empty());
  double sum = 0;
  for (const Json& k : j["kernels"]) sum += k["latency_us"].get<double>();
  EXPECT_NEAR(sum, j["latency_us"].get<double>(), 1e-6 * sum);
  auto loaded = estimator::load_estimator(path("htp.estimator.json"));
  auto graph = zoo::build_model("mobilenet_v2");
  ASSERT_TRUE(loaded && graph);
  EXPECT_DOUBLE_EQ(j["latency_us"].get<double>(), loaded->predict(*graph).latency_us);
  EXPECT_EQ(j["params"].get<int64_t>(), loaded->predict(*graph).params);
  EXPECT_GT(j["params"].get<int64_t>(), 3000000) << "MobileNetV2 has about 3.5 M";

  RunResult text = run({"estimate", "--estimator", path("htp.estimator.json"), "mobilenet_v2"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "on htp-like, estimated by")) << text.out;
  EXPECT_TRUE(contains(text.out, "latency: ")) << text.out;
  EXPECT_TRUE(contains(text.out, "params: ")) << text.out;
}

TEST_F(EstimatorCommand, MissingFilesAreNamed) {
  RunResult estimate = run({"estimate", "--estimator", path("nowhere.json"), "mobilenet_v2"});
  EXPECT_EQ(estimate.status, 1);
  EXPECT_TRUE(contains(estimate.err, path("nowhere.json"))) << estimate.err;
  RunResult fit = run({"estimator", "fit", "--measurements", path("nowhere.csv")});
  EXPECT_EQ(fit.status, 1);
  EXPECT_TRUE(contains(fit.err, path("nowhere.csv"))) << fit.err;
  RunResult model = run({"estimate", "--estimator", path("htp.estimator.json"), "mobilenet_v9"});
  EXPECT_EQ(model.status, 1);
  EXPECT_TRUE(contains(model.err, "unknown model 'mobilenet_v9'")) << model.err;
}

TEST_F(EstimatorCommand, AnEstimatorOfAnotherTargetIsRefused) {
  ASSERT_EQ(build_->status, 0) << build_->err;
  RunResult eval = run({"estimator", "eval", "--estimator", path("htp.estimator.json"), "--target", "ethos-u55-256",
                        "--networks", "2", "--no-zoo"});
  EXPECT_EQ(eval.status, 1);
  EXPECT_TRUE(contains(eval.err, path("htp.estimator.json") +
                                     ": the estimator was built for target 'htp-like', not 'ethos-u55-256'; build one "
                                     "for 'ethos-u55-256' with: hwnas estimator build --target ethos-u55-256"))
      << eval.err;
  RunResult fit = run({"estimator", "fit", "--measurements", HWNAS_TEST_DATA "/estimator/user-device.csv", "--target",
                       "htp-like"});
  EXPECT_EQ(fit.status, 1);
  EXPECT_TRUE(contains(fit.err, "measured on target 'my-npu', not on --target 'htp-like'")) << fit.err;
}

TEST_F(EstimatorCommand, ABadCsvLineIsNamed) {
  std::ifstream good(HWNAS_TEST_DATA "/estimator/user-device.csv");
  std::string text((std::istreambuf_iterator<char>(good)), std::istreambuf_iterator<char>());
  // Line 6 is the second kernel row: its in_c (column 8) becomes "abc".
  const std::string row = "my-npu,kernel,,depthwise_conv2d+batch_norm+relu6,1,56,56,144,";
  const size_t at = text.find(row);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'), 5);
  text.replace(at + row.size() - 4, 3, "abc");
  write("bad.csv", text);
  RunResult fit = run({"estimator", "fit", "--measurements", path("bad.csv"), "--channel-multiple", "16"});
  EXPECT_EQ(fit.status, 1);
  EXPECT_TRUE(contains(fit.err, path("bad.csv") + ":6: column 8 'in_c': 'abc' is not a number")) << fit.err;
}

TEST_F(EstimatorCommand, UsageErrors) {
  RunResult fusion = run({"estimator", "fit", "--measurements", HWNAS_TEST_DATA "/estimator/user-device.csv",
                          "--fusion", "batch_norm,telepathy"});
  EXPECT_EQ(fusion.status, 2);
  EXPECT_TRUE(contains(fusion.err, "--fusion")) << fusion.err;
  RunResult no_target = run({"estimator", "build"});
  EXPECT_EQ(no_target.status, 2);
  EXPECT_TRUE(contains(no_target.err, "--target")) << no_target.err;
  RunResult unknown = run({"estimator", "build", "--target", "no-such-npu"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(contains(unknown.err, "no-such-npu")) << unknown.err;
}

}  // namespace
}  // namespace hwnas::cli
