// The built-in model zoo: published networks rebuilt from hwnas blocks at any width and resolution.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::zoo {

struct ZooOptions {
  double width_multiplier = 1.0;  // scales every channel count (rounded as the paper does)
  int64_t resolution = 224;       // input height and width
  int64_t num_classes = 1000;
  int64_t batch = 1;
  int64_t in_channels = 3;
};

// Names accepted by build_model:
//  classifiers (output [batch, num_classes]): mobilenet_v2, mobilenet_v3_large,
//    mobilenet_v3_small, efficientnet_b0, resnet18, resnet50 (torchvision's layouts, equal
//    parameter counts), mnasnet_a1 (the TF reference, SE where the paper marks it);
//  segmentation: mobilenet_v3_large_lraspp (torchvision's lraspp_mobilenet_v3_large; output
//    [batch, num_classes, resolution, resolution]);
//  detection: mobilenet_v3_large_ssdlite (torchvision's ssdlite320_mobilenet_v3_large),
//    mobilenet_v2_ssdlite (MobileNetV2 paper / TF config); outputs box0, cls0, ... box5, cls5,
//    num_classes counts class slots per anchor (background included: 91 for COCO in torchvision).
// Layer names read "stem.conv", "stage3.block1.dw", "last_conv", "head.fc".
const std::vector<std::string>& model_names();

// The named network as an IR graph (shapes only, no weights), or an error naming the model and
// the option: an unknown name; width_multiplier outside (0, 8]; resolution outside [32, 8192]
// (every model downsamples 32 times); num_classes, batch or in_channels below 1.
Result<ir::Graph> build_model(std::string_view name, const ZooOptions& options = {});

}  // namespace hwnas::zoo
