// The standard conv -> batch norm -> activation unit every block and stem is made of.
//
//   auto scope = builder.scope("stem");
//   auto y = blocks::conv_bn_act(builder, x, {.out_channels = 32, .kernel = 3, .stride = 2,
//                                           .activation = blocks::Activation::Relu6});
//   // nodes "stem.conv", "stem.conv_bn", "stem.conv_relu6"
#pragma once

#include <string>

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks {

struct ConvSpec {
  int64_t out_channels = 0;
  int64_t kernel = 3;  // odd; "same" padding (kernel - 1) / 2 * dilation on every side
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t groups = 1;
  Activation activation = Activation::Relu;
  bool batch_norm = true;
  bool bias = false;
  double bn_epsilon = 1e-5;
};

// conv -> [batch norm] -> [activation], named "<name>", "<name>_bn", "<name>_<activation>"
// inside the builder's scope. Returns the last node.
Result<ir::NodeId> conv_bn_act(ir::Builder& b, ir::NodeId x, const ConvSpec& spec,
                               const std::string& name = "conv");

// The activation node "<name>" of `activation`; `x` itself for Activation::None.
Result<ir::NodeId> apply_activation(ir::Builder& b, ir::NodeId x, Activation activation,
                                    const std::string& name);

// The standard-conv block of the search space: kxk conv-bn-act to spec.out_channels with
// spec.stride, spec.dilation and spec.activation; named "conv". No residual.
Result<ir::NodeId> build_conv_block(ir::Builder& b, ir::NodeId x, const BlockSpec& spec);

}  // namespace hwnas::blocks
