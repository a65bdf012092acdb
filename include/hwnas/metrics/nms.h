// Class-wise non-maximum suppression: turns overlapping raw detections into one detection per object.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "hwnas/metrics/boxes.h"

namespace hwnas::metrics {

struct NmsOptions {
  // A detection is dropped when its IoU with a kept, higher-scoring detection of the same label
  // is greater than this (torchvision's batched_nms rule).
  double iou_threshold = 0.5;
  // Detections scoring at or below this are dropped first.
  float score_threshold = -std::numeric_limits<float>::infinity();
  // > 0: keep at most this many, the highest scoring.
  int64_t max_detections = 0;
};

// Indices of the kept detections, by score from highest (ties: lower index first). Boxes of
// different labels never suppress each other. NaN scores are dropped.
std::vector<size_t> non_maximum_suppression_indices(std::span<const Detection> detections,
                                                    const NmsOptions& options = {});
// The kept detections themselves, in the same order.
std::vector<Detection> non_maximum_suppression(std::span<const Detection> detections,
                                               const NmsOptions& options = {});

}  // namespace hwnas::metrics
