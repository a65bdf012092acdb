// The segmentation confusion matrix, per-class IoU and mean IoU over the classes present.
#include "hwnas/metrics/segmentation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hwnas::metrics {

ConfusionMatrix::ConfusionMatrix(int64_t num_classes, int64_t ignore_label)
    : num_classes_(std::max<int64_t>(num_classes, 0)),
      ignore_label_(ignore_label),
      counts_(static_cast<size_t>(num_classes_ * num_classes_), 0) {}

Status ConfusionMatrix::add(std::span<const int64_t> truth, std::span<const int64_t> predicted) {
  if (truth.size() != predicted.size())
    return Error{"confusion matrix: " + std::to_string(truth.size()) + " ground-truth pixels, " +
                 std::to_string(predicted.size()) + " predicted"};
  for (size_t i = 0; i < truth.size(); ++i) {
    int64_t t = truth[i], p = predicted[i];
    if (t == ignore_label_) continue;
    if (t < 0 || t >= num_classes_)
      return Error{"confusion matrix: ground truth " + std::to_string(t) + " at pixel " + std::to_string(i) +
                   " is outside 0.." + std::to_string(num_classes_ - 1)};
    if (p < 0 || p >= num_classes_)
      return Error{"confusion matrix: prediction " + std::to_string(p) + " at pixel " + std::to_string(i) +
                   " is outside 0.." + std::to_string(num_classes_ - 1)};
  }
  for (size_t i = 0; i < truth.size(); ++i)
    if (truth[i] != ignore_label_) ++counts_[static_cast<size_t>(truth[i] * num_classes_ + predicted[i])];
  return {};
}

Status ConfusionMatrix::add_scores(std::span<const float> scores, int64_t batch, int64_t height,
                                   int64_t width, std::span<const int64_t> truth) {
  int64_t plane = height * width;
  if (batch < 0 || height < 0 || width < 0 ||
      scores.size() != static_cast<size_t>(batch * num_classes_ * plane))
    return Error{"confusion matrix: " + std::to_string(scores.size()) + " scores for [" +
                 std::to_string(batch) + ", " + std::to_string(num_classes_) + ", " + std::to_string(height) +
                 ", " + std::to_string(width) + "]"};
  std::vector<int64_t> predicted(static_cast<size_t>(batch * plane), 0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t p = 0; p < plane; ++p) {
      int64_t best = 0;
      float best_score = scores[static_cast<size_t>(n * num_classes_ * plane + p)];
      for (int64_t c = 1; c < num_classes_; ++c) {
        float s = scores[static_cast<size_t>((n * num_classes_ + c) * plane + p)];
        if (s > best_score || (std::isnan(best_score) && !std::isnan(s))) {
          best = c;
          best_score = s;
        }
      }
      predicted[static_cast<size_t>(n * plane + p)] = best;
    }
  return add(truth, predicted);
}

int64_t ConfusionMatrix::total() const {
  int64_t sum = 0;
  for (int64_t count : counts_) sum += count;
  return sum;
}

std::vector<double> ConfusionMatrix::iou_per_class() const {
  std::vector<double> iou(static_cast<size_t>(num_classes_), std::numeric_limits<double>::quiet_NaN());
  for (int64_t c = 0; c < num_classes_; ++c) {
    int64_t true_c = 0, predicted_c = 0;
    for (int64_t o = 0; o < num_classes_; ++o) {
      true_c += at(c, o);
      predicted_c += at(o, c);
    }
    int64_t union_c = true_c + predicted_c - at(c, c);
    if (union_c > 0)
      iou[static_cast<size_t>(c)] = static_cast<double>(at(c, c)) / static_cast<double>(union_c);
  }
  return iou;
}

double ConfusionMatrix::mean_iou() const {
  double sum = 0;
  int64_t present = 0;
  for (double v : iou_per_class())
    if (!std::isnan(v)) {
      sum += v;
      ++present;
    }
  return present > 0 ? sum / static_cast<double>(present) : std::numeric_limits<double>::quiet_NaN();
}

double ConfusionMatrix::pixel_accuracy() const {
  int64_t n = total();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  int64_t trace = 0;
  for (int64_t c = 0; c < num_classes_; ++c) trace += at(c, c);
  return static_cast<double>(trace) / static_cast<double>(n);
}

}  // namespace hwnas::metrics
