// Confusion matrix, per-class IoU and mean IoU on hand-computed cases; absent classes left out of the mean.
#include "hwnas/metrics/segmentation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hwnas::metrics {
namespace {

TEST(Segmentation, HandCase) {
  // 4 classes; class 3 appears in neither truth nor prediction.
  //   truth      0 0 0 1 1 1 2 2
  //   predicted  0 0 1 1 1 2 2 0
  // M[truth][pred]: M00 = 2, M01 = 1, M11 = 2, M12 = 1, M22 = 1, M20 = 1.
  // IoU0 = M00 / (row0 + col0 - M00) = 2 / (3 + 3 - 2) = 1/2
  // IoU1 = 2 / (3 + 3 - 2) = 1/2
  // IoU2 = 1 / (2 + 2 - 1) = 1/3
  // IoU3 = 0/0: excluded.  mIoU = (1/2 + 1/2 + 1/3) / 3 = 4/9.  Pixel accuracy = 5/8.
  ConfusionMatrix matrix(4);
  std::vector<int64_t> truth = {0, 0, 0, 1, 1, 1, 2, 2};
  std::vector<int64_t> predicted = {0, 0, 1, 1, 1, 2, 2, 0};
  ASSERT_TRUE(matrix.add(truth, predicted).ok());
  EXPECT_EQ(matrix.at(0, 0), 2);
  EXPECT_EQ(matrix.at(2, 0), 1);
  EXPECT_EQ(matrix.total(), 8);
  auto iou = matrix.iou_per_class();
  EXPECT_DOUBLE_EQ(iou[0], 0.5);
  EXPECT_DOUBLE_EQ(iou[1], 0.5);
  EXPECT_DOUBLE_EQ(iou[2], 1.0 / 3.0);
  EXPECT_TRUE(std::isnan(iou[3]));
  EXPECT_DOUBLE_EQ(matrix.mean_iou(), 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(matrix.pixel_accuracy(), 5.0 / 8.0);
}

TEST(Segmentation, PredictedButNeverTrueCountsAsZero) {
  // truth 0 0, predicted 0 3: IoU0 = 1 / (2 + 1 - 1) = 1/2, IoU3 = 0 / (0 + 1 - 0) = 0,
  // classes 1 and 2 absent. mIoU = (1/2 + 0) / 2.
  ConfusionMatrix matrix(4);
  ASSERT_TRUE(matrix.add(std::vector<int64_t>{0, 0}, std::vector<int64_t>{0, 3}).ok());
  EXPECT_DOUBLE_EQ(matrix.mean_iou(), 0.25);
}

TEST(Segmentation, IgnoreLabelAndScores) {
  // 2 classes, 1 image of 1x3, scores NCHW: class 0 plane then class 1 plane.
  // pixel 0: (0.9, 0.1) -> 0; pixel 1: (0.2, 0.8) -> 1; pixel 2: (0.5, 0.5) -> 0 (tie, lower class).
  ConfusionMatrix matrix(2, 255);
  std::vector<float> scores = {0.9f, 0.2f, 0.5f, 0.1f, 0.8f, 0.5f};
  std::vector<int64_t> truth = {0, 255, 1};
  ASSERT_TRUE(matrix.add_scores(scores, 1, 1, 3, truth).ok());
  EXPECT_EQ(matrix.total(), 2);  // the ignored pixel is not counted
  EXPECT_EQ(matrix.at(0, 0), 1);
  EXPECT_EQ(matrix.at(1, 0), 1);
  // IoU0 = 1 / (1 + 2 - 1) = 1/2; IoU1 = 0 / (1 + 0 - 0) = 0.
  EXPECT_DOUBLE_EQ(matrix.mean_iou(), 0.25);
}

TEST(Segmentation, EmptyAndErrors) {
  ConfusionMatrix matrix(3);
  EXPECT_TRUE(std::isnan(matrix.mean_iou()));
  EXPECT_TRUE(std::isnan(matrix.pixel_accuracy()));
  auto size = matrix.add(std::vector<int64_t>{0}, std::vector<int64_t>{0, 1});
  EXPECT_FALSE(size.ok());
  auto truth = matrix.add(std::vector<int64_t>{0, 3}, std::vector<int64_t>{0, 1});
  ASSERT_FALSE(truth.ok());
  EXPECT_NE(truth.error().message.find("ground truth 3 at pixel 1 is outside 0..2"), std::string::npos);
  auto predicted = matrix.add(std::vector<int64_t>{0, 1}, std::vector<int64_t>{-1, 1});
  ASSERT_FALSE(predicted.ok());
  EXPECT_NE(predicted.error().message.find("prediction -1 at pixel 0"), std::string::npos);
  EXPECT_EQ(matrix.total(), 0);  // nothing counted from a rejected call
  EXPECT_FALSE(matrix.add_scores(std::vector<float>(5), 1, 1, 2, std::vector<int64_t>{0, 0}).ok());
}

}  // namespace
}  // namespace hwnas::metrics
