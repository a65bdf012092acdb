// Top-k accuracy: the rank of the true class among the scores, counted per rank.
#include "hwnas/metrics/classification.h"

#include <cmath>
#include <limits>

namespace hwnas::metrics {

int64_t label_rank(std::span<const float> scores, int64_t label) {
  float own = scores[static_cast<size_t>(label)];
  if (std::isnan(own)) return static_cast<int64_t>(scores.size()) - 1;
  int64_t rank = 0;
  for (size_t c = 0; c < scores.size(); ++c) {
    float s = scores[c];
    if (std::isnan(s)) continue;
    if (s > own || (s == own && static_cast<int64_t>(c) < label)) ++rank;
  }
  return rank;
}

Status TopKAccuracy::add(std::span<const float> scores, int64_t num_classes,
                         std::span<const int64_t> labels) {
  if (num_classes < 1)
    return Error{"top-k accuracy: num_classes must be >= 1, not " + std::to_string(num_classes)};
  if (num_classes_ != 0 && num_classes != num_classes_)
    return Error{"top-k accuracy: " + std::to_string(num_classes) + " classes, earlier batches had " +
                 std::to_string(num_classes_)};
  if (scores.size() != labels.size() * static_cast<size_t>(num_classes))
    return Error{"top-k accuracy: " + std::to_string(scores.size()) + " scores for " +
                 std::to_string(labels.size()) + " labels of " + std::to_string(num_classes) + " classes"};
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= num_classes)
      return Error{"top-k accuracy: label " + std::to_string(labels[i]) + " of example " + std::to_string(i) +
                   " is outside 0.." + std::to_string(num_classes - 1)};
  num_classes_ = num_classes;
  rank_counts_.resize(static_cast<size_t>(num_classes), 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    auto row = scores.subspan(i * static_cast<size_t>(num_classes), static_cast<size_t>(num_classes));
    ++rank_counts_[static_cast<size_t>(label_rank(row, labels[i]))];
  }
  examples_ += static_cast<int64_t>(labels.size());
  return {};
}

double TopKAccuracy::top_k(int64_t k) const {
  if (examples_ == 0) return std::numeric_limits<double>::quiet_NaN();
  int64_t correct = 0;
  for (int64_t r = 0; r < std::min<int64_t>(k, num_classes_); ++r)
    correct += rank_counts_[static_cast<size_t>(r)];
  return static_cast<double>(correct) / static_cast<double>(examples_);
}

Result<double> top_k_accuracy(std::span<const float> scores, int64_t num_classes,
                              std::span<const int64_t> labels, int64_t k) {
  TopKAccuracy accuracy;
  if (Status s = accuracy.add(scores, num_classes, labels); !s) return s.error();
  return accuracy.top_k(k);
}

}  // namespace hwnas::metrics
