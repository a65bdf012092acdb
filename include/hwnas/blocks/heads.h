// Task heads: image classification, LR-ASPP segmentation, SSDLite detection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

// ---- classification ----------------------------------------------------------------------

struct ClassificationHeadSpec {
  int64_t conv_channels = 0;  // > 0: 1x1 conv-bn-act ("conv") before pooling (MobileNets' last conv)
  Activation conv_activation = Activation::Relu6;
  int64_t hidden_features = 0;  // > 0: linear + act ("hidden") after pooling (MobileNetV3)
  Activation hidden_activation = Activation::HardSwish;
  int64_t num_classes = 1000;
  double bn_epsilon = 1e-5;
};

// [conv] -> "pool" (global average) -> "flatten" -> [hidden] -> "fc" (linear with bias to
// num_classes). Output [batch, num_classes]. Dropout is not an IR op and is left out.
Result<ir::NodeId> classification_head(ir::Builder& b, ir::NodeId features,
                                       const ClassificationHeadSpec& spec);

// ---- LR-ASPP segmentation decoder (MobileNetV3 paper; torchvision's LRASPPHead) ------------

struct LrAsppSpec {
  int64_t inter_channels = 128;
  int64_t num_classes = 21;
  int64_t out_h = 0, out_w = 0;  // > 0: final bilinear resize to this size (the input resolution)
  double bn_epsilon = 1e-5;
};

// `high`: the last stage's features; `low`: a higher-resolution feature map (output stride 8).
//   "cbr" = relu(bn(conv1x1(high)))           inter_channels
//   "gate" = sigmoid(conv1x1(pool(high)))     inter_channels, pool is global average
//   "scaled" = cbr * gate -> "up" bilinear resize to low's size
//   "logits" = "low_classifier"(low) + "high_classifier"(up)   (1x1 convs with bias)
//   -> "resize" bilinear to (out_h, out_w) when set.  Output [batch, num_classes, H, W].
Result<ir::NodeId> lraspp_head(ir::Builder& b, ir::NodeId low, ir::NodeId high, const LrAsppSpec& spec);

// ---- SSDLite detection (MobileNetV2 paper; torchvision's SSDLiteHead) ----------------------

// Extra feature layers after the backbone, each halving the resolution as SSDLite does:
// 1x1 conv-bn-act to out/2 ("reduce") -> 3x3 depthwise stride 2 ("dw") -> 1x1 conv-bn-act to
// out ("expand"), in scopes "extra<i>". Returns the output of each extra layer.
Result<std::vector<ir::NodeId>> ssdlite_extra_layers(ir::Builder& b, ir::NodeId x,
                                                     const std::vector<int64_t>& out_channels,
                                                     Activation activation = Activation::Relu6,
                                                     double bn_epsilon = 1e-5);

struct SsdLiteHeadSpec {
  int64_t num_classes = 91;                   // class slots per anchor, background included
  std::vector<int64_t> anchors_per_location;  // one per feature map
  int64_t box_code_size = 4;
  int64_t kernel = 3;
  Activation activation = Activation::Relu6;
  double bn_epsilon = 1e-5;
};

struct SsdLiteOutputs {
  std::vector<ir::NodeId> box_regression;  // per scale: [N, box_code_size * anchors, H, W]
  std::vector<ir::NodeId> class_logits;    // per scale: [N, num_classes * anchors, H, W]
};

// Per feature map i, in scope "head<i>": "box" = kxk depthwise-bn-act ("box_dw") -> 1x1 conv
// with bias; "cls" likewise ("cls_dw"). Sets the graph's outputs to box0, cls0, box1, cls1, ...
Result<SsdLiteOutputs> ssdlite_head(ir::Builder& b, const std::vector<ir::NodeId>& features,
                                    const SsdLiteHeadSpec& spec);

}  // namespace hwnas::blocks
