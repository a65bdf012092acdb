// Typed block specifications a search space sets: block type, activation, squeeze-excite, channels.
//
//   blocks::BlockSpec spec;                  // an IBN 24 -> 24, t = 6, 3x3, ReLU6
//   spec.type = blocks::BlockType::Ibn;
//   spec.out_channels = 24;
//   spec.expansion = 6;
//   auto y = blocks::build_block(builder, x, spec);   // see blocks/build_block.h
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hwnas/ir/ops.h"
#include "hwnas/ir/result.h"

namespace hwnas::blocks {

enum class Activation { None, Relu, Relu6, HardSwish, Swish, Sigmoid, HardSigmoid };

// "none", "relu", "relu6", "hard_swish", "swish", "sigmoid", "hard_sigmoid".
std::string_view activation_name(Activation activation);
std::optional<Activation> activation_from_name(std::string_view name);
// The IR operator of an activation; OpKind::Input for Activation::None (the Builder's "no activation").
ir::OpKind activation_op(Activation activation);

// The block families of the search space.
//  - Ibn: inverted bottleneck, 1x1 expand -> kxk depthwise -> [SE] -> 1x1 linear project.
//  - FusedIbn: kxk full conv expand -> [SE] -> 1x1 linear project.
//  - GroupedIbn: IBN whose expansion is a grouped convolution (see GroupedVariant).
//  - Conv: a standard kxk conv-bn-act.
enum class BlockType { Ibn, FusedIbn, GroupedIbn, Conv };

// "ibn", "fused_ibn", "grouped_ibn", "conv".
std::string_view block_type_name(BlockType type);
std::optional<BlockType> block_type_from_name(std::string_view name);

// The two grouped IBNs of the EdgeTPU / MobileDets families.
//  - FusedGrouped: kxk grouped conv expand (groups) -> [SE] -> 1x1 project (the GC-IBN of
//    MobileNetEdgeTPUV2: a fused IBN whose full conv is split into groups).
//  - GroupedPointwise: 1x1 grouped expand (groups) -> kxk depthwise -> [SE] -> 1x1 project.
enum class GroupedVariant { FusedGrouped, GroupedPointwise };

// Which tensor's width the squeeze-excite reduction is a fraction of.
enum class SeBase {
  Expanded,    // MobileNetV3: make_divisible(expanded / 4, 8)
  BlockInput,  // EfficientNet, MnasNet: max(1, block_in / 4)
};

struct SqueezeExciteConfig {
  bool enabled = false;
  double ratio = 0.25;
  SeBase base = SeBase::Expanded;
  // > 1: round floor(base * ratio) with make_divisible(., divisor); <= 1: floor, at least 1.
  int64_t divisor = 8;
  int64_t reduce_channels = 0;  // when > 0, used as is (ratio, base and divisor are ignored)
  Activation activation = Activation::Relu;
  Activation gate = Activation::HardSigmoid;

  // MobileNetV3: make_divisible(expanded / 4, 8), ReLU, hard sigmoid.
  static SqueezeExciteConfig mobilenet_v3();
  // EfficientNet: max(1, block_in / 4), Swish (SiLU), sigmoid.
  static SqueezeExciteConfig efficientnet();
  // MnasNet: max(1, block_in / 4), ReLU, sigmoid.
  static SqueezeExciteConfig mnasnet();
};

// One block of a network. Fields a block type does not use are ignored by it.
struct BlockSpec {
  BlockType type = BlockType::Ibn;
  int64_t out_channels = 0;
  int64_t kernel = 3;  // odd
  int64_t stride = 1;
  int64_t dilation = 1;  // of the kxk conv
  // Expanded width = round(in * expansion), unless expanded_channels > 0 gives it directly
  // (MobileNetV3 tables list expanded widths that are no integer multiple of the input).
  double expansion = 6.0;
  int64_t expanded_channels = 0;
  Activation activation = Activation::Relu6;  // after expand and depthwise; project is linear
  SqueezeExciteConfig se;
  int64_t groups = 1;  // GroupedIbn only
  GroupedVariant grouped_variant = GroupedVariant::FusedGrouped;
  bool residual = true;  // add the input when stride == 1 and in == out
  double bn_epsilon = 1e-5;
};

// torchvision's _make_divisible: the nearest multiple of `divisor` to `value`, at least
// `min_value` (divisor when 0), and never below 90 % of `value`.
int64_t make_divisible(double value, int64_t divisor = 8, int64_t min_value = 0);

// The expanded width of `spec` on an input of `in_channels`.
int64_t expanded_channels(const BlockSpec& spec, int64_t in_channels);

// The squeeze-excite reduction width for a block with `block_in` inputs and `expanded` channels.
int64_t se_reduce_channels(const SqueezeExciteConfig& se, int64_t block_in, int64_t expanded);

// True when the block adds its input to its output.
bool has_residual(const BlockSpec& spec, int64_t in_channels);

// Checks the fields `spec.type` uses on an input of `in_channels`; the error names the field.
Status validate_block_spec(const BlockSpec& spec, int64_t in_channels);

}  // namespace hwnas::blocks
