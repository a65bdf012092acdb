// SSD default boxes, matching, box coding and decoding, as torchvision's SSD does them (see anchors.h).
#include "hwnas/train/anchors.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "hwnas/metrics/nms.h"

namespace hwnas::train {
namespace {

// torchvision's bbox_xform_clip: the largest log-size change a decoded box may take.
const double kMaxLogSizeChange = std::log(1000.0 / 16.0);

std::string output_name(const ir::Graph& graph, ir::NodeId id) {
  return "output '" + graph.node(id).name + "'";
}

}  // namespace

Result<std::vector<FeatureMap>> detection_feature_maps(const ir::Graph& graph, int64_t num_classes) {
  if (num_classes < 2) return Error{"detection: num_classes must be at least 2 (background and one class), got " +
                                    std::to_string(num_classes)};
  std::vector<ir::NodeId> outputs = graph.outputs();
  if (outputs.empty() || outputs.size() % 2 != 0)
    return Error{"detection: graph '" + graph.name() + "' has " + std::to_string(outputs.size()) +
                 " outputs; a detection head gives pairs box0, cls0, box1, cls1, ..."};
  std::vector<FeatureMap> maps;
  for (size_t i = 0; i < outputs.size(); i += 2) {
    const ir::Shape& box = graph.node(outputs[i]).shape;
    const ir::Shape& cls = graph.node(outputs[i + 1]).shape;
    std::string box_name = output_name(graph, outputs[i]);
    std::string cls_name = output_name(graph, outputs[i + 1]);
    if (box.rank() != 4) return Error{"detection: " + box_name + " must be [N, 4 A, H, W], got rank " +
                                      std::to_string(box.rank())};
    if (cls.rank() != 4) return Error{"detection: " + cls_name + " must be [N, classes A, H, W], got rank " +
                                      std::to_string(cls.rank())};
    if (box.c() <= 0 || box.c() % 4 != 0)
      return Error{"detection: " + box_name + " has " + std::to_string(box.c()) +
                   " channels, not a positive multiple of 4 (4 box coordinates per anchor)"};
    int64_t anchors = box.c() / 4;
    if (cls.c() != num_classes * anchors)
      return Error{"detection: " + cls_name + " has " + std::to_string(cls.c()) + " channels; expected " +
                   std::to_string(num_classes) + " classes x " + std::to_string(anchors) + " anchors = " +
                   std::to_string(num_classes * anchors)};
    if (cls.h() != box.h() || cls.w() != box.w())
      return Error{"detection: " + cls_name + " is " + std::to_string(cls.h()) + "x" + std::to_string(cls.w()) +
                   " but " + box_name + " is " + std::to_string(box.h()) + "x" + std::to_string(box.w())};
    maps.push_back({.height = box.h(), .width = box.w(), .anchors_per_location = anchors});
  }
  return maps;
}

Result<std::vector<std::vector<double>>> anchor_aspect_ratios(std::span<const FeatureMap> maps,
                                                              const DefaultBoxOptions& options) {
  std::vector<std::vector<double>> ratios;
  if (!options.aspect_ratios.empty() && options.aspect_ratios.size() != maps.size())
    return Error{"detection anchors: aspect_ratios has " + std::to_string(options.aspect_ratios.size()) +
                 " entries for " + std::to_string(maps.size()) + " feature maps"};
  for (size_t k = 0; k < maps.size(); ++k) {
    int64_t anchors = maps[k].anchors_per_location;
    std::string where = "detection anchors, feature map " + std::to_string(k);
    if (anchors < 1) return Error{where + ": anchors per location must be positive"};
    if (options.aspect_ratios.empty()) {
      std::vector<double> derived;
      for (int64_t r = 0; r < (anchors - 1) / 2; ++r) derived.push_back(static_cast<double>(r + 2));
      ratios.push_back(std::move(derived));
      continue;
    }
    const std::vector<double>& given = options.aspect_ratios[k];
    for (double r : given)
      if (!(r > 0) || !std::isfinite(r)) return Error{where + ": aspect ratio " + std::to_string(r) + " is not positive"};
    int64_t expected = 2 + 2 * static_cast<int64_t>(given.size());
    if (anchors != expected && anchors != expected - 1)
      return Error{where + ": " + std::to_string(given.size()) + " aspect ratios give " + std::to_string(expected) +
                   " (or " + std::to_string(expected - 1) + ") boxes per location but the head predicts " +
                   std::to_string(anchors)};
    ratios.push_back(given);
  }
  return ratios;
}

Result<std::vector<Anchor>> default_boxes(std::span<const FeatureMap> maps, int64_t image_height,
                                          int64_t image_width, const DefaultBoxOptions& options) {
  if (image_height <= 0 || image_width <= 0) return Error{"detection anchors: image size must be positive"};
  if (!(options.min_scale > 0) || !(options.max_scale >= options.min_scale))
    return Error{"detection anchors: need 0 < min_scale <= max_scale, got " + std::to_string(options.min_scale) +
                 " and " + std::to_string(options.max_scale)};
  auto ratios = anchor_aspect_ratios(maps, options);
  if (!ratios) return ratios.error();
  size_t m = maps.size();
  std::vector<double> scales;
  if (m > 1) {
    for (size_t k = 0; k < m; ++k)
      scales.push_back(options.min_scale + (options.max_scale - options.min_scale) * static_cast<double>(k) /
                                               static_cast<double>(m - 1));
    scales.push_back(1.0);
  } else {
    scales = {options.min_scale, options.max_scale};
  }
  auto clip = [&](double v) { return options.clip ? std::clamp(v, 0.0, 1.0) : v; };
  std::vector<Anchor> anchors;
  for (size_t k = 0; k < m; ++k) {
    const FeatureMap& map = maps[k];
    // (width, height) fractions of the image, in torchvision's order.
    std::vector<std::pair<double, double>> sizes{{scales[k], scales[k]}};
    if (map.anchors_per_location % 2 == 0) {
      double interpolated = std::sqrt(scales[k] * scales[k + 1]);
      sizes.emplace_back(interpolated, interpolated);
    }
    for (double r : (*ratios)[k]) {
      double root = std::sqrt(r);
      sizes.emplace_back(scales[k] * root, scales[k] / root);
      sizes.emplace_back(scales[k] / root, scales[k] * root);
    }
    for (int64_t y = 0; y < map.height; ++y)
      for (int64_t x = 0; x < map.width; ++x) {
        double cx = (static_cast<double>(x) + 0.5) / static_cast<double>(map.width);
        double cy = (static_cast<double>(y) + 0.5) / static_cast<double>(map.height);
        for (auto [w, h] : sizes) {
          double wc = clip(w), hc = clip(h);
          anchors.push_back({.x0 = static_cast<float>((cx - 0.5 * wc) * static_cast<double>(image_width)),
                             .y0 = static_cast<float>((cy - 0.5 * hc) * static_cast<double>(image_height)),
                             .x1 = static_cast<float>((cx + 0.5 * wc) * static_cast<double>(image_width)),
                             .y1 = static_cast<float>((cy + 0.5 * hc) * static_cast<double>(image_height))});
        }
      }
  }
  return anchors;
}

std::vector<int64_t> match_anchors(std::span<const Anchor> anchors, std::span<const data::Box> truth,
                                   double iou_threshold) {
  std::vector<int64_t> matched(anchors.size(), -1);
  if (truth.empty()) return matched;
  std::vector<size_t> best_anchor(truth.size(), 0);
  std::vector<double> best_anchor_iou(truth.size(), -1.0);
  for (size_t a = 0; a < anchors.size(); ++a) {
    double best = -1.0;
    for (size_t t = 0; t < truth.size(); ++t) {
      double iou = metrics::box_iou(anchors[a], truth[t]);
      if (iou > best) {  // the first box on ties
        best = iou;
        matched[a] = iou >= iou_threshold ? static_cast<int64_t>(t) : -1;
      }
      if (iou > best_anchor_iou[t]) {  // the first anchor on ties
        best_anchor_iou[t] = iou;
        best_anchor[t] = a;
      }
    }
  }
  for (size_t t = 0; t < truth.size(); ++t) matched[best_anchor[t]] = static_cast<int64_t>(t);
  return matched;
}

std::array<float, 4> encode_box(const Anchor& anchor, const data::Box& truth, const BoxCoding& coding) {
  constexpr double kTiny = 1e-6;  // keeps the log finite for a degenerate box
  double aw = anchor.x1 - anchor.x0, ah = anchor.y1 - anchor.y0;
  double ax = anchor.x0 + 0.5 * aw, ay = anchor.y0 + 0.5 * ah;
  double tw = std::max<double>(truth.x1 - truth.x0, kTiny), th = std::max<double>(truth.y1 - truth.y0, kTiny);
  double tx = truth.x0 + 0.5 * (static_cast<double>(truth.x1) - truth.x0);
  double ty = truth.y0 + 0.5 * (static_cast<double>(truth.y1) - truth.y0);
  return {static_cast<float>((tx - ax) / aw / coding.center_variance),
          static_cast<float>((ty - ay) / ah / coding.center_variance),
          static_cast<float>(std::log(tw / aw) / coding.size_variance),
          static_cast<float>(std::log(th / ah) / coding.size_variance)};
}

data::Box decode_box(const Anchor& anchor, std::span<const float> code, const BoxCoding& coding) {
  double aw = anchor.x1 - anchor.x0, ah = anchor.y1 - anchor.y0;
  double ax = anchor.x0 + 0.5 * aw, ay = anchor.y0 + 0.5 * ah;
  double cx = code[0] * coding.center_variance * aw + ax;
  double cy = code[1] * coding.center_variance * ah + ay;
  double w = std::exp(std::min(code[2] * coding.size_variance, kMaxLogSizeChange)) * aw;
  double h = std::exp(std::min(code[3] * coding.size_variance, kMaxLogSizeChange)) * ah;
  return {.x0 = static_cast<float>(cx - 0.5 * w),
          .y0 = static_cast<float>(cy - 0.5 * h),
          .x1 = static_cast<float>(cx + 0.5 * w),
          .y1 = static_cast<float>(cy + 0.5 * h)};
}

std::vector<metrics::Detection> decode_detections(std::span<const Anchor> anchors, std::span<const float> codes,
                                                  std::span<const float> probabilities, int64_t num_classes,
                                                  int64_t image_height, int64_t image_width,
                                                  const BoxCoding& coding, const DecodeOptions& options) {
  size_t count = anchors.size();
  if (num_classes < 2 || codes.size() != 4 * count || probabilities.size() != count * static_cast<size_t>(num_classes))
    return {};
  std::vector<data::Box> boxes(count);
  for (size_t a = 0; a < count; ++a) {
    data::Box box = decode_box(anchors[a], codes.subspan(4 * a, 4), coding);
    auto clamp = [](float v, int64_t high) { return std::clamp(v, 0.0f, static_cast<float>(high)); };
    boxes[a] = {.x0 = clamp(box.x0, image_width), .y0 = clamp(box.y0, image_height),
                .x1 = clamp(box.x1, image_width), .y1 = clamp(box.y1, image_height)};
  }
  std::vector<metrics::Detection> candidates;
  std::vector<size_t> above;
  for (int64_t c = 1; c < num_classes; ++c) {
    above.clear();
    for (size_t a = 0; a < count; ++a) {
      float score = probabilities[a * static_cast<size_t>(num_classes) + static_cast<size_t>(c)];
      if (score > options.score_threshold) above.push_back(a);
    }
    auto score_of = [&](size_t a) { return probabilities[a * static_cast<size_t>(num_classes) + static_cast<size_t>(c)]; };
    std::stable_sort(above.begin(), above.end(), [&](size_t l, size_t r) { return score_of(l) > score_of(r); });
    if (options.candidates_per_class > 0 && static_cast<int64_t>(above.size()) > options.candidates_per_class)
      above.resize(static_cast<size_t>(options.candidates_per_class));
    for (size_t a : above)
      candidates.push_back({.x0 = boxes[a].x0, .y0 = boxes[a].y0, .x1 = boxes[a].x1, .y1 = boxes[a].y1,
                            .label = c, .score = score_of(a)});
  }
  return metrics::non_maximum_suppression(
      candidates, {.iou_threshold = options.nms_iou_threshold, .max_detections = options.max_detections});
}

}  // namespace hwnas::train
