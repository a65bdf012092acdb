// Names, channel arithmetic and validation of block specifications.
#include "hwnas/blocks/spec.h"

#include <cmath>
#include <string>

namespace hwnas::blocks {
namespace {

constexpr struct {
  Activation activation;
  std::string_view name;
  ir::OpKind op;
} kActivations[] = {
    {Activation::None, "none", ir::OpKind::Input},
    {Activation::Relu, "relu", ir::OpKind::Relu},
    {Activation::Relu6, "relu6", ir::OpKind::Relu6},
    {Activation::HardSwish, "hard_swish", ir::OpKind::HardSwish},
    {Activation::Swish, "swish", ir::OpKind::Swish},
    {Activation::Sigmoid, "sigmoid", ir::OpKind::Sigmoid},
    {Activation::HardSigmoid, "hard_sigmoid", ir::OpKind::HardSigmoid},
};

constexpr struct {
  BlockType type;
  std::string_view name;
} kBlockTypes[] = {
    {BlockType::Ibn, "ibn"},
    {BlockType::FusedIbn, "fused_ibn"},
    {BlockType::GroupedIbn, "grouped_ibn"},
    {BlockType::Conv, "conv"},
};

// Largest expansion ratio and channel count a spec may ask for: far beyond any network, small
// enough that no width or MAC count overflows.
constexpr double kMaxExpansion = 64.0;
constexpr int64_t kMaxChannels = int64_t{1} << 20;

std::string field_error(const BlockSpec& spec, const std::string& text) {
  return std::string(block_type_name(spec.type)) + " block: " + text;
}

}  // namespace

std::string_view activation_name(Activation activation) {
  for (const auto& a : kActivations)
    if (a.activation == activation) return a.name;
  return "unknown";
}

std::optional<Activation> activation_from_name(std::string_view name) {
  for (const auto& a : kActivations)
    if (a.name == name) return a.activation;
  return std::nullopt;
}

ir::OpKind activation_op(Activation activation) {
  for (const auto& a : kActivations)
    if (a.activation == activation) return a.op;
  return ir::OpKind::Input;
}

std::string_view block_type_name(BlockType type) {
  for (const auto& t : kBlockTypes)
    if (t.type == type) return t.name;
  return "unknown";
}

std::optional<BlockType> block_type_from_name(std::string_view name) {
  for (const auto& t : kBlockTypes)
    if (t.name == name) return t.type;
  return std::nullopt;
}

SqueezeExciteConfig SqueezeExciteConfig::mobilenet_v3() {
  SqueezeExciteConfig se;
  se.enabled = true;
  se.ratio = 0.25;
  se.base = SeBase::Expanded;
  se.divisor = 8;
  se.activation = Activation::Relu;
  se.gate = Activation::HardSigmoid;
  return se;
}

SqueezeExciteConfig SqueezeExciteConfig::efficientnet() {
  SqueezeExciteConfig se;
  se.enabled = true;
  se.ratio = 0.25;
  se.base = SeBase::BlockInput;
  se.divisor = 1;
  se.activation = Activation::Swish;
  se.gate = Activation::Sigmoid;
  return se;
}

SqueezeExciteConfig SqueezeExciteConfig::mnasnet() {
  SqueezeExciteConfig se = efficientnet();
  se.activation = Activation::Relu;
  return se;
}

int64_t make_divisible(double value, int64_t divisor, int64_t min_value) {
  if (divisor <= 0) divisor = 1;
  if (min_value <= 0) min_value = divisor;
  if (!(value >= 0.0)) value = 0.0;  // negative or NaN
  if (value > 1e15) value = 1e15;    // keeps the cast below defined
  auto rounded = static_cast<int64_t>(value + static_cast<double>(divisor) / 2.0) / divisor * divisor;
  int64_t result = std::max(min_value, rounded);
  if (static_cast<double>(result) < 0.9 * value) result += divisor;
  return result;
}

int64_t expanded_channels(const BlockSpec& spec, int64_t in_channels) {
  if (spec.expanded_channels > 0) return spec.expanded_channels;
  double expanded = static_cast<double>(in_channels) * spec.expansion;
  if (!(expanded > 0) || expanded > 1e15) return 0;  // NaN, negative or absurd: validation rejects 0
  return static_cast<int64_t>(std::llround(expanded));
}

int64_t se_reduce_channels(const SqueezeExciteConfig& se, int64_t block_in, int64_t expanded) {
  if (se.reduce_channels > 0) return se.reduce_channels;
  int64_t base = se.base == SeBase::Expanded ? expanded : block_in;
  // floor first: torchvision writes expanded // 4 and TF int(block_in * 0.25).
  double fraction = static_cast<double>(base) * se.ratio;
  if (!(fraction > 0)) fraction = 0;  // NaN or negative ratio
  if (fraction > 1e15) fraction = 1e15;
  auto reduced = static_cast<int64_t>(std::floor(fraction));
  if (se.divisor > 1) return make_divisible(static_cast<double>(reduced), se.divisor);
  return std::max<int64_t>(1, reduced);
}

bool has_residual(const BlockSpec& spec, int64_t in_channels) {
  return spec.type != BlockType::Conv && spec.residual && spec.stride == 1 &&
         in_channels == spec.out_channels;
}

Status validate_block_spec(const BlockSpec& spec, int64_t in_channels) {
  auto fail = [&](const std::string& text) { return Status(Error{field_error(spec, text)}); };
  if (block_type_name(spec.type) == "unknown") return Error{"block spec: unknown block type"};
  if (in_channels <= 0 || in_channels > kMaxChannels)
    return fail("input width " + std::to_string(in_channels) + " is out of range");
  if (spec.out_channels <= 0 || spec.out_channels > kMaxChannels)
    return fail("out_channels must be in [1, " + std::to_string(kMaxChannels) + "], got " +
                std::to_string(spec.out_channels));
  if (spec.kernel <= 0 || spec.kernel % 2 == 0)
    return fail("kernel must be odd and positive, got " + std::to_string(spec.kernel));
  if (spec.stride <= 0) return fail("stride must be positive, got " + std::to_string(spec.stride));
  if (spec.dilation <= 0) return fail("dilation must be positive, got " + std::to_string(spec.dilation));
  if (!(spec.bn_epsilon > 0)) return fail("bn_epsilon must be positive");
  if (activation_name(spec.activation) == "unknown") return fail("unknown activation");
  if (spec.type == BlockType::Conv) return {};

  if (spec.expanded_channels < 0 || spec.expanded_channels > kMaxChannels)
    return fail("expanded_channels must be in [0, " + std::to_string(kMaxChannels) + "], got " +
                std::to_string(spec.expanded_channels));
  if (spec.expanded_channels == 0 && !(spec.expansion > 0 && spec.expansion <= kMaxExpansion))
    return fail("expansion must be in (0, " + std::to_string(static_cast<int>(kMaxExpansion)) + "], got " +
                std::to_string(spec.expansion));
  int64_t expanded = expanded_channels(spec, in_channels);
  if (expanded <= 0 || expanded > kMaxChannels)
    return fail("expanded width " + std::to_string(expanded) + " is out of range");
  if (spec.se.enabled) {
    if (spec.se.reduce_channels < 0) return fail("se.reduce_channels must not be negative");
    if (spec.se.reduce_channels == 0 && !(spec.se.ratio > 0 && spec.se.ratio <= 1))
      return fail("se.ratio must be in (0, 1], got " + std::to_string(spec.se.ratio));
    if (spec.se.gate != Activation::Sigmoid && spec.se.gate != Activation::HardSigmoid)
      return fail("se.gate must be sigmoid or hard_sigmoid, got " +
                  std::string(activation_name(spec.se.gate)));
    if (activation_name(spec.se.activation) == "unknown") return fail("unknown se.activation");
  }
  if (spec.type == BlockType::GroupedIbn) {
    if (spec.groups <= 0) return fail("groups must be positive, got " + std::to_string(spec.groups));
    if (in_channels % spec.groups != 0)
      return fail("groups=" + std::to_string(spec.groups) + " does not divide the input width " +
                  std::to_string(in_channels));
    if (expanded % spec.groups != 0)
      return fail("groups=" + std::to_string(spec.groups) + " does not divide the expanded width " +
                  std::to_string(expanded));
  }
  return {};
}

}  // namespace hwnas::blocks
