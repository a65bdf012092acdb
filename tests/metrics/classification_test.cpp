// Top-1 and top-k accuracy on a hand-checked case, with ties, NaN and malformed input.
#include "hwnas/metrics/classification.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hwnas::metrics {
namespace {

// Rows (3 classes) and labels; the rank of each label, by hand:
//   [0.1 0.7 0.2] label 1 -> 0 (the best)
//   [0.5 0.3 0.2] label 2 -> 2 (two classes score higher)
//   [0.2 0.2 0.6] label 0 -> 1 (class 2 higher; class 1 ties but has a higher index)
//   [0.4 0.4 0.2] label 1 -> 1 (class 0 ties and has a lower index)
// top-1 = 1/4, top-2 = 3/4, top-3 = 4/4.
const std::vector<float> kScores = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.2f, 0.6f, 0.4f, 0.4f, 0.2f};
const std::vector<int64_t> kLabels = {1, 2, 0, 1};

TEST(Classification, HandCase) {
  TopKAccuracy accuracy;
  ASSERT_TRUE(accuracy.add(kScores, 3, kLabels).ok());
  EXPECT_EQ(accuracy.examples(), 4);
  EXPECT_DOUBLE_EQ(accuracy.top1(), 0.25);
  EXPECT_DOUBLE_EQ(accuracy.top_k(2), 0.75);
  EXPECT_DOUBLE_EQ(accuracy.top_k(3), 1.0);
  EXPECT_DOUBLE_EQ(accuracy.top_k(10), 1.0);
  EXPECT_DOUBLE_EQ(*top_k_accuracy(kScores, 3, kLabels, 2), 0.75);
}

TEST(Classification, AccumulatesOverBatches) {
  TopKAccuracy accuracy;
  std::span<const float> scores(kScores);
  std::span<const int64_t> labels(kLabels);
  ASSERT_TRUE(accuracy.add(scores.first(6), 3, labels.first(2)).ok());
  ASSERT_TRUE(accuracy.add(scores.subspan(6), 3, labels.subspan(2)).ok());
  EXPECT_DOUBLE_EQ(accuracy.top1(), 0.25);
  EXPECT_DOUBLE_EQ(accuracy.top_k(2), 0.75);
}

TEST(Classification, NaNScoresNeverWin) {
  float nan = std::nanf("");
  std::vector<float> row = {nan, 0.1f, 0.3f};
  EXPECT_EQ(label_rank(row, 2), 0);
  EXPECT_EQ(label_rank(row, 1), 1);
  EXPECT_EQ(label_rank(row, 0), 2);  // its own score is NaN: last
}

TEST(Classification, Errors) {
  TopKAccuracy accuracy;
  EXPECT_TRUE(std::isnan(accuracy.top1()));
  auto wrong_size = accuracy.add(kScores, 4, kLabels);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.error().message.find("12 scores for 4 labels of 4 classes"), std::string::npos);
  std::vector<int64_t> bad_label = {1, 2, 3, 0};
  auto out_of_range = accuracy.add(kScores, 3, bad_label);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.error().message.find("label 3 of example 2 is outside 0..2"), std::string::npos);
  ASSERT_TRUE(accuracy.add(kScores, 3, kLabels).ok());
  EXPECT_FALSE(accuracy.add(kScores, 4, std::vector<int64_t>{0, 1, 2}).ok());  // classes changed
}

}  // namespace
}  // namespace hwnas::metrics
