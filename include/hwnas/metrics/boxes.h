// Boxes for detection metrics: ground truth, scored detections, and their intersection over union.
//
// Coordinates are pixels, x0 <= x1, y0 <= y1; a box covers [x0, x1) x [y0, y1) and its area is
// (x1 - x0) * (y1 - y0) (COCO's and torchvision's convention; PASCAL VOC's devkit adds 1 to each side).
#pragma once

#include <algorithm>
#include <cstdint>

namespace hwnas::metrics {

struct GroundTruthBox {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int64_t label = 0;
};

struct Detection {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int64_t label = 0;
  float score = 0;
};

// Intersection over union of any two boxes with fields x0, y0, x1, y1 (data::Box too); 0 when
// the union is empty.
template <class A, class B>
double box_iou(const A& a, const B& b) {
  double iw = std::min<double>(a.x1, b.x1) - std::max<double>(a.x0, b.x0);
  double ih = std::min<double>(a.y1, b.y1) - std::max<double>(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0.0;
  double intersection = iw * ih;
  double area_a = (static_cast<double>(a.x1) - a.x0) * (static_cast<double>(a.y1) - a.y0);
  double area_b = (static_cast<double>(b.x1) - b.x0) * (static_cast<double>(b.y1) - b.y0);
  double union_area = area_a + area_b - intersection;
  return union_area > 0 ? intersection / union_area : 0.0;
}

}  // namespace hwnas::metrics
