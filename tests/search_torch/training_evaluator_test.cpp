// TrainingEvaluator: trains a decoded architecture at a fidelity; deterministic under a seed.
#include "hwnas/search_torch/training_evaluator.h"

#include <gtest/gtest.h>

#include "../train/train_test_util.h"
#include "hwnas/space/space.h"

namespace hwnas::search {
namespace {

space::SearchSpace tiny_space(int64_t channels = 1) {
  const std::string yaml = "name: tiny\nkind: macro\ninput: {channels: " + std::to_string(channels) +
                           ", resolution: 8}\nstem: {channels: 8, stride: 1}\n"
                           "stages:\n  - {block: [ibn, conv], kernel: 3, expansion: 2, depth: 1, channels: 8, stride: 2}\n"
                           "head: {type: classification, classes: 4}\n";
  auto space = space::parse_space(yaml, "tiny.yaml", {});
  EXPECT_TRUE(space.ok()) << space.error().message;
  return *space;
}

TrainingEvaluator make_evaluator() {
  TrainingEvaluator::Options options;
  options.train.epochs = 2;
  options.train.batch_size = 16;
  options.train.learning_rate = 0.05;
  options.train.threads = 1;
  options.data_name = "bands";
  return TrainingEvaluator(std::make_shared<train::testing::BandsDataset>(64, 4),
                           std::make_shared<train::testing::BandsDataset>(32, 4), options);
}

TEST(TrainingEvaluator, FidelityScalesTheImagesSeen) {
  TrainingEvaluator evaluator = make_evaluator();
  train::TrainOptions full = evaluator.options_at(1.0, 3);
  EXPECT_EQ(full.epochs, 2);
  EXPECT_DOUBLE_EQ(full.data_fraction, 1.0);
  EXPECT_EQ(full.seed, 3u);
  train::TrainOptions quarter = evaluator.options_at(0.25, 3);
  EXPECT_EQ(quarter.epochs, 1);  // round(0.5) would be 0: at least one epoch ...
  EXPECT_DOUBLE_EQ(quarter.data_fraction * static_cast<double>(quarter.epochs), 0.5);  // ... of half the data
}

TEST(TrainingEvaluator, TrainsAndIsDeterministicUnderASeed) {
  space::SearchSpace space = tiny_space();
  TrainingEvaluator evaluator = make_evaluator();
  auto a = evaluator.evaluate({.space = space, .arch = space.minimal_architecture(), .fidelity = 1.0, .seed = 5});
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->count("accuracy"));
  EXPECT_GE(a->at("accuracy"), 0.0);
  EXPECT_LE(a->at("accuracy"), 1.0);
  EXPECT_EQ(a->at("accuracy"), a->at("top1"));
  EXPECT_EQ(a->at("train_steps"), 8);  // 2 epochs x 64 / 16
  auto b = evaluator.evaluate({.space = space, .arch = space.minimal_architecture(), .fidelity = 1.0, .seed = 5});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->at("accuracy"), b->at("accuracy"));
  EXPECT_EQ(a->at("train_loss"), b->at("train_loss"));
  auto low = evaluator.evaluate({.space = space, .arch = space.minimal_architecture(), .fidelity = 0.25, .seed = 5});
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->at("train_steps"), 2);  // a quarter of the images
}

TEST(TrainingEvaluator, ANetworkThatDoesNotFitTheDataIsAnError) {
  space::SearchSpace space = tiny_space(/*channels=*/3);
  TrainingEvaluator evaluator = make_evaluator();
  auto result = evaluator.evaluate({.space = space, .arch = space.minimal_architecture()});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("3 input channels"), std::string::npos) << result.error().message;
}

}  // namespace
}  // namespace hwnas::search
