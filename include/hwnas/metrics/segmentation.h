// The segmentation confusion matrix and what is read from it: per-class IoU, mean IoU, pixel accuracy.
//
// IoU of class c = TP / (TP + FP + FN) = M[c][c] / (sum_p M[c][p] + sum_t M[t][c] - M[c][c]),
// with M[truth][prediction] counting pixels. A class absent from both the ground truth and the
// prediction of every pixel seen has no IoU (0 / 0): it is NaN per class and excluded from the
// mean (mmsegmentation's nanmean; torchvision's reference script would return NaN instead). A class that is
// predicted but never true (or true but never predicted) has IoU 0 and counts. The background (class 0 of the
// composite sets) is a class like any other; leave it out by averaging iou_per_class yourself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::metrics {

class ConfusionMatrix {
 public:
  // Pixels whose ground truth is `ignore_label` are not counted (e.g. 255 in VOC); -1: none.
  explicit ConfusionMatrix(int64_t num_classes, int64_t ignore_label = -1);

  // Counts pixel i as (truth[i], predicted[i]). Error on a size mismatch, a truth outside
  // 0..num_classes-1 that is not the ignore label, or a prediction outside 0..num_classes-1.
  Status add(std::span<const int64_t> truth, std::span<const int64_t> predicted);
  // Predictions as the argmax over the channels of `scores` [batch, num_classes, height, width]
  // (ties to the lower class); `truth` is [batch, height, width].
  Status add_scores(std::span<const float> scores, int64_t batch, int64_t height, int64_t width,
                    std::span<const int64_t> truth);

  int64_t num_classes() const { return num_classes_; }
  int64_t at(int64_t truth, int64_t predicted) const {
    return counts_[static_cast<size_t>(truth * num_classes_ + predicted)];
  }
  int64_t total() const;  // pixels counted

  std::vector<double> iou_per_class() const;  // NaN for a class absent from truth and prediction
  double mean_iou() const;                    // mean of the non-NaN IoUs; NaN when there is none
  double pixel_accuracy() const;              // trace / total; NaN when empty

 private:
  int64_t num_classes_;
  int64_t ignore_label_;
  std::vector<int64_t> counts_;  // [truth][predicted]
};

}  // namespace hwnas::metrics
