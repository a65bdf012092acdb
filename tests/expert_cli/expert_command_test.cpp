// `hwnas expert optimize|apply` with fine-tuning, run in process: a tiny trained model and a tiny
// image-folder data set, both accuracies reported, the fine-tuned model written with its
// weights, and the flag combinations that must be refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../cli/in_process.h"
#include "commands.h"
#include "hwnas/ir/builder.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/text/yaml_format.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#ifdef HWNAS_WITH_TORCH
#include "hwnas/torch/module.h"
#include "hwnas/train/checkpoint.h"
#endif

namespace hwnas::cli {
namespace {

namespace fs = std::filesystem;
using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_expert}, args); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// input [1, 1, 16, 16] -> stem 3x3/2 (width 8) -> IBN 8 -> 24 -> 8 with a residual -> pool -> linear(4).
// Widths 8 and 24 are no multiple of the ethos-u55-256's 16, so the optimiser has work to do.
ir::Graph tiny_model(int64_t width = 8) {
  ir::Graph graph("tiny_ibn");
  ir::Builder b(graph);
  ir::NodeId x = b.input(ir::Shape{1, 1, 16, 16});
  ir::NodeId stem = b.conv_bn_act(x, width, 3, 2, ir::OpKind::Relu6, 1, "stem");
  ir::NodeId e = b.conv_bn_act(stem, 24, 1, 1, ir::OpKind::Relu6, 1, "block.expand");
  ir::NodeId d = b.conv_bn_act(e, 24, 3, 1, ir::OpKind::Relu6, 24, "block.dw");
  ir::NodeId p = b.conv_bn_act(d, width, 1, 1, ir::OpKind::Input, 1, "block.project");
  ir::NodeId y = b.add(stem, p, "block.add");
  y = b.linear(b.flatten(b.global_avg_pool(y)), 4, true, "fc");
  EXPECT_TRUE(b.ok());
  (void)graph.set_outputs({y});
  return graph;
}

// An image folder DIR/train and DIR/val of 16 x 16 grey PNGs in 4 classes: class c lights rows
// 4c..4c+3, with a little deterministic noise (a small convnet learns it in a few steps).
void write_band_folder(const fs::path& dir, int train_per_class, int val_per_class) {
  for (bool train : {true, false}) {
    const int count = train ? train_per_class : val_per_class;
    for (int label = 0; label < 4; ++label) {
      const fs::path folder = dir / (train ? "train" : "val") / ("band" + std::to_string(label));
      fs::create_directories(folder);
      for (int i = 0; i < count; ++i) {
        std::vector<uint8_t> pixels;
        for (int y = 0; y < 16; ++y)
          for (int x = 0; x < 16; ++x)
            pixels.push_back(static_cast<uint8_t>((y / 4 == label ? 200 : 20) + (i * 7 + y * 13 + x * 5) % 23));
        const std::string file = (folder / (std::to_string(i) + ".png")).string();
        ASSERT_NE(stbi_write_png(file.c_str(), 16, 16, 1, pixels.data(), 16), 0) << file;
      }
    }
  }
}

class ExpertCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("hwnas-expert-cli-" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    write_band_folder(*dir_ / "bands", 20, 10);
    ir::Graph trained = tiny_model();
    reference::fill_random_weights(trained, 3);
    ASSERT_TRUE(text::save_yaml(trained, path("trained.yaml")).ok());
    ASSERT_TRUE(text::save_yaml(tiny_model(), path("structure.yaml")).ok());
    ASSERT_TRUE(text::save_yaml(tiny_model(12), path("wide.yaml")).ok());
    std::ofstream(path("align.rules.yaml")) << "version: 1\nrules:\n  - pattern: align_channels\n"
                                               "    params: {multiple: \"16\", round: \"up\", scope: \"model\"}\n";
    // One rule that adds work (a squeeze-excite), one that removes it (the residual block), one
    // that matches nothing (the tiny model has a single residual block, kept by keep=1).
    std::ofstream(path("judge.rules.yaml"))
        << "version: 1\nrules:\n  - pattern: add_squeeze_excite\n  - pattern: drop_block\n"
           "    where: {downsample: 2}\n  - pattern: drop_block\n    params: {keep: \"1\"}\n";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static std::vector<std::string> fine_tune_flags() {
    return {"--data", path("bands"), "--fine-tune-epochs", "1", "--fine-tune-batch", "8", "--threads", "1"};
  }
  static fs::path* dir_;
};
fs::path* ExpertCommand::dir_ = nullptr;

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(ExpertCommand, FineTuningFlagsWithoutEpochsAreAUsageError) {
  RunResult r = run({"expert", "optimize", path("trained.yaml"), "--target", "ethos-u55-256", "--weights", "--task",
                     "classification"});
  EXPECT_EQ(r.status, kExitUsage) << r.err;
  EXPECT_TRUE(contains(r.err, "--weights, --task are for fine-tuning the rewritten network: give --fine-tune-epochs N"))
      << r.err;
}

TEST_F(ExpertCommand, FineTuningNeedsTheOriginalsWeightsOnce) {
  RunResult none = run({"expert", "optimize", path("trained.yaml"), "--target", "ethos-u55-256",
                        "--fine-tune-epochs", "1"});
  EXPECT_EQ(none.status, kExitUsage);
  EXPECT_TRUE(contains(none.err, "give --checkpoint CKPT")) << none.err;
  RunResult both = run({"expert", "apply", path("align.rules.yaml"), path("trained.yaml"), "--checkpoint",
                        path("x.ckpt"), "--weights", "--fine-tune-epochs", "1"});
  EXPECT_EQ(both.status, kExitUsage);
  EXPECT_TRUE(contains(both.err, "--checkpoint CKPT or --weights, not both")) << both.err;
  RunResult zoo = run({"expert", "optimize", "mobilenet_v2", "--target", "ethos-u55-256", "--weights",
                       "--fine-tune-epochs", "1"});
  EXPECT_EQ(zoo.status, kExitUsage);
  EXPECT_TRUE(contains(zoo.err, "zoo models have no trained weights")) << zoo.err;
}

TEST_F(ExpertCommand, WithoutFineTuningTheReportSaysHow) {
  RunResult r = run({"expert", "apply", path("align.rules.yaml"), path("trained.yaml"), "--out", path("aligned")});
  ASSERT_EQ(r.status, kExitSuccess) << r.err;
  EXPECT_TRUE(contains(r.out, "accuracy: not measured")) << r.out;
  EXPECT_TRUE(contains(r.out, "--fine-tune-epochs N")) << r.out;
  EXPECT_TRUE(contains(r.out, "kept from MODEL")) << r.out;
  auto written = text::load_yaml(path("aligned.yaml"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_TRUE(written->has_weights());  // kept layers from MODEL, the widened ones fresh
  EXPECT_EQ(written->node(*written->find("block.expand")).shape[1], 32);
}

TEST_F(ExpertCommand, ApplyJudgedKeepsOnlyRulesThatLowerTheLatency) {
  RunResult r = run({"expert", "apply", path("judge.rules.yaml"), path("structure.yaml"), "--target", "ethos-u55-256",
                     "--judge", "--out", path("judged")});
  ASSERT_EQ(r.status, kExitSuccess) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "rules judged on ethos-u55-256: 1 of 3 kept")) << r.out;
  EXPECT_TRUE(contains(r.out, "dropped: does not lower the latency")) << r.out;
  EXPECT_TRUE(contains(r.out, "kept: lowers the latency")) << r.out;
  EXPECT_TRUE(contains(r.out, "dropped: no anchor matches")) << r.out;
  EXPECT_TRUE(contains(r.out, "downsample=2")) << r.out;
  EXPECT_TRUE(contains(r.out, "drop_block (keep=0) at block.add")) << r.out;  // the kept rewrite, logged
  // The written network is the judged one: the residual block is gone, no squeeze-excite added.
  auto written = text::load_yaml(path("judged.yaml"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_FALSE(written->find("block.add").has_value());
  for (const ir::Node& node : written->nodes()) EXPECT_NE(node.kind, ir::OpKind::Mul) << node.name;
  // Its log replays on the model.
  RunResult replayed = run({"expert", "replay", path("judged.rewrites.yaml"), path("structure.yaml")});
  EXPECT_EQ(replayed.status, kExitSuccess) << replayed.err;
  EXPECT_TRUE(contains(replayed.out, "replayed 1 rewrites")) << replayed.out;
  // Judging needs a target to judge by.
  RunResult no_target = run({"expert", "apply", path("judge.rules.yaml"), path("structure.yaml"), "--judge"});
  EXPECT_EQ(no_target.status, kExitUsage);
  EXPECT_TRUE(contains(no_target.err, "--judge keeps a rule only where it lowers the latency: give --target T"))
      << no_target.err;
}

#ifdef HWNAS_WITH_TORCH

TEST_F(ExpertCommand, OptimizeFineTunesAndReportsBothAccuracies) {
  RunResult r = run(std::vector<std::string>{"expert", "optimize", path("trained.yaml"), "--target", "ethos-u55-256",
                                             "--weights", "--out", path("optimized")} +
                    fine_tune_flags());
  ASSERT_EQ(r.status, kExitSuccess) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "original (weights of MODEL): held-out top1 ")) << r.out;
  EXPECT_TRUE(contains(r.out, "accuracy (held-out top1): original ")) << r.out;
  EXPECT_TRUE(contains(r.out, " after fine-tuning (1 epoch, 10 steps")) << r.out;  // 80 images, batch 8
  EXPECT_FALSE(contains(r.out, "accuracy: not measured")) << r.out;
  // The written model is the fine-tuned one: YAML with weights, and ONNX.
  auto written = text::load_yaml(path("optimized.yaml"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_TRUE(written->has_weights());
  EXPECT_TRUE(fs::exists(path("optimized.onnx")));
  EXPECT_TRUE(fs::exists(path("optimized.rewrites.yaml")));
}

TEST_F(ExpertCommand, ApplyFineTunesFromACheckpoint) {
  // A checkpoint of the trained model, as `hwnas train` writes it (weights only).
  auto trained = text::load_yaml(path("trained.yaml"));
  ASSERT_TRUE(trained.ok());
  auto module = libtorch::make_graph_module(*trained);
  ASSERT_TRUE(module.ok()) << module.error().message;
  train::CheckpointInfo info;
  info.graph_yaml = text::to_yaml(tiny_model());
  info.task = "classification";
  info.num_classes = 4;
  info.batch_size = 8;
  info.epochs = 1;
  info.optimizer = "sgd";
  ASSERT_TRUE(train::save_checkpoint(path("trained.ckpt"), info, *module, nullptr).ok());

  RunResult r = run(std::vector<std::string>{"expert", "apply", path("align.rules.yaml"), path("structure.yaml"),
                                             "--checkpoint", path("trained.ckpt"), "--fine-tune-steps", "3",
                                             "--out", path("applied")} +
                    fine_tune_flags());
  ASSERT_EQ(r.status, kExitSuccess) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "original (checkpoint " + path("trained.ckpt") + "): held-out top1 ")) << r.out;
  EXPECT_TRUE(contains(r.out, " after fine-tuning (1 epoch, 3 steps")) << r.out;
  // align_channels widened 8 and 24 to 16 and 32: only the unchanged tensors came from the checkpoint.
  EXPECT_TRUE(contains(r.out, "kept from the original; fresh: stem")) << r.out;
  auto written = text::load_yaml(path("applied.yaml"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_TRUE(written->has_weights());

  // A checkpoint of another network is refused, naming what differs.
  RunResult other = run(std::vector<std::string>{"expert", "apply", path("align.rules.yaml"), path("wide.yaml"),
                                                 "--checkpoint", path("trained.ckpt")} +
                        fine_tune_flags());
  EXPECT_EQ(other.status, kExitFailure);
  EXPECT_TRUE(contains(other.err, "holds the network 'tiny_ibn'")) << other.err;
}

TEST_F(ExpertCommand, FineTuningErrorsNameTheFileOrData) {
  RunResult no_weights = run(std::vector<std::string>{"expert", "optimize", path("structure.yaml"), "--target",
                                                      "ethos-u55-256", "--weights"} +
                             fine_tune_flags());
  EXPECT_EQ(no_weights.status, kExitFailure);
  EXPECT_TRUE(contains(no_weights.err, "carries no weights")) << no_weights.err;
  RunResult missing = run(std::vector<std::string>{"expert", "optimize", path("structure.yaml"), "--target",
                                                   "ethos-u55-256", "--checkpoint", path("missing.ckpt")} +
                          fine_tune_flags());
  EXPECT_EQ(missing.status, kExitFailure);
  EXPECT_TRUE(contains(missing.err, "missing.ckpt")) << missing.err;
  RunResult task = run(std::vector<std::string>{"expert", "optimize", path("trained.yaml"), "--target",
                                                "ethos-u55-256", "--weights", "--task", "segmentation"} +
                       fine_tune_flags());
  EXPECT_EQ(task.status, kExitFailure);
  EXPECT_TRUE(contains(task.err, "an image folder holds classification data")) << task.err;
}

#else

TEST_F(ExpertCommand, FineTuningWithoutLibtorchSaysSo) {
  RunResult r = run(std::vector<std::string>{"expert", "optimize", path("trained.yaml"), "--target", "ethos-u55-256",
                                             "--weights"} +
                    fine_tune_flags());
  EXPECT_EQ(r.status, kExitFailure);
  EXPECT_TRUE(contains(r.err, "built without libtorch")) << r.err;
}

#endif

}  // namespace
}  // namespace hwnas::cli
