// `hwnas quantize` and `hwnas compress` in process on a checkpoint trained for a few steps: their reports, the written files, and usage errors.
#ifdef HWNAS_WITH_TORCH
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "hwnas/train/checkpoint.h"
#include "in_process.h"

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) {
  return test_support::run_in_process({register_train, register_quantize, register_compress}, args);
}

// One checkpoint for the suite: MobileNetV2 x0.35 at 32 px trained 40 steps on Fashion-MNIST.
class CompressCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("hwnas-compress-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    checkpoint_ = (dir_ / "net.ckpt").string();
    RunResult trained = run({"train", "mobilenet_v2", "--width", "0.35", "--resolution", "32", "--classes", "10", "--epochs", "1",
                             "--max-steps", "40", "--batch-size", "32", "--lr", "0.05", "--threads", "2", "--checkpoint", checkpoint_,
                             "--quiet"});
    ASSERT_EQ(trained.status, 0) << trained.err;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
  static std::string checkpoint_;
};
fs::path CompressCommand::dir_;
std::string CompressCommand::checkpoint_;

double figure(const std::string& text, const std::string& pattern) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, std::regex(pattern))) << pattern << " in:\n" << text;
  return m.size() > 1 ? std::stod(m[1].str()) : -1.0;
}

TEST_F(CompressCommand, QuantizeReportsFp32Int8AndTheDrop) {
  const std::string onnx = (dir_ / "net.int8.onnx").string();
  RunResult r = run({"quantize", checkpoint_, "--calibration-batches", "2", "--threads", "2", "-o", onnx});
  ASSERT_EQ(r.status, 0) << r.err;
  const double fp32 = figure(r.out, R"(fp32: top1 ([0-9.]+) %)");
  const double int8 = figure(r.out, R"(int8 \(per_channel weights, minmax[^)]*\): top1 ([0-9.]+) %)");
  const double drop = figure(r.out, R"(drop (-?[0-9.]+) points)");
  EXPECT_NEAR(drop, fp32 - int8, 0.011);
  EXPECT_TRUE(fs::exists(onnx));
  RunResult bad = run({"quantize", checkpoint_, "--weights", "per_row"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("--weights"), std::string::npos) << bad.err;
}

TEST_F(CompressCommand, PruneAndClusterReportWhatTheyCut) {
  const std::string out = (dir_ / "compressed.ckpt").string();
  RunResult r = run({"compress", checkpoint_, "--prune", "0.5", "--channel-multiple", "8", "--cluster", "16", "--fine-tune-epochs", "1",
                     "--data-fraction", "0.02", "--threads", "2", "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("pruned 50 % of"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("clustered to 16 values per layer"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("after 1 epoch(s) of fine-tuning (lr 0.01, clusters kept)"), std::string::npos) << r.out;
  const double params_change = figure(r.out, R"(result: .*params [0-9]+ -> [0-9]+ \((-?[0-9.]+) %\))");
  const double bytes_change = figure(r.out, R"(weight bytes \([^)]*\) [0-9]+ -> [0-9]+ \((-?[0-9.]+) %\))");
  EXPECT_LT(params_change, -10.0);
  EXPECT_LT(bytes_change, -50.0) << "half the widths and 4-bit indices";
  // the written checkpoint is the compressed network, still clustered after fine-tuning
  auto loaded = train::load_checkpoint(out);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  for (const ir::Node& n : loaded->graph.nodes()) {
    if (n.kind != ir::OpKind::Conv2d && n.kind != ir::OpKind::Linear) continue;
    std::vector<float> values = n.params[0].data;
    std::sort(values.begin(), values.end());
    EXPECT_LE(std::unique(values.begin(), values.end()) - values.begin(), 16) << n.name;
  }
}

TEST_F(CompressCommand, UsageErrorsSayWhatIsWrong) {
  RunResult nothing = run({"compress", checkpoint_});
  EXPECT_EQ(nothing.status, 2);
  EXPECT_NE(nothing.err.find("give --prune RATIO, --cluster K or both"), std::string::npos) << nothing.err;
  RunResult criterion = run({"compress", checkpoint_, "--prune", "0.3", "--criterion", "l3"});
  EXPECT_EQ(criterion.status, 2);
  EXPECT_NE(criterion.err.find("unknown pruning criterion 'l3'"), std::string::npos) << criterion.err;
  RunResult ratio = run({"compress", checkpoint_, "--prune", "1.5"});
  EXPECT_EQ(ratio.status, 1);
  EXPECT_NE(ratio.err.find("outside [0, 1)"), std::string::npos) << ratio.err;
  RunResult centroids = run({"compress", checkpoint_, "--cluster", "1"});
  EXPECT_EQ(centroids.status, 1);
  EXPECT_NE(centroids.err.find("2 to 256"), std::string::npos) << centroids.err;
  RunResult missing = run({"compress", (dir_ / "none.ckpt").string(), "--cluster", "16"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("none.ckpt"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace hwnas::cli
#endif
