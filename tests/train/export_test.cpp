// Tests of checkpoints and export: a checkpoint reloads to the same network; ONNX, YAML and TorchScript files load back.
#include "hwnas/train/export.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hwnas/onnx/onnx_export.h"
#include "hwnas/text/yaml_format.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/trainer.h"
#include "train_test_util.h"

namespace hwnas::train {
namespace {

std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("hwnas_export_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A trained tiny network (one short epoch), its checkpoint written to `checkpoint`.
TrainResult trained(const std::string& checkpoint) {
  testing::BandsDataset train_set(16, 3);
  auto task = make_task(data::Task::Classification, {.num_classes = 3});
  TrainOptions options;
  options.epochs = 1;
  options.batch_size = 8;
  options.checkpoint_path = checkpoint;
  options.mean = {0.3f};
  options.std = {0.25f};
  auto result = train_network(testing::tiny_classifier(3), **task, train_set, nullptr, options);
  EXPECT_TRUE(result) << result.error().message;
  return std::move(*result);
}

TEST(Checkpoint, LoadsBackTheTrainedNetwork) {
  const std::string checkpoint = temp_dir() + "/tiny.ckpt";
  TrainResult result = trained(checkpoint);
  auto loaded = load_checkpoint(checkpoint);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->graph == result.graph);
  EXPECT_EQ(loaded->info.task, "classification");
  EXPECT_EQ(loaded->info.num_classes, 3);
  EXPECT_EQ(loaded->info.step, 2);
  EXPECT_EQ(loaded->info.mean, std::vector<float>{0.3f});
  EXPECT_EQ(loaded->info.std, std::vector<float>{0.25f});
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::rand({2, 1, 8, 8});
  EXPECT_TRUE(torch::equal(loaded->module->forward(x), result.module->forward(x)));
}

TEST(Checkpoint, BadFilesGiveErrorsNamingThem) {
  const std::string missing = temp_dir() + "/missing.ckpt";
  auto none = load_checkpoint(missing);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find(missing), std::string::npos);
  const std::string garbage = temp_dir() + "/garbage.ckpt";
  std::ofstream(garbage) << "garbage";
  auto bad = load_checkpoint(garbage);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(garbage), std::string::npos) << bad.error().message;
}

TEST(Export, WritesOnnxYamlAndTorchScriptThatLoadBack) {
  const std::string dir = temp_dir() + "/export";
  TrainResult result = trained(temp_dir() + "/export.ckpt");
  auto files = export_trained(result.graph, result.module, dir);
  ASSERT_TRUE(files) << files.error().message;

  std::ifstream onnx_file(files->onnx, std::ios::binary);
  std::stringstream bytes;
  bytes << onnx_file.rdbuf();
  EXPECT_TRUE(onnx_io::check_onnx(bytes.str(), files->onnx));
  EXPECT_NE(bytes.str().find("conv1.weight"), std::string::npos);  // weights are initializers

  auto yaml = text::load_yaml(files->yaml);
  ASSERT_TRUE(yaml) << yaml.error().message;
  EXPECT_TRUE(*yaml == result.graph);

  torch::jit::Module script = torch::jit::load(files->torchscript);
  script.eval();
  torch::NoGradGuard no_grad;
  // The trace ran at the graph's batch size (1); the module takes any batch size.
  for (int64_t batch : {1, 3}) {
    torch::Tensor x = torch::rand({batch, 1, 8, 8});
    torch::Tensor expected = result.module->forward(x);
    torch::Tensor got = script.forward({x}).toTensor();
    ASSERT_EQ(got.sizes(), expected.sizes()) << "batch " << batch;
    EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-6)) << "batch " << batch;
  }
  std::filesystem::remove_all(temp_dir());
}

}  // namespace
}  // namespace hwnas::train
