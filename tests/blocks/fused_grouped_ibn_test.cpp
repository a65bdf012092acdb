// The fused and grouped inverted bottlenecks: layouts, costs against the IBN, and group errors.
#include <gtest/gtest.h>

#include "block_test_util.h"
#include "hwnas/blocks/build_block.h"
#include "hwnas/blocks/fused_ibn.h"
#include "hwnas/blocks/grouped_ibn.h"
#include "hwnas/blocks/ibn.h"

namespace hwnas::blocks {
namespace {

using testing::BlockBench;
using testing::bn_params;

BlockSpec spec_of(BlockType type, int64_t out, double expansion, int64_t kernel = 3, int64_t stride = 1) {
  BlockSpec spec;
  spec.type = type;
  spec.out_channels = out;
  spec.expansion = expansion;
  spec.kernel = kernel;
  spec.stride = stride;
  return spec;
}

TEST(FusedIbn, FullConvReplacesExpandAndDepthwise) {
  BlockBench bench({1, 24, 56, 56});
  auto r = build_fused_ibn(bench.builder, bench.input, spec_of(BlockType::FusedIbn, 24, 6));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).kind, ir::OpKind::Add);
  EXPECT_EQ(bench.node("fused").attr<ir::Conv2dAttrs>().groups, 1);
  EXPECT_EQ(bench.node("fused").shape, (ir::Shape{1, 144, 56, 56}));
  EXPECT_FALSE(bench.has("dw"));
  const int64_t in = 24, e = 144, out = 24, k = 3, hw = 56 * 56;
  EXPECT_EQ(bench.params(), (in * e * k * k + bn_params(e)) + (e * out + bn_params(out)));
  EXPECT_EQ(bench.macs(), hw * in * e * k * k + hw * e * out);
}

TEST(FusedIbn, CostsMoreParametersThanTheIbnItReplaces) {
  BlockBench ibn({1, 24, 56, 56});
  BlockBench fused({1, 24, 56, 56});
  ASSERT_TRUE(build_block(ibn.builder, ibn.input, spec_of(BlockType::Ibn, 24, 6)).ok());
  ASSERT_TRUE(build_block(fused.builder, fused.input, spec_of(BlockType::FusedIbn, 24, 6)).ok());
  const int64_t in = 24, e = 144, k = 3;
  // fused kxk (in x e x k^2) in place of 1x1 expand (in x e) + depthwise (e x k^2) and one batch norm
  const int64_t difference = in * e * k * k - in * e - e * k * k - bn_params(e);
  EXPECT_EQ(difference, 26064);
  EXPECT_EQ(fused.params() - ibn.params(), difference);
  EXPECT_EQ(fused.macs() - ibn.macs(), 56 * 56 * (in * e * k * k - in * e - e * k * k));
}

TEST(FusedIbn, ExpansionOneIsOneConvToTheOutputWidth) {
  BlockBench bench({1, 32, 112, 112});
  auto r = build_fused_ibn(bench.builder, bench.input, spec_of(BlockType::FusedIbn, 16, 1));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(bench.has("project"));
  EXPECT_EQ(bench.node("fused").shape, (ir::Shape{1, 16, 112, 112}));
  EXPECT_EQ(bench.params(), 32 * 16 * 9 + bn_params(16));

  BlockBench same({1, 16, 56, 56});
  auto s = build_fused_ibn(same.builder, same.input, spec_of(BlockType::FusedIbn, 16, 1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(same.graph.node(*s).kind, ir::OpKind::Add);
}

TEST(FusedIbn, StrideAndSqueezeExcite) {
  BlockBench bench({1, 32, 56, 56});
  BlockSpec spec = spec_of(BlockType::FusedIbn, 48, 4, 3, 2);
  spec.se = SqueezeExciteConfig::efficientnet();
  auto r = build_fused_ibn(bench.builder, bench.input, spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 48, 28, 28}));
  EXPECT_EQ(bench.node("se.reduce").shape.c(), 8);  // max(1, 32 / 4)
  EXPECT_EQ(bench.node("se.gate").kind, ir::OpKind::Sigmoid);
  EXPECT_EQ(bench.node("se.reduce_swish").kind, ir::OpKind::Swish);
}

TEST(GroupedIbn, FusedGroupedSplitsTheFullConv) {
  BlockBench bench({1, 32, 28, 28});
  BlockSpec spec = spec_of(BlockType::GroupedIbn, 32, 4);
  spec.groups = 4;
  auto r = build_grouped_ibn(bench.builder, bench.input, spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ir::Node& grouped = bench.node("grouped");
  EXPECT_EQ(grouped.attr<ir::Conv2dAttrs>().groups, 4);
  EXPECT_EQ(grouped.params[0].shape, (ir::Shape{128, 8, 3, 3}));
  EXPECT_EQ(bench.graph.node(*r).kind, ir::OpKind::Add);
  const int64_t params = (128 * (32 / 4) * 9 + bn_params(128)) + (128 * 32 + bn_params(32));
  EXPECT_EQ(bench.params(), params);
  EXPECT_EQ(bench.macs(), 28 * 28 * (128 * 8 * 9 + 128 * 32));

  // between IBN and fused IBN in parameters
  BlockBench ibn({1, 32, 28, 28}), fused({1, 32, 28, 28});
  ASSERT_TRUE(build_block(ibn.builder, ibn.input, spec_of(BlockType::Ibn, 32, 4)).ok());
  ASSERT_TRUE(build_block(fused.builder, fused.input, spec_of(BlockType::FusedIbn, 32, 4)).ok());
  EXPECT_LT(bench.params(), fused.params());
  EXPECT_GT(bench.params(), ibn.params());
}

TEST(GroupedIbn, GroupedPointwiseExpandThenDepthwise) {
  BlockBench bench({1, 32, 28, 28});
  BlockSpec spec = spec_of(BlockType::GroupedIbn, 64, 4, 5, 2);
  spec.groups = 2;
  spec.grouped_variant = GroupedVariant::GroupedPointwise;
  auto r = build_block(bench.builder, bench.input, spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.node("expand").params[0].shape, (ir::Shape{128, 16, 1, 1}));
  EXPECT_EQ(bench.node("dw").attr<ir::Conv2dAttrs>().groups, 128);
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 64, 14, 14}));
  EXPECT_EQ(bench.count(ir::OpKind::Add), 0);
}

TEST(GroupedIbn, GroupsThatDoNotDivideGiveAnError) {
  BlockBench bench({1, 24, 28, 28});
  BlockSpec spec = spec_of(BlockType::GroupedIbn, 24, 6);
  spec.groups = 5;
  auto r = build_block(bench.builder, bench.input, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("groups=5"), std::string::npos) << r.error().message;
  EXPECT_TRUE(bench.builder.ok());
  EXPECT_EQ(bench.graph.size(), 1u);

  spec.groups = 8;  // divides 24, but not the explicit expanded width 100
  spec.expanded_channels = 100;
  r = build_block(bench.builder, bench.input, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expanded width 100"), std::string::npos) << r.error().message;

  spec.groups = 0;
  r = build_block(bench.builder, bench.input, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("groups must be positive"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::blocks
