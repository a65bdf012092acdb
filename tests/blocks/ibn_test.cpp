// The inverted bottleneck: shapes, residual, skipped expansion, SE and hand-computed costs.
#include "hwnas/blocks/ibn.h"

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "hwnas/blocks/build_block.h"

namespace hwnas::blocks {
namespace {

using testing::BlockBench;
using testing::bn_params;

BlockSpec ibn(int64_t out, double expansion, int64_t kernel = 3, int64_t stride = 1) {
  BlockSpec spec;
  spec.type = BlockType::Ibn;
  spec.out_channels = out;
  spec.expansion = expansion;
  spec.kernel = kernel;
  spec.stride = stride;
  return spec;
}

TEST(Ibn, MobileNetV2Block24To24CostsWhatTheFormulaSays) {
  BlockBench bench({1, 24, 56, 56});
  ir::NodeId y;
  {
    auto scope = bench.builder.scope("b");
    auto r = build_ibn(bench.builder, bench.input, ibn(24, 6));
    ASSERT_TRUE(r.ok()) << r.error().message;
    y = *r;
  }
  EXPECT_EQ(bench.graph.node(y).shape, (ir::Shape{1, 24, 56, 56}));
  EXPECT_EQ(bench.graph.node(y).kind, ir::OpKind::Add);
  EXPECT_EQ(bench.graph.node(y).name, "b.add");

  const int64_t in = 24, e = 144, out = 24, k = 3, hw = 56 * 56;
  const int64_t params = (in * e + bn_params(e))        // 1x1 expand
                         + (e * k * k + bn_params(e))   // kxk depthwise
                         + (e * out + bn_params(out));  // 1x1 project
  EXPECT_EQ(params, 8832);
  EXPECT_EQ(bench.params(), params);
  const int64_t macs = hw * in * e + hw * e * k * k + hw * e * out;
  EXPECT_EQ(macs, 25740288);
  EXPECT_EQ(bench.macs(), macs);
  // expand, dw, project
  EXPECT_EQ(bench.count(ir::OpKind::Conv2d), 3);
  EXPECT_EQ(bench.node("b.dw").attr<ir::Conv2dAttrs>().groups, 144);
  EXPECT_EQ(bench.count(ir::OpKind::Relu6), 2);  // the projection is linear
}

TEST(Ibn, StrideTwoOrNewWidthHasNoResidual) {
  BlockBench bench({1, 24, 56, 56});
  auto r = build_ibn(bench.builder, bench.input, ibn(32, 6, 5, 2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 32, 28, 28}));
  EXPECT_EQ(bench.count(ir::OpKind::Add), 0);
  EXPECT_EQ(bench.node("dw").attr<ir::Conv2dAttrs>().kernel_h, 5);

  BlockBench wider({1, 24, 56, 56});
  ASSERT_TRUE(build_ibn(wider.builder, wider.input, ibn(32, 6)).ok());
  EXPECT_EQ(wider.count(ir::OpKind::Add), 0);

  BlockBench off({1, 24, 56, 56});
  BlockSpec spec = ibn(24, 6);
  spec.residual = false;
  ASSERT_TRUE(build_ibn(off.builder, off.input, spec).ok());
  EXPECT_EQ(off.count(ir::OpKind::Add), 0);
}

TEST(Ibn, ExpansionOneSkipsTheExpandConv) {
  BlockBench bench({1, 32, 112, 112});
  auto r = build_ibn(bench.builder, bench.input, ibn(16, 1));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(bench.has("expand"));
  EXPECT_TRUE(bench.has("dw"));
  EXPECT_TRUE(bench.has("project"));
  EXPECT_EQ(bench.params(), 32 * 9 + bn_params(32) + 32 * 16 + bn_params(16));
  // MobileNetV3 gives the expanded width directly: 16 -> 16 skips too.
  BlockBench v3({1, 16, 112, 112});
  BlockSpec spec = ibn(16, 0);
  spec.expanded_channels = 16;
  ASSERT_TRUE(build_ibn(v3.builder, v3.input, spec).ok());
  EXPECT_FALSE(v3.has("expand"));
}

TEST(Ibn, SqueezeExciteSitsBetweenDepthwiseAndProject) {
  BlockBench bench({1, 24, 56, 56});
  BlockSpec spec = ibn(40, 0, 5, 2);
  spec.expanded_channels = 72;
  spec.activation = Activation::Relu;
  spec.se = SqueezeExciteConfig::mobilenet_v3();
  ASSERT_TRUE(build_ibn(bench.builder, bench.input, spec).ok());
  const int64_t reduce = 24;  // make_divisible(72 / 4, 8)
  EXPECT_EQ(bench.node("se.reduce").shape, (ir::Shape{1, reduce, 1, 1}));
  EXPECT_EQ(bench.node("se.expand").shape, (ir::Shape{1, 72, 1, 1}));
  EXPECT_EQ(bench.node("se.gate").kind, ir::OpKind::HardSigmoid);
  EXPECT_EQ(bench.node("se.reduce_relu").kind, ir::OpKind::Relu);
  const ir::Node& scale = bench.node("se.scale");
  EXPECT_EQ(scale.kind, ir::OpKind::Mul);
  EXPECT_EQ(scale.shape, (ir::Shape{1, 72, 28, 28}));
  EXPECT_EQ(bench.graph.node(scale.inputs[0]).name, "dw_relu");
  EXPECT_EQ(bench.graph.node(bench.node("project").inputs[0]).name, "se.scale");
  const int64_t se_params = (72 * reduce + reduce) + (reduce * 72 + 72);
  const int64_t block_params =
      (24 * 72 + bn_params(72)) + (72 * 25 + bn_params(72)) + (72 * 40 + bn_params(40));
  EXPECT_EQ(bench.params(), block_params + se_params);
}

TEST(Ibn, DilationKeepsTheResolution) {
  BlockBench bench({1, 112, 14, 14});
  BlockSpec spec = ibn(160, 6, 5, 1);
  spec.dilation = 2;
  auto r = build_ibn(bench.builder, bench.input, spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& dw = bench.node("dw").attr<ir::Conv2dAttrs>();
  EXPECT_EQ(dw.dilation_h, 2);
  EXPECT_EQ(dw.pad_top, 4);
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 160, 14, 14}));
}

TEST(Ibn, ScopesNameTheLayers) {
  BlockBench bench({1, 24, 56, 56});
  {
    auto stage = bench.builder.scope("stage3");
    auto block = bench.builder.scope("block1");
    ASSERT_TRUE(build_block(bench.builder, bench.input, ibn(24, 6)).ok());
  }
  EXPECT_TRUE(bench.has("stage3.block1.expand"));
  EXPECT_TRUE(bench.has("stage3.block1.expand_bn"));
  EXPECT_TRUE(bench.has("stage3.block1.expand_relu6"));
  EXPECT_TRUE(bench.has("stage3.block1.dw"));
  EXPECT_TRUE(bench.has("stage3.block1.project_bn"));
  EXPECT_TRUE(bench.has("stage3.block1.add"));
}

TEST(Ibn, BadInputsGiveErrorsNotCrashes) {
  BlockBench bench({1, 24, 56, 56});
  auto even = ibn(24, 6, 4);
  auto r = build_ibn(bench.builder, bench.input, even);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("kernel"), std::string::npos);
  EXPECT_TRUE(bench.builder.ok());  // a rejected spec leaves the graph untouched
  EXPECT_EQ(bench.graph.size(), 1u);

  auto missing = build_ibn(bench.builder, 42, ibn(24, 6));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("not a node"), std::string::npos);

  BlockBench flat({1, 24});
  auto rank = build_ibn(flat.builder, flat.input, ibn(24, 6));
  ASSERT_FALSE(rank.ok());
  EXPECT_NE(rank.error().message.find("NCHW"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::blocks
