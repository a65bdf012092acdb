// Tests of the trainer: learning a tiny problem, exact resume from a checkpoint, fidelity knobs, hooks, errors.
#include "hwnas/train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "hwnas/train/checkpoint.h"
#include "train_test_util.h"

namespace hwnas::train {
namespace {

using testing::BandsDataset;
using testing::tiny_classifier;

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hwnas_train_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TrainOptions small_options() {
  TrainOptions o;
  o.learning_rate = 0.1;
  o.epochs = 2;
  o.batch_size = 8;
  o.eval_batch_size = 16;
  o.warmup_epochs = 0.5;
  o.seed = 3;
  o.augment.horizontal_flip = true;
  return o;
}

std::unique_ptr<Task> classification(int64_t classes, double smoothing = 0.0) {
  auto task = make_task(data::Task::Classification, {.num_classes = classes, .label_smoothing = smoothing});
  EXPECT_TRUE(task) << task.error().message;
  return std::move(*task);
}

TEST(Trainer, LossDecreasesAndLearnsATinyProblem) {
  BandsDataset train_set(64, 4), test_set(32, 4);
  auto task = classification(4);
  TrainOptions options = small_options();
  options.epochs = 4;
  auto result = train_network(tiny_classifier(4), *task, train_set, &test_set, options);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->epochs.size(), 4u);
  EXPECT_EQ(result->steps, 4 * 64 / 8);
  EXPECT_LT(result->epochs.back().train_loss, 0.8 * result->epochs.front().train_loss);
  EXPECT_GT(result->eval_metric, 0.5);  // chance is 0.25
  EXPECT_EQ(result->eval_metric, result->epochs.back().eval_metric);
  EXPECT_TRUE(result->graph.has_weights());
}

// Resuming from a checkpoint written mid-epoch reproduces the uninterrupted run bit for bit.
void expect_exact_resume(OptimizerKind optimizer) {
  BandsDataset train_set(40, 4), test_set(16, 4);
  auto task = classification(4, 0.1);
  TrainOptions options = small_options();
  options.optimizer = optimizer;
  options.learning_rate = optimizer == OptimizerKind::Sgd ? 0.1 : 0.01;
  options.weight_decay = 1e-3;
  options.augment.crop_padding = 1;
  const ir::Graph graph = tiny_classifier(4);

  auto whole = train_network(graph, *task, train_set, &test_set, options);
  ASSERT_TRUE(whole) << whole.error().message;

  const std::string checkpoint = temp_path(std::string("resume_") + optimizer_name(optimizer) + ".ckpt");
  std::filesystem::remove(checkpoint);
  TrainOptions first = options;
  first.checkpoint_path = checkpoint;
  first.max_steps = 7;  // 5 steps per epoch: stops in the middle of the second epoch
  auto interrupted = train_network(graph, *task, train_set, &test_set, first);
  ASSERT_TRUE(interrupted) << interrupted.error().message;
  EXPECT_TRUE(interrupted->stopped_early);
  EXPECT_EQ(interrupted->steps, 7);
  auto info = read_checkpoint_info(checkpoint);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->epoch, 1);
  EXPECT_EQ(info->batch_in_epoch, 2);
  EXPECT_EQ(info->step, 7);

  TrainOptions second = options;
  second.checkpoint_path = checkpoint;
  second.resume = true;
  auto resumed = train_network(graph, *task, train_set, &test_set, second);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->resumed_from_step, 7);
  EXPECT_EQ(resumed->steps, whole->steps);
  ASSERT_EQ(resumed->graph.size(), whole->graph.size());
  for (const ir::Node& node : whole->graph.nodes())
    for (size_t p = 0; p < node.params.size(); ++p)
      EXPECT_EQ(resumed->graph.node(node.id).params[p].data, node.params[p].data)
          << node.describe() << " param " << node.params[p].role;
  EXPECT_EQ(resumed->eval_metric, whole->eval_metric);
  EXPECT_EQ(resumed->eval_loss, whole->eval_loss);
  // The uninterrupted run differs from the interrupted one: the comparison above can fail.
  EXPECT_NE(interrupted->graph.node(whole->graph.outputs().front()).params[0].data,
            whole->graph.node(whole->graph.outputs().front()).params[0].data);
  std::filesystem::remove(checkpoint);
}

TEST(Trainer, ResumeReproducesUninterruptedRunSgd) { expect_exact_resume(OptimizerKind::Sgd); }
TEST(Trainer, ResumeReproducesUninterruptedRunAdamW) { expect_exact_resume(OptimizerKind::AdamW); }

TEST(Trainer, SameSeedSameWeightsOtherSeedOther) {
  BandsDataset train_set(16, 2);
  auto task = classification(2);
  TrainOptions options = small_options();
  options.epochs = 1;
  auto a = train_network(tiny_classifier(2), *task, train_set, nullptr, options);
  auto b = train_network(tiny_classifier(2), *task, train_set, nullptr, options);
  options.seed = 4;
  auto c = train_network(tiny_classifier(2), *task, train_set, nullptr, options);
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->graph == b->graph);
  EXPECT_FALSE(a->graph == c->graph);
  EXPECT_EQ(a->eval_metric, -1.0);  // no held-out set
}

TEST(Trainer, DataFractionResolutionAndMaxSteps) {
  BandsDataset train_set(64, 4);
  auto task = classification(4);
  TrainOptions options = small_options();
  options.epochs = 1;
  options.data_fraction = 0.25;  // 16 examples: 2 steps of 8
  options.resolution = 12;       // images resized from 8 to 12
  auto result = train_network(tiny_classifier(4, 12), *task, train_set, nullptr, options);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->steps, 2);

  auto wrong = train_network(tiny_classifier(4, 8), *task, train_set, nullptr, options);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("input"), std::string::npos) << wrong.error().message;
  EXPECT_NE(wrong.error().message.find("12"), std::string::npos) << wrong.error().message;
}

TEST(Trainer, EarlyStoppingHookAndProgress) {
  BandsDataset train_set(32, 4), test_set(8, 4);
  auto task = classification(4);
  TrainOptions options = small_options();
  options.epochs = 5;
  std::vector<int64_t> seen_epochs;
  int64_t progress_calls = 0;
  double last_eta = -1;
  options.early_stop = [&](const EpochReport& report) {
    seen_epochs.push_back(report.epoch);
    EXPECT_GE(report.eval_metric, 0.0);
    return report.epoch == 1;
  };
  options.progress = [&](const Progress& p) {
    ++progress_calls;
    EXPECT_EQ(p.total_steps, 20);
    EXPECT_GT(p.images_per_second, 0.0);
    last_eta = p.eta_seconds;
  };
  auto result = train_network(tiny_classifier(4), *task, train_set, &test_set, options);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->stopped_early);
  EXPECT_EQ(seen_epochs, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(result->steps, 8);
  EXPECT_EQ(progress_calls, 8);
  EXPECT_GT(last_eta, 0.0);
}

TEST(Trainer, ScheduleWarmsUpThenDecaysByCosine) {
  TrainOptions o;
  o.learning_rate = 1.0;
  o.warmup_epochs = 1;
  o.final_lr_ratio = 0.1;
  // 10 steps per epoch, 3 epochs: warm-up over steps 0..9, cosine over 10..30.
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 0, 10, 30), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 9, 10, 30), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 10, 10, 30), 1.0);
  EXPECT_NEAR(learning_rate_at(o, 20, 10, 30), 0.55, 1e-12);  // half way: (1 + 0.1) / 2
  EXPECT_NEAR(learning_rate_at(o, 30, 10, 30), 0.1, 1e-12);
  o.cosine = false;
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 25, 10, 30), 1.0);
}

TEST(Trainer, WeightDecayOnlyOnConvAndLinearWeights) {
  auto module = libtorch::make_graph_module(tiny_classifier(3));
  ASSERT_TRUE(module);
  TrainOptions o;
  o.weight_decay = 0.01;
  auto optimizer = make_optimizer(*module, o);
  ASSERT_TRUE(optimizer) << optimizer.error().message;
  auto& groups = (*optimizer)->param_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].params().size(), 3u);  // conv1, conv2, fc weights
  EXPECT_EQ(groups[1].params().size(), 5u);  // two bn scale + shift, fc bias
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::SGDOptions&>(groups[0].options()).weight_decay(), 0.01);
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::SGDOptions&>(groups[1].options()).weight_decay(), 0.0);
}

TEST(Trainer, RejectsBadInputWithClearErrors) {
  BandsDataset train_set(16, 4);
  auto task = classification(4);
  TrainOptions options = small_options();

  auto wrong_classes = train_network(tiny_classifier(3), *task, train_set, nullptr, options);
  ASSERT_FALSE(wrong_classes);
  EXPECT_NE(wrong_classes.error().message.find("fc"), std::string::npos) << wrong_classes.error().message;

  auto wrong_channels = train_network(tiny_classifier(4, 8, 3), *task, train_set, nullptr, options);
  ASSERT_FALSE(wrong_channels);
  EXPECT_NE(wrong_channels.error().message.find("input"), std::string::npos);

  TrainOptions bad = options;
  bad.data_fraction = 0.0;
  auto bad_fraction = train_network(tiny_classifier(4), *task, train_set, nullptr, bad);
  ASSERT_FALSE(bad_fraction);
  EXPECT_NE(bad_fraction.error().message.find("data_fraction"), std::string::npos);

  // A file that is no checkpoint, and a checkpoint of another network.
  const std::string garbage = temp_path("garbage.ckpt");
  std::ofstream(garbage) << "not a checkpoint";
  TrainOptions resume = options;
  resume.checkpoint_path = garbage;
  resume.resume = true;
  auto from_garbage = train_network(tiny_classifier(4), *task, train_set, nullptr, resume);
  ASSERT_FALSE(from_garbage);
  EXPECT_NE(from_garbage.error().message.find(garbage), std::string::npos) << from_garbage.error().message;

  const std::string other = temp_path("other.ckpt");
  TrainOptions write = options;
  write.epochs = 1;
  write.checkpoint_path = other;
  ASSERT_TRUE(train_network(tiny_classifier(4, 8), *task, train_set, nullptr, write));
  write.resume = true;
  ir::Graph different = tiny_classifier(4, 8);
  different.set_name("different");
  auto from_other = train_network(different, *task, train_set, nullptr, write);
  ASSERT_FALSE(from_other);
  EXPECT_NE(from_other.error().message.find("another network"), std::string::npos) << from_other.error().message;
  write.resume = true;
  write.batch_size = 4;
  auto other_batch = train_network(tiny_classifier(4, 8), *task, train_set, nullptr, write);
  ASSERT_FALSE(other_batch);
  EXPECT_NE(other_batch.error().message.find("batch size"), std::string::npos) << other_batch.error().message;
  std::filesystem::remove(garbage);
  std::filesystem::remove(other);
}

}  // namespace
}  // namespace hwnas::train
