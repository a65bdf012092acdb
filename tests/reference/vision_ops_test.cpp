// The reference kernels of the operators vision exporters add (transposed convolution, leaky relu,
// sub / div, global max pool, transpose, channel shuffle, slice) against cases worked by hand.
#include <gtest/gtest.h>

#include "reference_test_util.h"

namespace hwnas::reference {
namespace {

using ir::OpKind;
using testing::expect_tensor_near;
using testing::iota;
using testing::run_op;
using testing::run_op_ok;

ir::ConvTranspose2dAttrs deconv(int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t output_padding, bool bias) {
  ir::ConvTranspose2dAttrs a;
  a.out_channels = out;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.output_padding_h = a.output_padding_w = output_padding;
  a.bias = bias;
  return a;
}

// x = [[1 2] [3 4]], kernel [[1 10] [100 1000]], stride 2: each input pixel stamps its own 2x2 copy
// of the kernel, scaled by its value, without overlap: y = [[1 10 2 20] [100 1000 200 2000] ...] + bias.
TEST(ReferenceConvTranspose, Stride2StampsTheKernelPerPixel) {
  Tensor y = run_op_ok(OpKind::ConvTranspose2d, deconv(1, 2, 2, 0, 0, true), {iota({1, 1, 2, 2})},
                       {{1, 10, 100, 1000}, {0.5f}});
  expect_tensor_near(y, {1, 1, 4, 4},
                     {1.5f, 10.5f, 2.5f, 20.5f, 100.5f, 1000.5f, 200.5f, 2000.5f, 3.5f, 30.5f, 4.5f, 40.5f,
                      300.5f, 3000.5f, 400.5f, 4000.5f},
                     0.0f);
}

// Stride 1, kernel 2x2 of ones on [[1 2] [3 4]]: overlapping stamps add up to the 3x3
// [[1 3 2] [4 10 6] [3 7 4]]; pad 1 crops one row and column on each side, leaving [[10]].
// Output padding 1 with stride 2 adds a last row and column that only the bias reaches.
TEST(ReferenceConvTranspose, OverlapsAddAndPaddingCrops) {
  Tensor full = run_op_ok(OpKind::ConvTranspose2d, deconv(1, 2, 1, 0, 0, false), {iota({1, 1, 2, 2})}, {{1, 1, 1, 1}});
  expect_tensor_near(full, {1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4}, 0.0f);
  Tensor cropped = run_op_ok(OpKind::ConvTranspose2d, deconv(1, 2, 1, 1, 0, false), {iota({1, 1, 2, 2})}, {{1, 1, 1, 1}});
  expect_tensor_near(cropped, {1, 1, 1, 1}, {10}, 0.0f);
  Tensor padded = run_op_ok(OpKind::ConvTranspose2d, deconv(1, 1, 2, 0, 1, true), {iota({1, 1, 2, 2})}, {{2}, {0.25f}});
  expect_tensor_near(padded, {1, 1, 4, 4},
                     {2.25f, 0.25f, 4.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 6.25f, 0.25f, 8.25f, 0.25f, 0.25f, 0.25f,
                      0.25f, 0.25f},
                     0.0f);
}

TEST(ReferenceConvTranspose, ShapeErrors) {
  auto bad = run_op(OpKind::ConvTranspose2d, deconv(1, 2, 2, 0, 2, false), {iota({1, 1, 2, 2})}, {{1, 1, 1, 1}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("output padding"), std::string::npos) << bad.error().message;
}

TEST(ReferenceActivations, LeakyRelu) {
  Tensor x = testing::tensor({1, 4}, {-2, -0.5f, 0, 3});
  expect_tensor_near(run_op_ok(OpKind::LeakyRelu, ir::LeakyReluAttrs{0.1}, {x}), {1, 4}, {-0.2f, -0.05f, 0, 3}, 1e-7f);
}

// [1 2 3 4] per channel of [1, 2, 2, 1]... minus / over a per-channel [1, 2, 1, 1].
TEST(ReferenceElementwise, SubAndDivBroadcast) {
  Tensor x = iota({1, 2, 2, 1});                   // channel 0: 1 2, channel 1: 3 4
  Tensor c = testing::tensor({1, 2, 1, 1}, {1, 2});  // per channel
  expect_tensor_near(run_op_ok(OpKind::Sub, ir::NoAttrs{}, {x, c}), {1, 2, 2, 1}, {0, 1, 1, 2}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Div, ir::NoAttrs{}, {x, c}), {1, 2, 2, 1}, {1, 2, 1.5f, 2}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Sub, ir::NoAttrs{}, {c, x}), {1, 2, 2, 1}, {0, -1, -1, -2}, 0.0f);
}

TEST(ReferencePooling, GlobalMaxPool) {
  Tensor x = testing::tensor({1, 2, 2, 2}, {-1, -5, -3, -2, 7, 0, 9, 1});
  expect_tensor_near(run_op_ok(OpKind::GlobalMaxPool, ir::NoAttrs{}, {x}), {1, 2, 1, 1}, {-1, 9}, 0.0f);
}

// iota [1, 2, 3] (values 1..6) transposed to [3, 2]: row-major [[1 4] [2 5] [3 6]].
TEST(ReferencePermute, TransposeAnyRank) {
  expect_tensor_near(run_op_ok(OpKind::Transpose, ir::TransposeAttrs{{0, 2, 1}}, {iota({1, 2, 3})}), {1, 3, 2},
                     {1, 4, 2, 5, 3, 6}, 0.0f);
  // NCHW [1, 2, 1, 2] -> NHWC [1, 1, 2, 2]: pixel-major, channels innermost.
  expect_tensor_near(run_op_ok(OpKind::Transpose, ir::TransposeAttrs{{0, 2, 3, 1}}, {iota({1, 2, 1, 2})}),
                     {1, 1, 2, 2}, {1, 3, 2, 4}, 0.0f);
}

TEST(ReferencePermute, TransposeRejectsANonPermutation) {
  auto bad = run_op(OpKind::Transpose, ir::TransposeAttrs{{0, 1, 1}}, {iota({1, 2, 3})});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("permutation"), std::string::npos) << bad.error().message;
}

// Six channels (values 1..6, one pixel each) in 2 groups [1 2 3 | 4 5 6] interleave to 1 4 2 5 3 6;
// 3 groups [1 2 | 3 4 | 5 6] to 1 3 5 2 4 6.
TEST(ReferencePermute, ChannelShuffleInterleavesTheGroups) {
  expect_tensor_near(run_op_ok(OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{2}, {iota({1, 6, 1, 1})}),
                     {1, 6, 1, 1}, {1, 4, 2, 5, 3, 6}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{3}, {iota({1, 6, 1, 1})}),
                     {1, 6, 1, 1}, {1, 3, 5, 2, 4, 6}, 0.0f);
  EXPECT_FALSE(run_op(OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{4}, {iota({1, 6, 1, 1})}).ok());
}

TEST(ReferencePermute, SliceOfOneAxis) {
  // [1, 3, 1, 2] = channels (1 2) (3 4) (5 6): channels [1, 3) are 3 4 5 6; the last column is 2 4 6.
  expect_tensor_near(run_op_ok(OpKind::Slice, ir::SliceAttrs{1, 1, 3}, {iota({1, 3, 1, 2})}), {1, 2, 1, 2},
                     {3, 4, 5, 6}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Slice, ir::SliceAttrs{-1, 1, 2}, {iota({1, 3, 1, 2})}), {1, 3, 1, 1},
                     {2, 4, 6}, 0.0f);
  auto empty = run_op(OpKind::Slice, ir::SliceAttrs{1, 2, 2}, {iota({1, 3, 1, 2})});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;
}

}  // namespace
}  // namespace hwnas::reference
