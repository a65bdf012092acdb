// conv-bn-act, the standard-conv block, build_block dispatch and the residual blocks.
#include "hwnas/blocks/conv_block.h"

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "hwnas/blocks/build_block.h"
#include "hwnas/blocks/residual.h"

namespace hwnas::blocks {
namespace {

using testing::BlockBench;
using testing::bn_params;

TEST(ConvBnAct, NamesPaddingAndCost) {
  BlockBench bench({1, 3, 224, 224});
  ir::NodeId y;
  {
    auto scope = bench.builder.scope("stem");
    auto r = conv_bn_act(bench.builder, bench.input,
                         {.out_channels = 32, .kernel = 3, .stride = 2, .activation = Activation::Relu6});
    ASSERT_TRUE(r.ok()) << r.error().message;
    y = *r;
  }
  EXPECT_EQ(bench.graph.node(y).name, "stem.conv_relu6");
  EXPECT_EQ(bench.node("stem.conv").shape, (ir::Shape{1, 32, 112, 112}));
  EXPECT_EQ(bench.node("stem.conv_bn").kind, ir::OpKind::BatchNorm);
  EXPECT_EQ(bench.params(), 3 * 32 * 9 + bn_params(32));
  EXPECT_EQ(bench.macs(), 112 * 112 * 32 * 3 * 9);
}

TEST(ConvBnAct, DilationBiasAndNoNorm) {
  BlockBench bench({1, 8, 20, 20});
  auto r = conv_bn_act(bench.builder, bench.input,
                       {.out_channels = 4,
                        .kernel = 3,
                        .dilation = 3,
                        .activation = Activation::None,
                        .batch_norm = false,
                        .bias = true},
                       "head");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).name, "head");
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 4, 20, 20}));
  EXPECT_EQ(bench.node("head").attr<ir::Conv2dAttrs>().pad_left, 3);
  EXPECT_EQ(bench.params(), 8 * 4 * 9 + 4);
  EXPECT_EQ(bench.graph.size(), 2u);

  auto even = conv_bn_act(bench.builder, bench.input, {.out_channels = 4, .kernel = 2}, "even");
  ASSERT_FALSE(even.ok());
  EXPECT_NE(even.error().message.find("kernel"), std::string::npos);
}

TEST(ConvBnAct, GraphErrorsSurfaceWithTheNodeName) {
  BlockBench bench({1, 6, 8, 8});
  auto r = conv_bn_act(bench.builder, bench.input, {.out_channels = 8, .kernel = 3, .groups = 4}, "split");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("split"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("groups=4"), std::string::npos) << r.error().message;
  // The builder keeps the first error: later blocks report it instead of building.
  BlockSpec spec;
  spec.out_channels = 8;
  auto later = build_block(bench.builder, bench.input, spec);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().message, r.error().message);
}

TEST(ConvBlock, StandardConvWithoutResidual) {
  BlockBench bench({1, 24, 56, 56});
  BlockSpec spec;
  spec.type = BlockType::Conv;
  spec.out_channels = 24;
  spec.kernel = 3;
  spec.activation = Activation::HardSwish;
  auto r = build_block(bench.builder, bench.input, spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).kind, ir::OpKind::HardSwish);
  EXPECT_EQ(bench.count(ir::OpKind::Add), 0);
  EXPECT_EQ(bench.params(), 24 * 24 * 9 + bn_params(24));
}

TEST(BuildBlock, DispatchesOnTheType) {
  const std::pair<BlockType, const char*> cases[] = {{BlockType::Ibn, "dw"},
                                                     {BlockType::FusedIbn, "fused"},
                                                     {BlockType::GroupedIbn, "grouped"},
                                                     {BlockType::Conv, "conv"}};
  for (const auto& [type, marker] : cases) {
    BlockBench bench({1, 16, 32, 32});
    BlockSpec spec;
    spec.type = type;
    spec.out_channels = 16;
    spec.expansion = 4;
    spec.groups = 2;
    auto r = build_block(bench.builder, bench.input, spec);
    ASSERT_TRUE(r.ok()) << block_type_name(type) << ": " << r.error().message;
    EXPECT_TRUE(bench.has(marker)) << block_type_name(type);
    EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 16, 32, 32}));
  }
}

TEST(ResidualBlocks, BasicBlockWithAndWithoutProjection) {
  BlockBench same({1, 64, 56, 56});
  auto r = basic_residual_block(same.builder, same.input, 64, 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(same.has("downsample"));
  EXPECT_EQ(same.graph.node(*r).kind, ir::OpKind::Relu);
  EXPECT_EQ(same.params(), 2 * (64 * 64 * 9 + bn_params(64)));

  BlockBench down({1, 64, 56, 56});
  r = basic_residual_block(down.builder, down.input, 128, 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(down.graph.node(*r).shape, (ir::Shape{1, 128, 28, 28}));
  EXPECT_EQ(down.params(),
            (64 * 128 * 9 + bn_params(128)) + (128 * 128 * 9 + bn_params(128)) + (64 * 128 + bn_params(128)));
}

TEST(ResidualBlocks, BottleneckStridesOnTheThreeByThree) {
  BlockBench bench({1, 256, 56, 56});
  auto r = bottleneck_residual_block(bench.builder, bench.input, 128, 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.node("conv1").shape, (ir::Shape{1, 128, 56, 56}));
  EXPECT_EQ(bench.node("conv2").shape, (ir::Shape{1, 128, 28, 28}));  // v1.5
  EXPECT_EQ(bench.node("downsample").shape, (ir::Shape{1, 512, 28, 28}));
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 512, 28, 28}));

  BlockBench identity({1, 256, 56, 56});
  ASSERT_TRUE(bottleneck_residual_block(identity.builder, identity.input, 64, 1).ok());
  EXPECT_FALSE(identity.has("downsample"));
  EXPECT_EQ(identity.params(),
            (256 * 64 + bn_params(64)) + (64 * 64 * 9 + bn_params(64)) + (64 * 256 + bn_params(256)));

  BlockBench bad({1, 256, 56, 56});
  auto e = bottleneck_residual_block(bad.builder, bad.input, 0, 1);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("planes"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::blocks
