// Detection mAP: per-class greedy matching in score order, precision-recall curves, all-point AP.
#include "hwnas/metrics/detection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace hwnas::metrics {
namespace {

template <class BoxT>
Status check_box(const BoxT& box, const std::string& what, size_t index) {
  auto finite =
      std::isfinite(box.x0) && std::isfinite(box.y0) && std::isfinite(box.x1) && std::isfinite(box.y1);
  std::string where = "mAP: " + what + " " + std::to_string(index);
  if (!finite) return Error{where + " has a non-finite coordinate"};
  if (box.x1 < box.x0 || box.y1 < box.y0) return Error{where + " has x1 < x0 or y1 < y0"};
  if (box.label < 0) return Error{where + " has a negative label " + std::to_string(box.label)};
  return {};
}

}  // namespace

double all_point_average_precision(std::span<const PrecisionRecallPoint> curve) {
  // Precision made non-increasing from the right: interpolated[k] = max precision at k or later.
  std::vector<double> interpolated(curve.size());
  double running = 0;
  for (size_t k = curve.size(); k-- > 0;) {
    running = std::max(running, curve[k].precision);
    interpolated[k] = running;
  }
  double area = 0, previous_recall = 0;
  for (size_t k = 0; k < curve.size(); ++k) {
    if (curve[k].recall > previous_recall) {
      area += (curve[k].recall - previous_recall) * interpolated[k];
      previous_recall = curve[k].recall;
    }
  }
  return area;
}

Status MeanAveragePrecision::add_image(std::span<const Detection> detections,
                                       std::span<const GroundTruthBox> ground_truth) {
  for (size_t i = 0; i < detections.size(); ++i) {
    if (Status s = check_box(detections[i], "detection", i); !s) return s;
    if (!std::isfinite(detections[i].score))
      return Error{"mAP: detection " + std::to_string(i) + " has a non-finite score"};
  }
  for (size_t i = 0; i < ground_truth.size(); ++i)
    if (Status s = check_box(ground_truth[i], "ground-truth box", i); !s) return s;
  images_.push_back(
      Image{{detections.begin(), detections.end()}, {ground_truth.begin(), ground_truth.end()}});
  return {};
}

DetectionSummary MeanAveragePrecision::compute() const {
  std::set<int64_t> labels;
  for (const Image& image : images_) {
    for (const Detection& d : image.detections) labels.insert(d.label);
    for (const GroundTruthBox& g : image.ground_truth) labels.insert(g.label);
  }
  DetectionSummary summary;
  double sum = 0;
  int64_t with_ground_truth = 0;
  for (int64_t label : labels) {
    ClassAveragePrecision result;
    result.label = label;
    struct Candidate {
      float score;
      size_t image, detection;
    };
    std::vector<Candidate> candidates;
    std::vector<std::vector<char>> matched(images_.size());
    for (size_t i = 0; i < images_.size(); ++i) {
      const Image& image = images_[i];
      for (size_t d = 0; d < image.detections.size(); ++d)
        if (image.detections[d].label == label) candidates.push_back({image.detections[d].score, i, d});
      for (const GroundTruthBox& g : image.ground_truth) result.ground_truth += g.label == label ? 1 : 0;
      matched[i].assign(image.ground_truth.size(), 0);
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    result.detections = static_cast<int64_t>(candidates.size());
    int64_t true_positives = 0;
    for (size_t k = 0; k < candidates.size(); ++k) {
      const Image& image = images_[candidates[k].image];
      const Detection& detection = image.detections[candidates[k].detection];
      double best_iou = -1;
      size_t best = 0;
      for (size_t g = 0; g < image.ground_truth.size(); ++g) {
        if (image.ground_truth[g].label != label || matched[candidates[k].image][g]) continue;
        double iou = box_iou(detection, image.ground_truth[g]);
        if (iou > best_iou) {
          best_iou = iou;
          best = g;
        }
      }
      if (best_iou >= iou_threshold_) {
        matched[candidates[k].image][best] = 1;
        ++true_positives;
      }
      PrecisionRecallPoint point;
      point.precision = static_cast<double>(true_positives) / static_cast<double>(k + 1);
      point.recall = result.ground_truth > 0
                         ? static_cast<double>(true_positives) / static_cast<double>(result.ground_truth)
                         : 0.0;
      result.curve.push_back(point);
    }
    result.true_positives = true_positives;
    if (result.ground_truth > 0) {
      result.average_precision = all_point_average_precision(result.curve);
      sum += result.average_precision;
      ++with_ground_truth;
    } else {
      result.average_precision = std::numeric_limits<double>::quiet_NaN();
    }
    summary.classes.push_back(std::move(result));
  }
  summary.mean_average_precision = with_ground_truth > 0 ? sum / static_cast<double>(with_ground_truth)
                                                         : std::numeric_limits<double>::quiet_NaN();
  return summary;
}

}  // namespace hwnas::metrics
