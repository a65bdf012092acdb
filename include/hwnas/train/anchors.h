// SSD default boxes: generation per feature map, matching to ground truth, box encoding and decoding.
//
//   auto maps = train::detection_feature_maps(graph, /*num_classes=*/11);  // from the head outputs
//   auto anchors = train::default_boxes(*maps, 96, 96, {});                // pixels, head order
//   auto matched = train::match_anchors(*anchors, example.boxes);          // -1: background
//   auto code = train::encode_box((*anchors)[a], example.boxes[matched[a]], {});
//   auto dets = train::decode_detections(*anchors, codes, probabilities, 11, 96, 96, {});
//
// Everything follows torchvision's SSD (models/detection/ssd.py, anchor_utils.py,
// _utils.py) so that its published recipe applies unchanged:
//  - DefaultBoxGenerator: scales s_k = min + (max - min) k / (m - 1) for the m maps, plus
//    s_m = 1; per location the boxes (s_k, s_k), (s'_k, s'_k) with s'_k = sqrt(s_k s_{k+1}), then
//    per aspect ratio r (s_k sqrt r, s_k / sqrt r) and (s_k / sqrt r, s_k sqrt r); widths and
//    heights clipped to [0, 1] of the image; centres ((x + 0.5) / W, (y + 0.5) / H).
//  - Order: map by map, locations row-major, the A boxes of a location last — the order the
//    head's [N, 4 A, H, W] output gives after view(N, A, 4, H, W).permute(0, 3, 4, 1, 2).
//  - SSDMatcher: an anchor takes the ground-truth box of highest IoU when that IoU >= 0.5,
//    else it is background; then every ground-truth box takes its own best anchor even below
//    0.5 (later boxes win a shared anchor).
//  - BoxCoder(weights = (10, 10, 5, 5)), i.e. variances 0.1 (centre) and 0.2 (size); decoded
//    log-sizes clamped at log(1000 / 16).
//  - postprocess_detections: softmax scores; per class (not the background) the scores above
//    a threshold, the top candidates, boxes clipped to the image; class-wise NMS; the best
//    max_detections kept.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/metrics/boxes.h"

namespace hwnas::train {

// A default box in pixels, covering [x0, x1) x [y0, y1).
struct Anchor {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool operator==(const Anchor&) const = default;
};

// One prediction scale of a detection head.
struct FeatureMap {
  int64_t height = 0, width = 0;
  int64_t anchors_per_location = 0;
  bool operator==(const FeatureMap&) const = default;
};

struct DefaultBoxOptions {
  double min_scale = 0.2;   // box side of the first map, a fraction of the image side
  double max_scale = 0.95;  // of the last map (torchvision's ssdlite320 values)
  // Per map, the aspect ratios r > 0 beyond the squares. Empty: derived from the head's anchors
  // per location A: A = 2 + 2k takes the first k of {2, 3, 4, ...} (so 6 gives torchvision's
  // [2, 3]); an odd A = 1 + 2k likewise, with the interpolated square s'_k left out.
  std::vector<std::vector<double>> aspect_ratios;
  bool clip = true;  // clip box widths and heights to the image
};

struct BoxCoding {
  double center_variance = 0.1;  // torchvision's weights (10, 10, 5, 5)
  double size_variance = 0.2;
};

struct DecodeOptions {
  float score_threshold = 0.001f;    // torchvision ssdlite320
  int64_t candidates_per_class = 300;
  double nms_iou_threshold = 0.55;
  int64_t max_detections = 300;
};

// The maps of a detection graph whose outputs are box0, cls0, box1, cls1, ... with box_i
// [N, 4 A_i, H_i, W_i] and cls_i [N, num_classes A_i, H_i, W_i]; an Error naming the output
// that does not fit.
Result<std::vector<FeatureMap>> detection_feature_maps(const ir::Graph& graph, int64_t num_classes);

// The aspect ratios each map uses: options.aspect_ratios when given (an Error when a map's count
// disagrees with its anchors per location or a ratio is not positive), else derived from A.
Result<std::vector<std::vector<double>>> anchor_aspect_ratios(std::span<const FeatureMap> maps,
                                                              const DefaultBoxOptions& options);

// Every default box of the maps for an image of image_height x image_width pixels, in head order.
Result<std::vector<Anchor>> default_boxes(std::span<const FeatureMap> maps, int64_t image_height,
                                          int64_t image_width, const DefaultBoxOptions& options);

// Per anchor, the index in `truth` of the box it regresses, or -1 for the background.
std::vector<int64_t> match_anchors(std::span<const Anchor> anchors, std::span<const data::Box> truth,
                                   double iou_threshold = 0.5);

// The regression target of `truth` relative to `anchor`: (dx, dy, dw, dh).
std::array<float, 4> encode_box(const Anchor& anchor, const data::Box& truth, const BoxCoding& coding);
// Its inverse: the box (label 0) that `code` describes relative to `anchor`.
data::Box decode_box(const Anchor& anchor, std::span<const float> code, const BoxCoding& coding);

// The detections of one image from its per-anchor box codes [anchors, 4] and class
// probabilities [anchors, num_classes] (softmax taken, class 0 the background), row-major.
std::vector<metrics::Detection> decode_detections(std::span<const Anchor> anchors, std::span<const float> codes,
                                                  std::span<const float> probabilities, int64_t num_classes,
                                                  int64_t image_height, int64_t image_width,
                                                  const BoxCoding& coding, const DecodeOptions& options);

}  // namespace hwnas::train
