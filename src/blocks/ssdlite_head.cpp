// SSDLite: extra downsampling feature layers and the depthwise-separable box and class predictors.
#include "block_checks.h"
#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"

namespace hwnas::blocks {

Result<std::vector<ir::NodeId>> ssdlite_extra_layers(ir::Builder& b, ir::NodeId x,
                                                     const std::vector<int64_t>& out_channels,
                                                     Activation activation, double bn_epsilon) {
  if (auto s = detail::check_feature_map(b, x, "ssdlite extra layers"); !s) return s.error();
  std::vector<ir::NodeId> outputs;
  for (size_t i = 0; i < out_channels.size(); ++i) {
    int64_t out = out_channels[i];
    if (out < 2)
      return Error{"ssdlite extra layer " + std::to_string(i) + ": out_channels must be at least 2, got " +
                   std::to_string(out)};
    int64_t mid = out / 2;
    auto scope = b.scope("extra" + std::to_string(i));
    auto y = conv_bn_act(
        b, x, {.out_channels = mid, .kernel = 1, .activation = activation, .bn_epsilon = bn_epsilon},
        "reduce");
    if (!y) return y.error();
    y = conv_bn_act(b, *y,
                    {.out_channels = mid,
                     .kernel = 3,
                     .stride = 2,
                     .groups = mid,
                     .activation = activation,
                     .bn_epsilon = bn_epsilon},
                    "dw");
    if (!y) return y.error();
    y = conv_bn_act(b, *y,
                    {.out_channels = out, .kernel = 1, .activation = activation, .bn_epsilon = bn_epsilon},
                    "expand");
    if (!y) return y.error();
    x = *y;
    outputs.push_back(x);
  }
  return outputs;
}

Result<SsdLiteOutputs> ssdlite_head(ir::Builder& b, const std::vector<ir::NodeId>& features,
                                    const SsdLiteHeadSpec& spec) {
  if (!b.ok()) return b.error();
  if (features.empty()) return Error{"ssdlite head: needs at least one feature map"};
  if (features.size() != spec.anchors_per_location.size())
    return Error{"ssdlite head: " + std::to_string(features.size()) + " feature maps but " +
                 std::to_string(spec.anchors_per_location.size()) + " anchors_per_location entries"};
  if (spec.num_classes <= 0 || spec.box_code_size <= 0)
    return Error{"ssdlite head: num_classes and box_code_size must be positive"};
  SsdLiteOutputs out;
  std::vector<ir::NodeId> graph_outputs;
  for (size_t i = 0; i < features.size(); ++i) {
    std::string where = "ssdlite head " + std::to_string(i);
    if (auto s = detail::check_feature_map(b, features[i], where); !s) return s.error();
    int64_t anchors = spec.anchors_per_location[i];
    if (anchors <= 0)
      return Error{where + ": anchors_per_location must be positive, got " + std::to_string(anchors)};
    int64_t channels = b.channels(features[i]);
    auto scope = b.scope("head" + std::to_string(i));
    auto predictor = [&](int64_t outputs, const std::string& name) -> Result<ir::NodeId> {
      auto dw = conv_bn_act(b, features[i],
                            {.out_channels = channels,
                             .kernel = spec.kernel,
                             .groups = channels,
                             .activation = spec.activation,
                             .bn_epsilon = spec.bn_epsilon},
                            name + "_dw");
      if (!dw) return dw;
      return conv_bn_act(b, *dw,
                         {.out_channels = outputs,
                          .kernel = 1,
                          .activation = Activation::None,
                          .batch_norm = false,
                          .bias = true},
                         name);
    };
    auto box = predictor(spec.box_code_size * anchors, "box");
    if (!box) return box.error();
    auto cls = predictor(spec.num_classes * anchors, "cls");
    if (!cls) return cls.error();
    out.box_regression.push_back(*box);
    out.class_logits.push_back(*cls);
    graph_outputs.push_back(*box);
    graph_outputs.push_back(*cls);
  }
  if (auto s = b.graph().set_outputs(graph_outputs); !s) return s.error();
  return out;
}

}  // namespace hwnas::blocks
