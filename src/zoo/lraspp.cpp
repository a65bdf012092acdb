// MobileNetV3-Large with the LR-ASPP segmentation decoder, laid out as torchvision's
// lraspp_mobilenet_v3_large: dilated last stage (output stride 16), low-level features from the
// first block at output stride 8, 128 inner channels, logits resized to the input resolution.
#include "hwnas/blocks/heads.h"
#include "models.h"

namespace hwnas::zoo::detail {

Result<ir::Graph> build_mobilenet_v3_large_lraspp(const ZooOptions& options) {
  ir::Graph graph("mobilenet_v3_large_lraspp");
  ir::Builder b(graph);
  auto features =
      mobilenet_v3_features(b, add_image_input(b, options),
                            {.large = true, .width_multiplier = options.width_multiplier, .dilated = true});
  if (!features) return features.error();
  auto logits = blocks::lraspp_head(b, features->first_stride8, features->output,
                                    {.inter_channels = 128,
                                     .num_classes = options.num_classes,
                                     .out_h = options.resolution,
                                     .out_w = options.resolution});
  if (!logits) return logits.error();
  if (auto s = graph.set_outputs({*logits}); !s) return s.error();
  return graph;
}

}  // namespace hwnas::zoo::detail
