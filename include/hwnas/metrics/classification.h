// Top-1 and top-k accuracy of classification scores, accumulated over batches.
//
//   metrics::TopKAccuracy accuracy;
//   for (batch...) { Status s = accuracy.add(logits, num_classes, labels); }
//   double top1 = accuracy.top_k(1), top5 = accuracy.top_k(5);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::metrics {

// The rank (0 = best) of class `label` among the scores of one example: the number of classes
// that score higher, plus those that score the same and have a lower index (so ties go to the
// lower index, as argmax does). A NaN score counts as lower than any number; a NaN score of the
// label itself ranks it last. Requires 0 <= label < scores.size().
int64_t label_rank(std::span<const float> scores, int64_t label);

class TopKAccuracy {
 public:
  // `scores` is [batch, num_classes] row-major (logits or probabilities), `labels` one class id
  // per row. Error on a size mismatch or a label outside 0..num_classes-1; num_classes must stay
  // the same from batch to batch.
  Status add(std::span<const float> scores, int64_t num_classes, std::span<const int64_t> labels);

  int64_t examples() const { return examples_; }
  // Share of examples whose label ranks among the k best (label_rank < k); k >= num_classes gives
  // 1. NaN before any example was added.
  double top_k(int64_t k) const;
  double top1() const { return top_k(1); }

 private:
  int64_t num_classes_ = 0;
  int64_t examples_ = 0;
  std::vector<int64_t> rank_counts_;  // examples whose label has each rank
};

// One-shot form over one array of scores.
Result<double> top_k_accuracy(std::span<const float> scores, int64_t num_classes,
                              std::span<const int64_t> labels, int64_t k = 1);

}  // namespace hwnas::metrics
