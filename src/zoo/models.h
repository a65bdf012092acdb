// Private: the builder of each zoo model and the backbones the task variants share.
#pragma once

#include <string>
#include <vector>

#include "hwnas/ir/builder.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::zoo::detail {

// Each builder receives options that zoo.cpp has already validated.
Result<ir::Graph> build_mobilenet_v2(const ZooOptions& options);
Result<ir::Graph> build_mobilenet_v2_ssdlite(const ZooOptions& options);
Result<ir::Graph> build_mobilenet_v3_large(const ZooOptions& options);
Result<ir::Graph> build_mobilenet_v3_small(const ZooOptions& options);
Result<ir::Graph> build_mobilenet_v3_large_lraspp(const ZooOptions& options);
Result<ir::Graph> build_mobilenet_v3_large_ssdlite(const ZooOptions& options);
Result<ir::Graph> build_mnasnet_a1(const ZooOptions& options);
Result<ir::Graph> build_efficientnet_b0(const ZooOptions& options);
Result<ir::Graph> build_resnet18(const ZooOptions& options);
Result<ir::Graph> build_resnet50(const ZooOptions& options);

// The input node "input" of shape [batch, in_channels, resolution, resolution].
ir::NodeId add_image_input(ir::Builder& b, const ZooOptions& options);

// The node named `name`, or an internal Error naming the model when the zoo's own naming broke.
Result<ir::NodeId> find_node(const ir::Graph& graph, const std::string& name);

// MobileNetV2 up to and including its last 1x1 conv (torchvision's `features`).
struct MobileNetV2Features {
  ir::NodeId output = ir::kNoNode;             // "last_conv" activation, 1280 channels at stride 32
  ir::NodeId layer15_expansion = ir::kNoNode;  // expansion output of the first 160-wide block (stride 16)
};
Result<MobileNetV2Features> mobilenet_v2_features(ir::Builder& b, ir::NodeId image, double width_multiplier);

// MobileNetV3 up to and including its last 1x1 conv (torchvision's `features`).
struct MobileNetV3Config {
  bool large = true;
  double width_multiplier = 1.0;
  bool dilated = false;       // last stage: stride 1 and dilation 2 (segmentation)
  bool reduced_tail = false;  // last stage at half width (detection; MobileNetV3 paper, Table 6)
};
struct MobileNetV3Features {
  ir::NodeId output = ir::kNoNode;         // last 1x1 conv (6 x last block width)
  ir::NodeId first_stride8 = ir::kNoNode;  // output of the first block at output stride 8 ("C2")
  ir::NodeId c4_expansion = ir::kNoNode;   // expansion output of the first last-stage block ("C4")
};
Result<MobileNetV3Features> mobilenet_v3_features(ir::Builder& b, ir::NodeId image,
                                                  const MobileNetV3Config& config);

}  // namespace hwnas::zoo::detail
