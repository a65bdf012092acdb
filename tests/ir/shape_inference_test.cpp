// Shape inference of every operator kind, and the errors of invalid nodes.
#include <gtest/gtest.h>

#include "hwnas/ir/builder.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/infer_shape.h"

namespace hwnas::ir {
namespace {

Shape infer_ok(OpKind kind, Attrs attrs, std::vector<Shape> in) {
  auto r = infer_shape(kind, attrs, in);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : Shape{};
}

std::string infer_error(OpKind kind, Attrs attrs, std::vector<Shape> in) {
  auto r = infer_shape(kind, attrs, in);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(ShapeInference, Input) {
  EXPECT_EQ(infer_ok(OpKind::Input, InputAttrs{{1, 3, 224, 224}}, {}), (Shape{1, 3, 224, 224}));
  EXPECT_NE(infer_error(OpKind::Input, InputAttrs{{1, -3, 224, 224}}, {}).find("non-positive"), std::string::npos);
}

TEST(ShapeInference, ConvStridesPaddingAndGroups) {
  EXPECT_EQ(infer_ok(OpKind::Conv2d, Conv2dAttrs::make(32, 3, 2), {{1, 3, 224, 224}}), (Shape{1, 32, 112, 112}));
  EXPECT_EQ(infer_ok(OpKind::Conv2d, Conv2dAttrs::make(96, 5, 1, 96), {{1, 96, 14, 14}}), (Shape{1, 96, 14, 14}));
  Conv2dAttrs valid = Conv2dAttrs::make(8, 3);
  valid.pad_top = valid.pad_left = valid.pad_bottom = valid.pad_right = 0;
  EXPECT_EQ(infer_ok(OpKind::Conv2d, valid, {{2, 4, 7, 9}}), (Shape{2, 8, 5, 7}));
  Conv2dAttrs dilated = Conv2dAttrs::make(8, 3);
  dilated.dilation_h = dilated.dilation_w = 2;
  dilated.pad_top = dilated.pad_left = dilated.pad_bottom = dilated.pad_right = 2;
  EXPECT_EQ(infer_ok(OpKind::Conv2d, dilated, {{1, 4, 10, 10}}), (Shape{1, 8, 10, 10}));
  // 7x7 s2 p3 on 224 -> 112 (ResNet stem)
  EXPECT_EQ(infer_ok(OpKind::Conv2d, Conv2dAttrs::make(64, 7, 2), {{1, 3, 224, 224}}), (Shape{1, 64, 112, 112}));
}

TEST(ShapeInference, ConvRejectsBadNodes) {
  EXPECT_NE(infer_error(OpKind::Conv2d, Conv2dAttrs::make(16, 3, 1, 7), {{1, 24, 8, 8}}).find("groups=7"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Conv2d, Conv2dAttrs::make(-4, 3), {{1, 3, 8, 8}}).find("out_channels"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Conv2d, Conv2dAttrs::make(4, 3), {{1, 3, 8}}).find("rank-4"), std::string::npos);
  Conv2dAttrs big = Conv2dAttrs::make(4, 9);
  big.pad_top = big.pad_left = big.pad_bottom = big.pad_right = 0;
  EXPECT_NE(infer_error(OpKind::Conv2d, big, {{1, 3, 4, 4}}).find("does not fit"), std::string::npos);
  Conv2dAttrs negative = Conv2dAttrs::make(4, 3);
  negative.pad_left = -1;
  EXPECT_NE(infer_error(OpKind::Conv2d, negative, {{1, 3, 8, 8}}).find("negative"), std::string::npos);
}

TEST(ShapeInference, LinearAndBatchNorm) {
  EXPECT_EQ(infer_ok(OpKind::Linear, LinearAttrs{1000, true}, {{1, 1280}}), (Shape{1, 1000}));
  EXPECT_NE(infer_error(OpKind::Linear, LinearAttrs{10, true}, {{1, 1280, 1, 1}}).find("rank-2"), std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::BatchNorm, BatchNormAttrs{}, {{1, 16, 4, 4}}), (Shape{1, 16, 4, 4}));
}

TEST(ShapeInference, ActivationsKeepShape) {
  for (OpKind kind : all_op_kinds()) {
    if (!is_activation(kind)) continue;
    EXPECT_EQ(infer_ok(kind, default_attrs(kind), {{1, 8, 5, 5}}), (Shape{1, 8, 5, 5})) << op_name(kind);
  }
  EXPECT_NE(infer_error(OpKind::Clip, ClipAttrs{6, 0}, {{1, 8}}).find("min"), std::string::npos);
}

TEST(ShapeInference, AddMulBroadcast) {
  EXPECT_EQ(infer_ok(OpKind::Add, NoAttrs{}, {{1, 8, 5, 5}, {1, 8, 5, 5}}), (Shape{1, 8, 5, 5}));
  EXPECT_EQ(infer_ok(OpKind::Mul, NoAttrs{}, {{1, 8, 5, 5}, {1, 8, 1, 1}}), (Shape{1, 8, 5, 5}));
  EXPECT_NE(infer_error(OpKind::Add, NoAttrs{}, {{1, 8, 5, 5}, {1, 16, 5, 5}}).find("do not broadcast"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Add, NoAttrs{}, {{1, 8, 5, 1}, {1, 8, 1, 5}}).find("third shape"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Add, NoAttrs{}, {{1, 8, 5, 5}}).find("expects 2"), std::string::npos);
}

TEST(ShapeInference, Concat) {
  EXPECT_EQ(infer_ok(OpKind::Concat, ConcatAttrs{1}, {{1, 8, 5, 5}, {1, 4, 5, 5}, {1, 2, 5, 5}}), (Shape{1, 14, 5, 5}));
  EXPECT_EQ(infer_ok(OpKind::Concat, ConcatAttrs{-1}, {{1, 8, 5, 5}, {1, 8, 5, 3}}), (Shape{1, 8, 5, 8}));
  EXPECT_NE(infer_error(OpKind::Concat, ConcatAttrs{1}, {{1, 8, 5, 5}, {1, 4, 6, 5}}).find("differ"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Concat, ConcatAttrs{4}, {{1, 8, 5, 5}}).find("out of range"), std::string::npos);
}

TEST(ShapeInference, Pools) {
  PoolAttrs max{3, 3, 2, 2, 1, 1, 1, 1, false, false};
  EXPECT_EQ(infer_ok(OpKind::MaxPool, max, {{1, 64, 112, 112}}), (Shape{1, 64, 56, 56}));
  PoolAttrs ceil{3, 3, 2, 2, 0, 0, 0, 0, true, false};
  EXPECT_EQ(infer_ok(OpKind::MaxPool, ceil, {{1, 8, 8, 8}}), (Shape{1, 8, 4, 4}));
  PoolAttrs floor_mode = ceil;
  floor_mode.ceil_mode = false;
  EXPECT_EQ(infer_ok(OpKind::AvgPool, floor_mode, {{1, 8, 8, 8}}), (Shape{1, 8, 3, 3}));
  EXPECT_EQ(infer_ok(OpKind::GlobalAvgPool, NoAttrs{}, {{1, 8, 7, 9}}), (Shape{1, 8, 1, 1}));
  PoolAttrs bad_pad{2, 2, 2, 2, 2, 0, 0, 0, false, false};
  EXPECT_NE(infer_error(OpKind::AvgPool, bad_pad, {{1, 8, 8, 8}}).find("smaller than the kernel"), std::string::npos);
}

TEST(ShapeInference, ResizePadFlattenReshapeSoftmax) {
  EXPECT_EQ(infer_ok(OpKind::Resize, ResizeAttrs{ResizeMode::Bilinear, 28, 30, false}, {{1, 8, 14, 15}}),
            (Shape{1, 8, 28, 30}));
  EXPECT_NE(infer_error(OpKind::Resize, ResizeAttrs{ResizeMode::Nearest, 0, 3, false}, {{1, 8, 14, 15}}).find("positive"),
            std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::Pad, PadAttrs{1, 2, 3, 4, 0.0}, {{1, 8, 10, 10}}), (Shape{1, 8, 14, 16}));
  EXPECT_EQ(infer_ok(OpKind::Flatten, FlattenAttrs{1}, {{2, 8, 3, 3}}), (Shape{2, 72}));
  EXPECT_EQ(infer_ok(OpKind::Flatten, FlattenAttrs{0}, {{2, 8, 3, 3}}), (Shape{1, 144}));
  EXPECT_EQ(infer_ok(OpKind::Reshape, ReshapeAttrs{{0, -1}}, {{2, 8, 3, 3}}), (Shape{2, 72}));
  EXPECT_NE(infer_error(OpKind::Reshape, ReshapeAttrs{{-1, -1}}, {{2, 8}}).find("more than one"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Reshape, ReshapeAttrs{{5, -1}}, {{2, 8}}).find("cannot reshape"), std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::Softmax, SoftmaxAttrs{-1}, {{2, 10}}), (Shape{2, 10}));
  EXPECT_NE(infer_error(OpKind::Softmax, SoftmaxAttrs{3}, {{2, 10}}).find("out of range"), std::string::npos);
}

TEST(ShapeInference, EveryOpKindIsCovered) {
  // Each kind must have a name that maps back to it and default attributes of its own type.
  for (OpKind kind : all_op_kinds()) {
    EXPECT_EQ(op_from_name(op_name(kind)), kind);
    EXPECT_TRUE(attrs_match(kind, default_attrs(kind)));
  }
  EXPECT_FALSE(op_from_name("conv3d").has_value());
  EXPECT_NE(infer_error(OpKind::Conv2d, NoAttrs{}, {{1, 3, 8, 8}}).find("wrong type"), std::string::npos);
}

TEST(Graph, AddNamesNodesAndPrefixesErrors) {
  Graph g("t");
  auto x = g.add(OpKind::Input, InputAttrs{{1, 24, 8, 8}}, {}, "image");
  ASSERT_TRUE(x.ok());
  auto bad = g.add(OpKind::Conv2d, Conv2dAttrs::make(16, 3, 1, 7), {*x}, "stage1.dw");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "node 'stage1.dw' (conv2d): input has 24 channels, not divisible by groups=7");
  auto dup = g.add(OpKind::Relu, NoAttrs{}, {*x}, "image");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
  auto forward = g.add(OpKind::Relu, NoAttrs{}, {5});
  ASSERT_FALSE(forward.ok());
  auto conv = g.add(OpKind::Conv2d, Conv2dAttrs::make(16, 3), {*x});
  ASSERT_TRUE(conv.ok());
  EXPECT_EQ(g.node(*conv).name, "conv2d_1");
  ASSERT_EQ(g.node(*conv).params.size(), 1u);
  EXPECT_EQ(g.node(*conv).params[0].shape, (Shape{16, 24, 3, 3}));
  EXPECT_EQ(g.outputs(), std::vector<NodeId>{*conv});
  EXPECT_EQ(g.consumers()[*x], std::vector<NodeId>{*conv});
}

TEST(Builder, ScopesNamesAndKeepsFirstError) {
  Graph g("t");
  Builder b(g);
  NodeId x = b.input({1, 3, 32, 32});
  {
    auto s = b.scope("stem");
    x = b.conv_bn_act(x, 16, 3, 2, OpKind::Relu6);
  }
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(g.find("stem.conv").has_value());
  EXPECT_TRUE(g.find("stem.conv_bn").has_value());
  EXPECT_TRUE(g.find("stem.conv_relu6").has_value());
  EXPECT_EQ(b.shape(x), (Shape{1, 16, 16, 16}));
  NodeId bad = b.conv(x, Conv2dAttrs::make(8, 3, 1, 3), "bad");
  EXPECT_EQ(bad, kNoNode);
  EXPECT_EQ(b.linear(bad, 10), kNoNode);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("'bad'"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::ir

namespace hwnas::ir {
namespace {

TEST(ShapeInference, HugeValuesAreRejectedNotOverflowed) {
  // Found by fuzzing: these once overflowed int64 arithmetic inside shape inference.
  EXPECT_NE(infer_error(OpKind::Input, InputAttrs{{int64_t{1} << 40, int64_t{1} << 40}}, {}).find("out of range"),
            std::string::npos);
  EXPECT_NE(infer_error(OpKind::Flatten, FlattenAttrs{0}, {{int64_t{1} << 30, int64_t{1} << 30, int64_t{1} << 30}})
                .find("too large"),
            std::string::npos);
  EXPECT_NE(infer_error(OpKind::Pad, PadAttrs{INT64_MAX, 0, 0, 0, 0.0}, {{1, 8, 10, 10}}).find("out of range"),
            std::string::npos);
  Conv2dAttrs conv = Conv2dAttrs::make(8, 3);
  conv.dilation_h = INT64_MAX;
  EXPECT_NE(infer_error(OpKind::Conv2d, conv, {{1, 8, 10, 10}}).find("out of range"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Resize, ResizeAttrs{ResizeMode::Nearest, 1 << 30, 1 << 30, false}, {{1024, 1024, 4, 4}})
                .find("more than"),
            std::string::npos);
}

TEST(ShapeInference, ConvTransposeUpsamplesAndOwnsItsWeight) {
  ConvTranspose2dAttrs a;
  a.out_channels = 16;
  a.kernel_h = a.kernel_w = 3;
  a.stride_h = a.stride_w = 2;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;
  a.output_padding_h = a.output_padding_w = 1;
  a.groups = 2;
  // (7 - 1) * 2 - 2 + 2 + 1 + 1 = 14: PyTorch's ConvTranspose2d(8, 16, 3, 2, 1, output_padding=1, groups=2).
  EXPECT_EQ(infer_ok(OpKind::ConvTranspose2d, a, {{1, 8, 7, 7}}), (Shape{1, 16, 14, 14}));
  std::vector<Param> params = make_params(OpKind::ConvTranspose2d, a, {{1, 8, 7, 7}});
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].shape, (Shape{8, 8, 3, 3}));
  a.groups = 3;
  EXPECT_NE(infer_error(OpKind::ConvTranspose2d, a, {{1, 8, 7, 7}}).find("divisible"), std::string::npos);
  a.groups = 1;
  a.output_padding_h = 2;
  EXPECT_NE(infer_error(OpKind::ConvTranspose2d, a, {{1, 8, 7, 7}}).find("output padding"), std::string::npos);
}

TEST(ShapeInference, TransposeShuffleAndSlice) {
  EXPECT_EQ(infer_ok(OpKind::Transpose, TransposeAttrs{{0, 3, 4, 1, 2}}, {{1, 6, 4, 5, 7}}), (Shape{1, 5, 7, 6, 4}));
  EXPECT_NE(infer_error(OpKind::Transpose, TransposeAttrs{{0, 1, 2}}, {{1, 6, 4, 5}}).find("3 entries"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Transpose, TransposeAttrs{{0, 1, 2, 2}}, {{1, 6, 4, 5}}).find("permutation"),
            std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::ChannelShuffle, ChannelShuffleAttrs{3}, {{2, 12, 4, 4}}), (Shape{2, 12, 4, 4}));
  EXPECT_NE(infer_error(OpKind::ChannelShuffle, ChannelShuffleAttrs{5}, {{2, 12, 4, 4}}).find("does not divide"),
            std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::Slice, SliceAttrs{1, 4, 12}, {{2, 12, 4, 4}}), (Shape{2, 8, 4, 4}));
  EXPECT_EQ(infer_ok(OpKind::Slice, SliceAttrs{-1, 0, 1}, {{2, 12, 4, 4}}), (Shape{2, 12, 4, 1}));
  EXPECT_NE(infer_error(OpKind::Slice, SliceAttrs{1, 4, 13}, {{2, 12, 4, 4}}).find("outside"), std::string::npos);
  EXPECT_NE(infer_error(OpKind::Slice, SliceAttrs{4, 0, 1}, {{2, 12, 4, 4}}).find("out of range"), std::string::npos);
}

TEST(ShapeInference, SubDivBroadcastAndGlobalMaxPool) {
  EXPECT_EQ(infer_ok(OpKind::Sub, NoAttrs{}, {{1, 8, 4, 4}, {1, 8, 1, 1}}), (Shape{1, 8, 4, 4}));
  EXPECT_EQ(infer_ok(OpKind::Div, NoAttrs{}, {{1, 8, 1, 1}, {1, 8, 4, 4}}), (Shape{1, 8, 4, 4}));
  EXPECT_NE(infer_error(OpKind::Div, NoAttrs{}, {{1, 8, 4, 4}, {1, 3, 4, 4}}).find("do not broadcast"), std::string::npos);
  EXPECT_EQ(infer_ok(OpKind::GlobalMaxPool, NoAttrs{}, {{2, 8, 5, 3}}), (Shape{2, 8, 1, 1}));
  EXPECT_EQ(infer_ok(OpKind::LeakyRelu, LeakyReluAttrs{0.2}, {{2, 8}}), (Shape{2, 8}));
}

}  // namespace
}  // namespace hwnas::ir
