// Tests of the classification task: graph checks, cross-entropy with label smoothing, top-1.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "hwnas/train/task.h"
#include "train_test_util.h"

namespace hwnas::train {
namespace {

data::Batch labels_batch(std::vector<int64_t> labels) {
  data::Batch batch;
  batch.size = static_cast<int64_t>(labels.size());
  batch.labels = std::move(labels);
  return batch;
}

TEST(ClassificationTask, MakeTaskChecksOptions) {
  auto task = make_task(data::Task::Classification, {.num_classes = 3});
  ASSERT_TRUE(task) << task.error().message;
  EXPECT_EQ((*task)->kind(), data::Task::Classification);
  EXPECT_EQ((*task)->metric_name(), "top1");
  auto no_classes = make_task(data::Task::Classification, {.num_classes = 0});
  ASSERT_FALSE(no_classes);
  EXPECT_NE(no_classes.error().message.find("num_classes"), std::string::npos);
  auto bad_smoothing = make_task(data::Task::Classification, {.num_classes = 3, .label_smoothing = 1.5});
  ASSERT_FALSE(bad_smoothing);
  EXPECT_NE(bad_smoothing.error().message.find("label_smoothing"), std::string::npos);
}

TEST(ClassificationTask, ChecksTheGraphOutput) {
  auto task = make_classification_task({.num_classes = 4});
  EXPECT_TRUE(task->check_graph(testing::tiny_classifier(4)));
  Status wrong = task->check_graph(testing::tiny_classifier(5));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("fc"), std::string::npos) << wrong.error().message;
  EXPECT_NE(wrong.error().message.find("[batch, 4]"), std::string::npos) << wrong.error().message;
}

TEST(ClassificationTask, LossIsCrossEntropyWithLabelSmoothing) {
  const double smoothing = 0.2;
  auto task = make_classification_task({.num_classes = 3, .label_smoothing = smoothing});
  torch::Tensor logits = torch::tensor({{2.0f, 0.0f, -1.0f}, {0.5f, 0.5f, 3.0f}});
  auto batch = labels_batch({0, 1});
  const double loss = task->loss({logits}, batch).item<double>();
  // By hand: target (1 - s) one-hot + s / classes everywhere.
  torch::Tensor log_p = torch::log_softmax(logits.to(torch::kDouble), 1);
  double expected = 0.0;
  const int64_t labels[2] = {0, 1};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t c = 0; c < 3; ++c) {
      double target = (c == labels[i] ? 1.0 - smoothing : 0.0) + smoothing / 3.0;
      expected -= target * log_p[i][c].item<double>();
    }
  EXPECT_NEAR(loss, expected / 2.0, 1e-6);
}

TEST(ClassificationTask, TopOneAccumulatesOverBatches) {
  auto task = make_classification_task({.num_classes = 3});
  task->reset_metric();
  task->update_metric({torch::tensor({{2.0f, 0.0f, -1.0f}, {0.5f, 0.4f, 3.0f}})}, labels_batch({0, 1}));
  task->update_metric({torch::tensor({{0.0f, 1.0f, 0.0f}})}, labels_batch({1}));
  EXPECT_DOUBLE_EQ(task->metric(), 2.0 / 3.0);
  task->reset_metric();
  EXPECT_DOUBLE_EQ(task->metric(), 0.0);
}

}  // namespace
}  // namespace hwnas::train
