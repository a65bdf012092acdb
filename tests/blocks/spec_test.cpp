// Block specifications: channel rounding, squeeze-excite widths, names and validation errors.
#include "hwnas/blocks/spec.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hwnas::blocks {
namespace {

TEST(MakeDivisible, RoundsToNearestMultipleAndNeverLosesTenPercent) {
  EXPECT_EQ(make_divisible(32 * 1.0), 32);
  EXPECT_EQ(make_divisible(32 * 1.4), 48);    // 44.8 -> 48
  EXPECT_EQ(make_divisible(24 * 1.4), 32);    // 33.6 -> 32 (within 10 %)
  EXPECT_EQ(make_divisible(24 * 0.5), 16);    // 12 rounds half up
  EXPECT_EQ(make_divisible(32 * 0.35), 16);   // 11.2 -> 8 would lose 29 %, so 16
  EXPECT_EQ(make_divisible(19.9), 24);        // 16 < 0.9 x 19.9
  EXPECT_EQ(make_divisible(3.0), 8);          // at least the divisor
  EXPECT_EQ(make_divisible(3.0, 8, 16), 16);  // or the given minimum
  EXPECT_EQ(make_divisible(1280 * 1.4), 1792);
  EXPECT_EQ(make_divisible(std::nan("")), 8);  // no undefined cast on NaN
}

TEST(SqueezeExciteWidth, MobileNetV3RoundsAQuarterOfTheExpandedWidthToEight) {
  SqueezeExciteConfig se = SqueezeExciteConfig::mobilenet_v3();
  // torchvision: _make_divisible(expanded // 4, 8)
  EXPECT_EQ(se_reduce_channels(se, 24, 72), 24);   // 18 -> 16 is below 90 %, so 24
  EXPECT_EQ(se_reduce_channels(se, 40, 120), 32);  // 30 -> 32
  EXPECT_EQ(se_reduce_channels(se, 80, 480), 120);
  EXPECT_EQ(se_reduce_channels(se, 16, 16), 8);    // 4 -> at least 8
  EXPECT_EQ(se_reduce_channels(se, 48, 144), 40);  // 36 -> 40
  EXPECT_EQ(se_reduce_channels(se, 40, 240), 64);  // 60 -> 64
}

TEST(SqueezeExciteWidth, EfficientNetAndMnasNetTakeAQuarterOfTheBlockInput) {
  SqueezeExciteConfig se = SqueezeExciteConfig::efficientnet();
  EXPECT_EQ(se_reduce_channels(se, 32, 32), 8);
  EXPECT_EQ(se_reduce_channels(se, 16, 96), 4);
  EXPECT_EQ(se_reduce_channels(se, 24, 144), 6);  // no rounding to 8
  EXPECT_EQ(se_reduce_channels(se, 3, 18), 1);    // max(1, 3 // 4)
  EXPECT_EQ(se_reduce_channels(SqueezeExciteConfig::mnasnet(), 40, 120), 10);
  EXPECT_EQ(SqueezeExciteConfig::mnasnet().activation, Activation::Relu);
  EXPECT_EQ(SqueezeExciteConfig::efficientnet().activation, Activation::Swish);
  SqueezeExciteConfig fixed = se;
  fixed.reduce_channels = 13;
  EXPECT_EQ(se_reduce_channels(fixed, 40, 240), 13);
}

TEST(ExpandedChannels, RatioOrExplicitWidth) {
  BlockSpec spec;
  spec.expansion = 6;
  EXPECT_EQ(expanded_channels(spec, 24), 144);
  spec.expansion = 1;
  EXPECT_EQ(expanded_channels(spec, 24), 24);
  spec.expanded_channels = 72;  // MobileNetV3 lists expanded widths directly
  EXPECT_EQ(expanded_channels(spec, 24), 72);
}

TEST(Names, RoundTrip) {
  for (Activation a : {Activation::None, Activation::Relu, Activation::Relu6, Activation::HardSwish,
                       Activation::Swish, Activation::Sigmoid, Activation::HardSigmoid})
    EXPECT_EQ(activation_from_name(activation_name(a)), a);
  for (BlockType t : {BlockType::Ibn, BlockType::FusedIbn, BlockType::GroupedIbn, BlockType::Conv})
    EXPECT_EQ(block_type_from_name(block_type_name(t)), t);
  EXPECT_EQ(block_type_name(BlockType::FusedIbn), "fused_ibn");
  EXPECT_FALSE(activation_from_name("gelu").has_value());
  EXPECT_FALSE(block_type_from_name("mbconv").has_value());
  EXPECT_EQ(activation_op(Activation::HardSwish), ir::OpKind::HardSwish);
  EXPECT_EQ(activation_op(Activation::None), ir::OpKind::Input);
}

TEST(Residual, OnlyAtStrideOneAndEqualWidths) {
  BlockSpec spec;
  spec.out_channels = 24;
  EXPECT_TRUE(has_residual(spec, 24));
  EXPECT_FALSE(has_residual(spec, 16));
  spec.stride = 2;
  EXPECT_FALSE(has_residual(spec, 24));
  spec.stride = 1;
  spec.residual = false;
  EXPECT_FALSE(has_residual(spec, 24));
  spec.residual = true;
  spec.type = BlockType::Conv;
  EXPECT_FALSE(has_residual(spec, 24));
}

std::string invalid(const BlockSpec& spec, int64_t in_channels) {
  Status s = validate_block_spec(spec, in_channels);
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.error().message;
}

TEST(Validate, NamesTheBadField) {
  BlockSpec good;
  good.out_channels = 24;
  EXPECT_TRUE(validate_block_spec(good, 24).ok());

  BlockSpec spec = good;
  spec.kernel = 4;
  EXPECT_NE(invalid(spec, 24).find("kernel"), std::string::npos);
  spec = good;
  spec.out_channels = 0;
  EXPECT_NE(invalid(spec, 24).find("out_channels"), std::string::npos);
  spec = good;
  spec.expansion = 0;
  EXPECT_NE(invalid(spec, 24).find("expansion"), std::string::npos);
  spec.expansion = std::nan("");
  EXPECT_NE(invalid(spec, 24).find("expansion"), std::string::npos);
  spec = good;
  spec.stride = 0;
  EXPECT_NE(invalid(spec, 24).find("stride"), std::string::npos);
  spec = good;
  spec.se = SqueezeExciteConfig::mobilenet_v3();
  spec.se.gate = Activation::Relu;
  EXPECT_NE(invalid(spec, 24).find("se.gate"), std::string::npos);
  spec = good;
  spec.type = BlockType::GroupedIbn;
  spec.groups = 5;
  std::string message = invalid(spec, 24);
  EXPECT_NE(message.find("grouped_ibn"), std::string::npos);
  EXPECT_NE(message.find("groups=5"), std::string::npos);
  EXPECT_NE(message.find("input width 24"), std::string::npos);
  spec.groups = 4;
  spec.expanded_channels = 30;  // 24 divides by 4, 30 does not
  EXPECT_NE(invalid(spec, 24).find("expanded width 30"), std::string::npos);
  // groups only matter to the grouped IBN
  spec.type = BlockType::Ibn;
  EXPECT_TRUE(validate_block_spec(spec, 24).ok());
}

}  // namespace
}  // namespace hwnas::blocks
