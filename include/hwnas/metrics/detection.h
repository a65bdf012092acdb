// Detection mean average precision at one IoU threshold (mAP@0.5 by default), computed the standard way.
//
// Per class c, over all images added:
//  1. the detections of class c are sorted by score, highest first (stable: ties keep the order
//     they were added in, image by image);
//  2. each in turn is matched to the ground-truth box of class c in its image that is not yet
//     matched and has the highest IoU with it (the first on ties); it is a true positive when
//     that IoU >= the threshold (the box is then matched), otherwise a false positive — so a
//     second detection of an already matched object is a false positive (COCO's greedy rule;
//     VOC's devkit instead takes the best box even when matched, and then counts a false positive);
//  3. after the k-th detection: recall = TP_k / G (G = ground-truth boxes of c), precision =
//     TP_k / k;
//  4. AP = all-point interpolated area under that curve (PASCAL VOC 2010 and later): precision is
//     made non-increasing from the right (p(r) = max precision at any recall >= r), then summed
//     as sum_k (r_k - r_{k-1}) p(r_k) over the points where recall rises, with r_0 = 0.
// mAP = mean of AP over the classes that have at least one ground-truth box. A class with ground
// truth and no detection has AP 0; a class with detections but no ground truth has no AP and
// does not count (its detections are false positives of nothing). With no ground truth at all,
// mAP is NaN.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/ir/result.h"
#include "hwnas/metrics/boxes.h"

namespace hwnas::metrics {

struct PrecisionRecallPoint {
  double recall = 0;
  double precision = 0;
};

// All-point interpolated area under a precision-recall curve whose points come in detection
// order (recall non-decreasing), as step 4 above describes.
double all_point_average_precision(std::span<const PrecisionRecallPoint> curve);

struct ClassAveragePrecision {
  int64_t label = 0;
  int64_t ground_truth = 0;  // G
  int64_t detections = 0;
  int64_t true_positives = 0;
  double average_precision = 0;             // NaN when G == 0
  std::vector<PrecisionRecallPoint> curve;  // one point per detection, in score order
};

struct DetectionSummary {
  double mean_average_precision = 0;           // NaN with no ground truth at all
  std::vector<ClassAveragePrecision> classes;  // every label seen in ground truth or detections, ascending
};

class MeanAveragePrecision {
 public:
  explicit MeanAveragePrecision(double iou_threshold = 0.5) : iou_threshold_(iou_threshold) {}

  // One image: its detections (any order) and its ground truth. Error on a non-finite coordinate
  // or score, x1 < x0 or y1 < y0, or a negative label; nothing is added then.
  Status add_image(std::span<const Detection> detections, std::span<const GroundTruthBox> ground_truth);

  int64_t images() const { return static_cast<int64_t>(images_.size()); }
  DetectionSummary compute() const;

 private:
  struct Image {
    std::vector<Detection> detections;
    std::vector<GroundTruthBox> ground_truth;
  };
  double iou_threshold_;
  std::vector<Image> images_;
};

}  // namespace hwnas::metrics
