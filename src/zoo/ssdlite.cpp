// SSDLite detectors: MobileNetV2 + SSDLite as the MobileNetV2 paper and the TensorFlow Object
// Detection API's ssdlite_mobilenet_v2 config build it, and MobileNetV3-Large + SSDLite as
// torchvision's ssdlite320_mobilenet_v3_large. Published figures are at 320x320 with 91 class
// slots (COCO's 90 ids + background): pass resolution = 320 and num_classes = 91.
#include <algorithm>

#include "hwnas/blocks/heads.h"
#include "models.h"

namespace hwnas::zoo::detail {
namespace {

// Extra layers 512, 256, 256, 128, scaled by max(16, int(d x w)): TF's depth_fn and torchvision's
// SSDLiteFeatureExtractorMobileNet(width_mult, min_depth=16) rule (its builder passes width 1).
// Below width 1 the MobileNetV2 backbone keeps its 1280-wide last conv (torchvision's rule; TF's
// SSD feature extractor would scale it), so widths other than 1 follow no published detector.
std::vector<int64_t> extra_widths(double width_multiplier) {
  std::vector<int64_t> widths;
  for (int64_t d : {512, 256, 256, 128})
    widths.push_back(std::max<int64_t>(16, static_cast<int64_t>(static_cast<double>(d) * width_multiplier)));
  return widths;
}

// Backbone taps + extra layers + SSDLite predictors; the graph's outputs are box0, cls0, box1, ...
Status add_ssdlite(ir::Builder& b, ir::NodeId tap16, ir::NodeId tap32, const ZooOptions& options,
                   std::vector<int64_t> anchors) {
  auto extras = blocks::ssdlite_extra_layers(b, tap32, extra_widths(options.width_multiplier),
                                             blocks::Activation::Relu6, 1e-3);
  if (!extras) return extras.error();
  std::vector<ir::NodeId> features{tap16, tap32};
  features.insert(features.end(), extras->begin(), extras->end());
  auto heads = blocks::ssdlite_head(b, features,
                                    {.num_classes = options.num_classes,
                                     .anchors_per_location = std::move(anchors),
                                     .activation = blocks::Activation::Relu6,
                                     .bn_epsilon = 1e-3});
  if (!heads) return heads.error();
  return {};
}

}  // namespace

Result<ir::Graph> build_mobilenet_v2_ssdlite(const ZooOptions& options) {
  ir::Graph graph("mobilenet_v2_ssdlite");
  ir::Builder b(graph);
  auto features = mobilenet_v2_features(b, add_image_input(b, options), options.width_multiplier);
  if (!features) return features.error();
  // TF's ssd_anchor_generator with 5 aspect ratios: 3 boxes on the lowest layer, 6 elsewhere.
  if (auto s = add_ssdlite(b, features->layer15_expansion, features->output, options, {3, 6, 6, 6, 6, 6}); !s)
    return s.error();
  return graph;
}

Result<ir::Graph> build_mobilenet_v3_large_ssdlite(const ZooOptions& options) {
  ir::Graph graph("mobilenet_v3_large_ssdlite");
  ir::Builder b(graph);
  auto features = mobilenet_v3_features(
      b, add_image_input(b, options),
      {.large = true, .width_multiplier = options.width_multiplier, .reduced_tail = true});
  if (!features) return features.error();
  // torchvision's DefaultBoxGenerator([[2, 3]] x 6): 6 boxes per location on every map.
  if (auto s = add_ssdlite(b, features->c4_expansion, features->output, options, {6, 6, 6, 6, 6, 6}); !s)
    return s.error();
  return graph;
}

}  // namespace hwnas::zoo::detail
