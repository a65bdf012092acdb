// Detection mAP@0.5 on a hand-computed case and its edge cases; class-wise NMS.
#include "hwnas/metrics/detection.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/metrics/nms.h"

namespace hwnas::metrics {
namespace {

Detection det(float x0, float y0, float x1, float y1, int64_t label, float score) {
  return Detection{x0, y0, x1, y1, label, score};
}
GroundTruthBox gt(float x0, float y0, float x1, float y1, int64_t label) {
  return GroundTruthBox{x0, y0, x1, y1, label};
}

TEST(Detection, BoxIou) {
  EXPECT_DOUBLE_EQ(box_iou(gt(0, 0, 10, 10, 1), gt(0, 0, 10, 12, 1)), 100.0 / 120.0);
  EXPECT_DOUBLE_EQ(box_iou(gt(0, 0, 10, 10, 1), gt(10, 0, 20, 10, 1)), 0.0);  // touching
  EXPECT_DOUBLE_EQ(box_iou(gt(0, 0, 0, 0, 1), gt(0, 0, 0, 0, 1)), 0.0);       // empty union
}

// Class 1, two images, G = 3 ground-truth boxes:
//   image A: G1 = [0,0,10,10], G2 = [20,20,30,30];  image B: G3 = [0,0,10,10].
// Detections in score order, with the IoU that decides them:
//   k  image score box              match                               TP FP  precision recall
//   1  A     0.9   [0,0,10,10]      G1, IoU 1                           1  0   1/1       1/3
//   2  B     0.8   [50,50,60,60]    nothing                             1  1   1/2       1/3
//   3  A     0.7   [1,0,11,10]      G1 taken (IoU .82), G2 IoU 0: FP    1  2   1/3       1/3
//   4  B     0.6   [0,0,10,12]      G3, IoU 100/120 = .83               2  2   2/4       2/3
//   5  A     0.5   [20,20,30,40]    G2, IoU 100/200 = .5 (>= .5 counts) 3  2   3/5       3/3
//   6  A     0.4   [25,25,35,35]    G2 taken: FP                        3  3   3/6       3/3
// Interpolated precision (max at the same or higher recall): 1, .6, .6, .6, .6, .5.
// Area, all points: (1/3 - 0) * 1 + (2/3 - 1/3) * .6 + (1 - 2/3) * .6 = 1/3 + .2 + .2 = 11/15.
// Class 2: one box [40,40,50,50] in A found exactly (score .3): AP = 1.
// Class 3: a detection in B, no ground truth anywhere: no AP, not in the mean.
// mAP = (11/15 + 1) / 2 = 13/15.
TEST(Detection, HandComputedMap) {
  MeanAveragePrecision map;
  std::vector<Detection> a = {det(25, 25, 35, 35, 1, 0.4f), det(0, 0, 10, 10, 1, 0.9f),
                              det(1, 0, 11, 10, 1, 0.7f), det(20, 20, 30, 40, 1, 0.5f),
                              det(40, 40, 50, 50, 2, 0.3f)};
  std::vector<GroundTruthBox> a_truth = {gt(0, 0, 10, 10, 1), gt(20, 20, 30, 30, 1), gt(40, 40, 50, 50, 2)};
  std::vector<Detection> b = {det(0, 0, 10, 12, 1, 0.6f), det(50, 50, 60, 60, 1, 0.8f),
                              det(0, 0, 5, 5, 3, 0.95f)};
  std::vector<GroundTruthBox> b_truth = {gt(0, 0, 10, 10, 1)};
  ASSERT_TRUE(map.add_image(a, a_truth).ok());
  ASSERT_TRUE(map.add_image(b, b_truth).ok());
  DetectionSummary summary = map.compute();
  ASSERT_EQ(summary.classes.size(), 3u);
  const ClassAveragePrecision& one = summary.classes[0];
  EXPECT_EQ(one.label, 1);
  EXPECT_EQ(one.ground_truth, 3);
  EXPECT_EQ(one.detections, 6);
  EXPECT_EQ(one.true_positives, 3);
  std::vector<double> precision = {1.0, 1.0 / 2, 1.0 / 3, 2.0 / 4, 3.0 / 5, 3.0 / 6};
  std::vector<double> recall = {1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1.0, 1.0};
  ASSERT_EQ(one.curve.size(), 6u);
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_DOUBLE_EQ(one.curve[k].precision, precision[k]) << k;
    EXPECT_DOUBLE_EQ(one.curve[k].recall, recall[k]) << k;
  }
  EXPECT_NEAR(one.average_precision, 11.0 / 15.0, 1e-12);
  EXPECT_DOUBLE_EQ(summary.classes[1].average_precision, 1.0);
  EXPECT_EQ(summary.classes[2].label, 3);
  EXPECT_EQ(summary.classes[2].ground_truth, 0);
  EXPECT_TRUE(std::isnan(summary.classes[2].average_precision));
  EXPECT_NEAR(summary.mean_average_precision, 13.0 / 15.0, 1e-12);
}

TEST(Detection, NoDetectionsGivesZero) {
  MeanAveragePrecision map;
  ASSERT_TRUE(map.add_image({}, std::vector<GroundTruthBox>{gt(0, 0, 5, 5, 1), gt(0, 0, 5, 5, 2)}).ok());
  ASSERT_TRUE(map.add_image({}, {}).ok());
  DetectionSummary summary = map.compute();
  ASSERT_EQ(summary.classes.size(), 2u);
  EXPECT_DOUBLE_EQ(summary.classes[0].average_precision, 0.0);
  EXPECT_DOUBLE_EQ(summary.mean_average_precision, 0.0);
}

TEST(Detection, NoGroundTruthAtAllIsNaN) {
  MeanAveragePrecision map;
  ASSERT_TRUE(map.add_image(std::vector<Detection>{det(0, 0, 5, 5, 4, 0.5f)}, {}).ok());
  EXPECT_TRUE(std::isnan(map.compute().mean_average_precision));
  EXPECT_TRUE(std::isnan(MeanAveragePrecision().compute().mean_average_precision));
}

TEST(Detection, DuplicateIsAFalsePositive) {
  // G1 = [0,0,10,10], G2 = [20,0,30,10]. d1 on G1 (.9): TP; d2 = d1 again (.8): G1 is taken, FP;
  // d3 on G2 (.7): TP. Points (P, R): (1, 1/2), (1/2, 1/2), (2/3, 1).
  // Interpolated: 1, 2/3, 2/3. AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
  MeanAveragePrecision map;
  std::vector<Detection> d = {det(0, 0, 10, 10, 1, 0.9f), det(0, 0, 10, 10, 1, 0.8f),
                              det(20, 0, 30, 10, 1, 0.7f)};
  ASSERT_TRUE(map.add_image(d, std::vector<GroundTruthBox>{gt(0, 0, 10, 10, 1), gt(20, 0, 30, 10, 1)}).ok());
  DetectionSummary summary = map.compute();
  EXPECT_EQ(summary.classes[0].true_positives, 2);
  EXPECT_DOUBLE_EQ(summary.classes[0].curve[1].precision, 0.5);
  EXPECT_NEAR(summary.mean_average_precision, 5.0 / 6.0, 1e-12);
}

TEST(Detection, MatchesOnlyItsClassAndUnmatchedBoxes) {
  // A class-2 detection on a class-1 box is a false positive of class 2 and leaves the box free.
  MeanAveragePrecision wrong_class;
  std::vector<Detection> d = {det(0, 0, 10, 10, 2, 0.9f), det(0, 0, 10, 10, 1, 0.5f)};
  ASSERT_TRUE(wrong_class.add_image(d, std::vector<GroundTruthBox>{gt(0, 0, 10, 10, 1)}).ok());
  DetectionSummary summary = wrong_class.compute();
  EXPECT_DOUBLE_EQ(summary.classes[0].average_precision, 1.0);  // class 1
  EXPECT_EQ(summary.classes[1].true_positives, 0);              // class 2
  EXPECT_DOUBLE_EQ(summary.mean_average_precision, 1.0);

  // G1 = [0,0,10,10], G2 = [2,0,12,10]. d1 = G2 (.9) takes G2. d2 = [1.5,0,11.5,10] (.8) has IoU
  // 95/105 with the taken G2 and 85/115 = .74 with G1: matched to G1 (COCO's rule; VOC's devkit
  // would count a false positive). Both found: AP 1.
  MeanAveragePrecision greedy;
  std::vector<Detection> g = {det(2, 0, 12, 10, 1, 0.9f), det(1.5f, 0, 11.5f, 10, 1, 0.8f)};
  ASSERT_TRUE(
      greedy.add_image(g, std::vector<GroundTruthBox>{gt(0, 0, 10, 10, 1), gt(2, 0, 12, 10, 1)}).ok());
  EXPECT_EQ(greedy.compute().classes[0].true_positives, 2);
  EXPECT_DOUBLE_EQ(greedy.compute().mean_average_precision, 1.0);

  // Just under the threshold: IoU 100/201 < .5 is a miss.
  MeanAveragePrecision under;
  ASSERT_TRUE(under
                  .add_image(std::vector<Detection>{det(0, 0, 10, 20.1f, 1, 0.9f)},
                             std::vector<GroundTruthBox>{gt(0, 0, 10, 10, 1)})
                  .ok());
  EXPECT_DOUBLE_EQ(under.compute().mean_average_precision, 0.0);
}

TEST(Detection, RejectsMalformedBoxes) {
  MeanAveragePrecision map;
  auto inverted = map.add_image(std::vector<Detection>{det(5, 0, 1, 5, 1, 0.5f)}, {});
  ASSERT_FALSE(inverted.ok());
  EXPECT_NE(inverted.error().message.find("detection 0 has x1 < x0"), std::string::npos);
  EXPECT_FALSE(map.add_image(std::vector<Detection>{det(0, 0, 1, 1, 1, std::nanf(""))}, {}).ok());
  EXPECT_FALSE(map.add_image({}, std::vector<GroundTruthBox>{gt(0, 0, 1, 1, -1)}).ok());
  EXPECT_EQ(map.images(), 0);
}

TEST(Detection, AllPointAreaOfACurve) {
  // Recall rises at .5 (precision 1) and at 1 (precision .5), with a dip to .25 between that the
  // later .5 lifts: (.5 - 0) * 1 + (1 - .5) * .5 = .75.
  std::vector<PrecisionRecallPoint> curve = {{0.5, 1.0}, {0.5, 0.25}, {1.0, 0.5}};
  EXPECT_DOUBLE_EQ(all_point_average_precision(curve), 0.75);
  EXPECT_DOUBLE_EQ(all_point_average_precision({}), 0.0);
}

TEST(Nms, ClassWiseGreedyInScoreOrder) {
  std::vector<Detection> d = {
      det(0, 0, 10, 10, 1, 0.8f),    // 0: kept
      det(1, 0, 11, 10, 1, 0.9f),    // 1: kept first (highest)
      det(0, 0, 10, 10, 2, 0.7f),    // 2: other class, kept
      det(30, 30, 40, 40, 1, 0.6f),  // 3: far away, kept
      det(2, 0, 12, 10, 1, 0.85f),   // 4: IoU with 1 = 90/110 > .5: suppressed
  };
  // 0 vs 1: IoU 90/110 = .82 > .5, so 0 is suppressed too.
  EXPECT_EQ(non_maximum_suppression_indices(d), (std::vector<size_t>{1, 2, 3}));
  // With a looser threshold only exact duplicates go; an IoU equal to the threshold stays.
  std::vector<Detection> pair = {det(0, 0, 10, 10, 1, 0.9f), det(0, 0, 10, 20, 1, 0.8f)};  // IoU 1/2
  EXPECT_EQ(non_maximum_suppression_indices(pair, {.iou_threshold = 0.5}).size(), 2u);
  EXPECT_EQ(non_maximum_suppression_indices(pair, {.iou_threshold = 0.49}).size(), 1u);
  // Score threshold, cap, NaN.
  EXPECT_EQ(non_maximum_suppression_indices(d, {.score_threshold = 0.75f}), (std::vector<size_t>{1}));
  EXPECT_EQ(non_maximum_suppression_indices(d, {.max_detections = 2}), (std::vector<size_t>{1, 2}));
  std::vector<Detection> with_nan = {det(0, 0, 1, 1, 1, std::nanf("")), det(5, 5, 6, 6, 1, 0.1f)};
  EXPECT_EQ(non_maximum_suppression_indices(with_nan), (std::vector<size_t>{1}));
  auto kept = non_maximum_suppression(d);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
}

}  // namespace
}  // namespace hwnas::metrics
