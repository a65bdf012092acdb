// Tests of the segmentation task: graph checks, the per-pixel loss against a hand computation, mIoU, training.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include <cmath>

#include "hwnas/blocks/conv_block.h"
#include "hwnas/ir/builder.h"
#include "hwnas/torch/module.h"
#include "hwnas/train/task.h"

namespace hwnas::train {
namespace {

// A tiny segmenter: 3x3 conv-bn-relu, then 1x1 conv with bias to `classes`, at full resolution
// (or at half resolution when `half` is set: the task resizes the logits to the masks).
ir::Graph tiny_segmenter(int64_t classes, int64_t side, bool half = false) {
  ir::Graph graph("tiny_segmenter");
  ir::Builder b(graph);
  ir::NodeId x = b.input({2, 1, side, side});
  auto y = blocks::conv_bn_act(b, x, {.out_channels = 8, .kernel = 3, .stride = half ? 2 : 1}, "conv");
  EXPECT_TRUE(y.ok());
  auto logits = blocks::conv_bn_act(
      b, *y, {.out_channels = classes, .kernel = 1, .activation = blocks::Activation::None,
              .batch_norm = false, .bias = true}, "classifier");
  EXPECT_TRUE(logits.ok()) << (logits ? "" : logits.error().message);
  return graph;
}

data::Batch batch_of(int64_t size, int64_t height, int64_t width) {
  data::Batch batch;
  batch.size = size;
  batch.channels = 1;
  batch.height = height;
  batch.width = width;
  batch.images.assign(static_cast<size_t>(size * height * width), 0.0f);
  batch.masks.assign(static_cast<size_t>(size * height * width), 0);
  return batch;
}

TEST(SegmentationTask, ChecksTheGraphOutput) {
  auto task = make_task(data::Task::Segmentation, {.num_classes = 3});
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_EQ((*task)->metric_name(), "miou");
  EXPECT_EQ((*task)->kind(), data::Task::Segmentation);
  EXPECT_TRUE((*task)->check_graph(tiny_segmenter(3, 16)).ok());
  Status wrong = (*task)->check_graph(tiny_segmenter(4, 16));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("classifier"), std::string::npos) << wrong.error().message;
  EXPECT_NE(wrong.error().message.find("[batch, 3, height, width]"), std::string::npos) << wrong.error().message;
}

// The loss is the mean cross-entropy over every pixel, the background (class 0) included; an
// ignore label leaves out exactly its pixels.
TEST(SegmentationTask, LossCountsEveryPixelButTheIgnoredOnes) {
  data::Batch batch = batch_of(1, 2, 3);
  batch.masks = {0, 0, 1, 2, 0, 255};
  at::Tensor logits = at::arange(18, at::kFloat).reshape({1, 3, 2, 3}).mul(0.37).sin();

  // By hand: -log softmax(logits[:, :, y, x])[mask] averaged over the counted pixels.
  at::Tensor log_probabilities = logits.log_softmax(1);
  auto pixel_loss = [&](int64_t y, int64_t x, int64_t label) {
    return -log_probabilities[0][label][y][x].item<double>();
  };
  double counted = pixel_loss(0, 0, 0) + pixel_loss(0, 1, 0) + pixel_loss(0, 2, 1) + pixel_loss(1, 0, 2) +
                   pixel_loss(1, 1, 0);
  TaskOptions options{.num_classes = 3};
  options.segmentation.ignore_label = 255;
  auto task = make_task(data::Task::Segmentation, options);
  ASSERT_TRUE(task.ok());
  EXPECT_NEAR((*task)->loss({logits}, batch).item<double>(), counted / 5.0, 1e-5);

  // The default ignore label is data::kIgnoreLabel (255): the same loss without setting it.
  auto by_default = make_task(data::Task::Segmentation, {.num_classes = 3});
  ASSERT_TRUE(by_default.ok());
  EXPECT_NEAR((*by_default)->loss({logits}, batch).item<double>(), counted / 5.0, 1e-5);

  // Without an ignore label every pixel counts; with the last one made background:
  batch.masks[5] = 0;
  TaskOptions no_ignore{.num_classes = 3};
  no_ignore.segmentation.ignore_label = -1;
  auto plain = make_task(data::Task::Segmentation, no_ignore);
  ASSERT_TRUE(plain.ok());
  EXPECT_NEAR((*plain)->loss({logits}, batch).item<double>(), (counted + pixel_loss(1, 2, 0)) / 6.0, 1e-5);
}

// Hand-made masks: truth [0 0 1 1; 0 2 2 1], prediction [0 1 1 1; 0 2 0 1].
// IoU: class 0 = 2 / (3 + 3 - 2), class 1 = 3 / (3 + 4 - 3), class 2 = 1 / (2 + 1 - 1).
TEST(SegmentationTask, MeanIouOfHandMadeMasks) {
  data::Batch batch = batch_of(1, 2, 4);
  batch.masks = {0, 0, 1, 1, 0, 2, 2, 1};
  const int64_t predicted[] = {0, 1, 1, 1, 0, 2, 0, 1};
  at::Tensor logits = at::zeros({1, 3, 2, 4});
  for (int64_t i = 0; i < 8; ++i) logits[0][predicted[i]][i / 4][i % 4] = 5.0;
  auto task = make_task(data::Task::Segmentation, {.num_classes = 3});
  ASSERT_TRUE(task.ok());
  (*task)->reset_metric();
  (*task)->update_metric({logits}, batch);
  EXPECT_NEAR((*task)->metric(), (0.5 + 0.75 + 0.5) / 3.0, 1e-12);
  // A second, perfectly predicted image of the same masks raises every class's counts.
  (*task)->update_metric({logits.clone().zero_().scatter_(1, at::tensor(std::vector<int64_t>{0, 0, 1, 1, 0, 2, 2, 1}).view({1, 1, 2, 4}), 5.0)},
                         batch);
  // class 0: TP 5, truth 6, predicted 6 -> 5/7; class 1: 6/(6+7-6); class 2: 3/(4+3-3).
  EXPECT_NEAR((*task)->metric(), (5.0 / 7.0 + 6.0 / 7.0 + 3.0 / 4.0) / 3.0, 1e-12);
  (*task)->reset_metric();
  EXPECT_TRUE(std::isnan((*task)->metric()));  // nothing counted
}

// A mask value outside the classes makes the metric NaN rather than counting it somewhere.
TEST(SegmentationTask, MetricRejectsMasksOutsideTheClasses) {
  data::Batch batch = batch_of(1, 1, 2);
  batch.masks = {0, 7};
  auto task = make_task(data::Task::Segmentation, {.num_classes = 3});
  ASSERT_TRUE(task.ok());
  (*task)->update_metric({at::zeros({1, 3, 1, 2})}, batch);
  EXPECT_TRUE(std::isnan((*task)->metric()));
}

// VOC's 255 pixels are left out of the mean IoU by default: pixel 0 (class 1, predicted 1)
// counts, pixel 1 (255, predicted 0) does not, so class 0 has no IoU and the mean is class 1's.
TEST(SegmentationTask, MeanIouSkipsTheIgnoreLabelByDefault) {
  data::Batch batch = batch_of(1, 1, 2);
  batch.masks = {1, data::kIgnoreLabel};
  at::Tensor logits = at::zeros({1, 3, 1, 2});
  logits[0][1][0][0] = 5.0;
  auto task = make_task(data::Task::Segmentation, {.num_classes = 3});
  ASSERT_TRUE(task.ok());
  (*task)->update_metric({logits}, batch);
  EXPECT_DOUBLE_EQ((*task)->metric(), 1.0);
}

// Pixels of intensity 1 are class 1, of 0.5 class 2, the rest background: a tiny net trained on
// one batch lowers the loss, at half resolution too (the logits are resized to the masks).
TEST(SegmentationTask, LossDecreasesWhileTraining) {
  for (bool half : {false, true}) {
    const int64_t side = 16;
    data::Batch batch = batch_of(2, side, side);
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t y = 0; y < side; ++y)
        for (int64_t x = 0; x < side; ++x) {
          size_t i = static_cast<size_t>((n * side + y) * side + x);
          if (y >= 2 + n && y < 8 + n && x >= 3 && x < 9) {
            batch.images[i] = 1.0f;
            batch.masks[i] = 1;
          } else if (y >= 10 && x >= 8 + 2 * n && x < 14 + n) {
            batch.images[i] = 0.5f;
            batch.masks[i] = 2;
          }
        }
    ir::Graph graph = tiny_segmenter(3, side, half);
    auto task = make_task(data::Task::Segmentation, {.num_classes = 3});
    ASSERT_TRUE(task.ok());
    ASSERT_TRUE((*task)->check_graph(graph).ok());
    auto module = libtorch::make_graph_module(graph, {.seed = 3});
    ASSERT_TRUE(module.ok()) << module.error().message;
    torch::optim::Adam adam((*module)->parameters(), torch::optim::AdamOptions(0.03));
    at::Tensor images = at::from_blob(batch.images.data(), {2, 1, side, side}, at::kFloat).clone();
    double first = 0, last = 0;
    for (int step = 0; step < 40; ++step) {
      adam.zero_grad();
      at::Tensor loss = (*task)->loss((*module)->forward_all({images}), batch);
      if (step == 0) first = loss.item<double>();
      last = loss.item<double>();
      loss.backward();
      adam.step();
    }
    EXPECT_LT(last, 0.5 * first) << "half resolution: " << half;
    (*module)->eval();
    (*task)->reset_metric();
    (*task)->update_metric((*module)->forward_all({images}), batch);
    EXPECT_GT((*task)->metric(), half ? 0.4 : 0.6) << "half resolution: " << half;
  }
}

}  // namespace
}  // namespace hwnas::train
