// Class-wise non-maximum suppression, greedy in score order.
#include "hwnas/metrics/nms.h"

#include <algorithm>
#include <cmath>

namespace hwnas::metrics {

std::vector<size_t> non_maximum_suppression_indices(std::span<const Detection> detections,
                                                    const NmsOptions& options) {
  std::vector<size_t> order;
  for (size_t i = 0; i < detections.size(); ++i)
    if (!std::isnan(detections[i].score) && detections[i].score > options.score_threshold) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return detections[a].score > detections[b].score; });
  std::vector<size_t> kept;
  for (size_t i : order) {
    if (options.max_detections > 0 && static_cast<int64_t>(kept.size()) >= options.max_detections) break;
    bool suppressed = std::any_of(kept.begin(), kept.end(), [&](size_t k) {
      return detections[k].label == detections[i].label &&
             box_iou(detections[k], detections[i]) > options.iou_threshold;
    });
    if (!suppressed) kept.push_back(i);
  }
  return kept;
}

std::vector<Detection> non_maximum_suppression(std::span<const Detection> detections,
                                               const NmsOptions& options) {
  std::vector<Detection> out;
  for (size_t i : non_maximum_suppression_indices(detections, options)) out.push_back(detections[i]);
  return out;
}

}  // namespace hwnas::metrics
