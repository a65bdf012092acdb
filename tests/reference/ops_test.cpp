// Every reference op against small cases computed by hand (the working is in the comments).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "reference_test_util.h"

namespace hwnas::reference {
namespace {

using ir::OpKind;
using testing::expect_tensor_near;
using testing::iota;
using testing::run_op;
using testing::run_op_ok;
using testing::tensor;

ir::Conv2dAttrs conv_attrs(int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t groups, bool bias) {
  ir::Conv2dAttrs a = ir::Conv2dAttrs::make(out, k, stride, groups, bias);
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  return a;
}

ir::PoolAttrs pool_attrs(int64_t k, int64_t stride, int64_t pad, bool ceil_mode, bool count_include_pad) {
  ir::PoolAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = count_include_pad;
  return a;
}

// x = [[1 2 3] [4 5 6] [7 8 9]], Laplacian kernel [[0 1 0] [1 -4 1] [0 1 0]], zero padding 1,
// bias 0.5: y = up + down + left + right - 4 * centre + 0.5, e.g. y(0,0) = 4 + 2 - 4 + 0.5.
TEST(ReferenceConv, Laplacian3x3WithPaddingAndBias) {
  Tensor y = run_op_ok(OpKind::Conv2d, conv_attrs(1, 3, 1, 1, 1, true), {iota({1, 1, 3, 3})},
                       {{0, 1, 0, 1, -4, 1, 0, 1, 0}, {0.5f}});
  expect_tensor_near(y, {1, 1, 3, 3}, {2.5f, 1.5f, -3.5f, -2.5f, 0.5f, -6.5f, -15.5f, -10.5f, -21.5f}, 0.0f);
}

// Kernel [[1 10] [100 1000]] without padding: y(i,j) = x(i,j) + 10 x(i,j+1) + 100 x(i+1,j) + 1000 x(i+1,j+1),
// so a flipped (true convolution) or transposed kernel would give other digits.
TEST(ReferenceConv, IsCrossCorrelationNotConvolution) {
  Tensor y =
      run_op_ok(OpKind::Conv2d, conv_attrs(1, 2, 1, 0, 1, false), {iota({1, 1, 3, 3})}, {{1, 10, 100, 1000}});
  expect_tensor_near(y, {1, 1, 2, 2}, {5421, 6532, 8754, 9865}, 0.0f);
}

// Depthwise (groups = channels = 2), padding 1: channel 0 (values 1..9) with an all-ones kernel is the
// 3x3 box sum; channel 1 (values 10..18) with a kernel of 2 at the centre doubles. No mixing.
TEST(ReferenceConv, DepthwiseKeepsChannelsApart) {
  std::vector<float> weight(18, 0.0f);
  std::fill(weight.begin(), weight.begin() + 9, 1.0f);
  weight[9 + 4] = 2.0f;
  Tensor y = run_op_ok(OpKind::Conv2d, conv_attrs(2, 3, 1, 1, 2, false), {iota({1, 2, 3, 3})}, {weight});
  expect_tensor_near(y, {1, 2, 3, 3},
                     {12, 21, 16, 27, 45, 33, 24, 39, 28,  //
                      20, 22, 24, 26, 28, 30, 32, 34, 36},
                     0.0f);
}

// 4x4 input 1..16, 2x2 all-ones kernel, stride 2, pads top 1, left 0, bottom 0, right 1:
// output rows cover input rows {0} and {1,2} (the first window starts in the top padding),
// columns {0,1} and {2,3}: y = [1+2, 3+4, 5+6+9+10, 7+8+11+12].
TEST(ReferenceConv, Stride2AsymmetricPadding) {
  ir::Conv2dAttrs a = conv_attrs(1, 2, 2, 0, 1, false);
  a.pad_top = 1;
  a.pad_right = 1;
  Tensor y = run_op_ok(OpKind::Conv2d, a, {iota({1, 1, 4, 4})}, {{1, 1, 1, 1}});
  expect_tensor_near(y, {1, 1, 2, 2}, {3, 7, 30, 38}, 0.0f);
  // The mirror-image padding (bottom and left) gives other windows: rows {0,1},{2,3}, cols {0},{1,2}.
  a.pad_top = 0;
  a.pad_right = 0;
  a.pad_bottom = 1;
  a.pad_left = 1;
  y = run_op_ok(OpKind::Conv2d, a, {iota({1, 1, 4, 4})}, {{1, 1, 1, 1}});
  expect_tensor_near(y, {1, 1, 2, 2}, {1 + 5, 2 + 3 + 6 + 7, 9 + 13, 10 + 11 + 14 + 15}, 0.0f);
}

// Dilation 2 on a 5x5 input without padding: a 2x2 kernel of ones reads x(i,j)+x(i,j+2)+x(i+2,j)+x(i+2,j+2).
TEST(ReferenceConv, Dilation) {
  ir::Conv2dAttrs a = conv_attrs(1, 2, 1, 0, 1, false);
  a.dilation_h = a.dilation_w = 2;
  Tensor y = run_op_ok(OpKind::Conv2d, a, {iota({1, 1, 5, 5})}, {{1, 1, 1, 1}});
  // x(i,j) = 5i + j + 1, so the sum is 4 x(i,j) + 2*2 + 2*10 = 4 x(i,j) + 24.
  expect_tensor_near(y, {1, 1, 3, 3}, {28, 32, 36, 48, 52, 56, 68, 72, 76}, 0.0f);
}

// A grouped convolution equals the concatenation of its groups run as separate convolutions.
TEST(ReferenceConv, GroupsEqualSeparateConvolutions) {
  Tensor x = random_tensor({2, 4, 5, 5}, 11);
  Tensor weight = random_tensor({6, 2, 3, 3}, 12);
  Tensor grouped = run_op_ok(OpKind::Conv2d, conv_attrs(6, 3, 1, 1, 2, false), {x}, {weight.data});
  for (int64_t g = 0; g < 2; ++g) {
    Tensor xg = filled_tensor({2, 2, 5, 5});
    for (int64_t n = 0; n < 2; ++n)
      std::copy_n(x.data.begin() + (n * 4 + 2 * g) * 25, 50, xg.data.begin() + n * 50);
    std::vector<float> wg(weight.data.begin() + g * 54, weight.data.begin() + (g + 1) * 54);
    Tensor yg = run_op_ok(OpKind::Conv2d, conv_attrs(3, 3, 1, 1, 1, false), {xg}, {wg});
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t k = 0; k < 75; ++k)
        EXPECT_FLOAT_EQ(grouped.data[static_cast<size_t>((n * 6 + 3 * g) * 25 + k)],
                        yg.data[static_cast<size_t>(n * 75 + k)]);
  }
}

// x = [[1 2 3] [4 5 6]], W = [[1 0 -1] [0.5 0.5 0.5]], b = [0.25 -1]: y = x W^T + b.
TEST(ReferenceLinear, XTimesWTransposedPlusBias) {
  Tensor x = tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<float> w{1, 0, -1, 0.5f, 0.5f, 0.5f};
  Tensor y = run_op_ok(OpKind::Linear, ir::LinearAttrs{2, true}, {x}, {w, {0.25f, -1.0f}});
  expect_tensor_near(y, {2, 2}, {-1.75f, 2.0f, -1.75f, 6.5f}, 0.0f);
  y = run_op_ok(OpKind::Linear, ir::LinearAttrs{2, false}, {x}, {w});
  expect_tensor_near(y, {2, 2}, {-2.0f, 3.0f, -2.0f, 7.5f}, 0.0f);
}

// epsilon 0.25 and var [3.75, 0.75] make the standard deviations exactly 2 and 1:
// channel 0: (x - 1) / 2 * 2 + 0.5; channel 1: (x - 0) / 1 * 1 + 0 = x.
TEST(ReferenceBatchNorm, NormalisesPerChannel) {
  std::vector<std::vector<float>> params{{2, 1}, {0.5f, 0}, {1, 0}, {3.75f, 0.75f}};
  Tensor y =
      run_op_ok(OpKind::BatchNorm, ir::BatchNormAttrs{0.25}, {tensor({1, 2, 1, 2}, {1, 3, -1, 1})}, params);
  expect_tensor_near(y, {1, 2, 1, 2}, {0.5f, 2.5f, -1.0f, 1.0f}, 0.0f);
  // Rank 2 (after a linear layer): channels are dim 1 too.
  y = run_op_ok(OpKind::BatchNorm, ir::BatchNormAttrs{0.25}, {tensor({2, 2}, {1, 3, -1, 1})}, params);
  expect_tensor_near(y, {2, 2}, {0.5f, 3.0f, -1.5f, 1.0f}, 0.0f);
}

TEST(ReferenceActivations, PiecewiseLinear) {
  Tensor x = tensor({1, 7}, {-8, -3, -1, 0, 1, 3, 8});
  expect_tensor_near(run_op_ok(OpKind::Relu, ir::NoAttrs{}, {x}), {1, 7}, {0, 0, 0, 0, 1, 3, 8}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Relu6, ir::NoAttrs{}, {x}), {1, 7}, {0, 0, 0, 0, 1, 3, 6}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Clip, ir::ClipAttrs{-1.5, 2.0}, {x}), {1, 7},
                     {-1.5f, -1.5f, -1, 0, 1, 2, 2}, 0.0f);
  // hard_swish: x * relu6(x + 3) / 6: -1 * 2 / 6, 1 * 4 / 6, 3 * 6 / 6.
  expect_tensor_near(run_op_ok(OpKind::HardSwish, ir::NoAttrs{}, {x}), {1, 7},
                     {0, 0, -1.0f / 3.0f, 0, 2.0f / 3.0f, 3, 8}, 1e-7f);
  // ONNX's default hard_sigmoid (alpha 0.2, beta 0.5): max(0, min(1, 0.2x + 0.5)).
  expect_tensor_near(run_op_ok(OpKind::HardSigmoid, ir::HardSigmoidAttrs{0.2, 0.5}, {x}), {1, 7},
                     {0, 0, 0.3f, 0.5f, 0.7f, 1, 1}, 1e-7f);
}

TEST(ReferenceActivations, SigmoidAndSwish) {
  Tensor x = tensor({1, 3}, {-2, 0, 2});
  double s2 = 1.0 / (1.0 + std::exp(-2.0));
  expect_tensor_near(run_op_ok(OpKind::Sigmoid, ir::NoAttrs{}, {x}), {1, 3},
                     {static_cast<float>(1 - s2), 0.5f, static_cast<float>(s2)}, 1e-7f);
  expect_tensor_near(run_op_ok(OpKind::Swish, ir::NoAttrs{}, {x}), {1, 3},
                     {static_cast<float>(-2 * (1 - s2)), 0.0f, static_cast<float>(2 * s2)}, 1e-6f);
}

TEST(ReferenceElementwise, BroadcastPerChannelAndScalar) {
  Tensor x = iota({1, 2, 2, 2});
  // [1,2,2,2] + [1,2,1,1]: each channel gets its own addend.
  Tensor y = run_op_ok(OpKind::Add, ir::NoAttrs{}, {x, tensor({1, 2, 1, 1}, {10, 100})});
  expect_tensor_near(y, {1, 2, 2, 2}, {11, 12, 13, 14, 105, 106, 107, 108}, 0.0f);
  // Lower rank, right-aligned: [2,1,1] is per channel as well.
  y = run_op_ok(OpKind::Mul, ir::NoAttrs{}, {x, tensor({2, 1, 1}, {2, -1})});
  expect_tensor_near(y, {1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8}, 0.0f);
  // The smaller operand first; [1] is a scalar; [2] (last dim) is per column.
  y = run_op_ok(OpKind::Mul, ir::NoAttrs{}, {tensor({1}, {3}), x});
  expect_tensor_near(y, {1, 2, 2, 2}, {3, 6, 9, 12, 15, 18, 21, 24}, 0.0f);
  y = run_op_ok(OpKind::Add, ir::NoAttrs{}, {x, tensor({2}, {0, 10})});
  expect_tensor_near(y, {1, 2, 2, 2}, {1, 12, 3, 14, 5, 16, 7, 18}, 0.0f);
}

TEST(ReferenceConcat, AnyAxis) {
  Tensor a = iota({1, 1, 2, 2}, 1);   // 1 2 / 3 4
  Tensor b = iota({1, 1, 2, 2}, 11);  // 11 12 / 13 14
  expect_tensor_near(run_op_ok(OpKind::Concat, ir::ConcatAttrs{1}, {a, b}), {1, 2, 2, 2},
                     {1, 2, 3, 4, 11, 12, 13, 14}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Concat, ir::ConcatAttrs{2}, {a, b}), {1, 1, 4, 2},
                     {1, 2, 3, 4, 11, 12, 13, 14}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Concat, ir::ConcatAttrs{-1}, {a, b}), {1, 1, 2, 4},
                     {1, 2, 11, 12, 3, 4, 13, 14}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Concat, ir::ConcatAttrs{0}, {a, b, a}), {3, 1, 2, 2},
                     {1, 2, 3, 4, 11, 12, 13, 14, 1, 2, 3, 4}, 0.0f);
}

// All-negative input, kernel 2, stride 1, padding 1: the padding (-inf) never wins, so the corners
// are single input values.
TEST(ReferencePooling, MaxPoolPaddingIsMinusInfinity) {
  Tensor y =
      run_op_ok(OpKind::MaxPool, pool_attrs(2, 1, 1, false, false), {tensor({1, 1, 2, 2}, {-1, -2, -3, -4})});
  expect_tensor_near(y, {1, 1, 3, 3}, {-1, -1, -2, -1, -1, -2, -3, -3, -4}, 0.0f);
}

// x = [[1 2] [3 4]], kernel 2, stride 1, padding 1: every window has 4 positions (padded) and
// 1, 2 or 4 real ones. Window sums: 1 3 2 / 4 10 6 / 3 7 4.
TEST(ReferencePooling, AvgPoolCountIncludePadBothWays) {
  Tensor x = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(2, 1, 1, false, true), {x}), {1, 1, 3, 3},
                     {0.25f, 0.75f, 0.5f, 1.0f, 2.5f, 1.5f, 0.75f, 1.75f, 1.0f}, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(2, 1, 1, false, false), {x}), {1, 1, 3, 3},
                     {1.0f, 1.5f, 2.0f, 2.0f, 2.5f, 3.0f, 3.0f, 3.5f, 4.0f}, 0.0f);
}

// 3x3 input 1..9, kernel 2, stride 2, ceil_mode: 2x2 output whose last row/column windows hang over
// the edge and are clipped (averages of {3,6}, {7,8}, {9}). Without padding both count_include_pad
// settings agree, as in PyTorch: the part beyond the (empty) padding is never counted.
TEST(ReferencePooling, CeilModeClipsTheLastWindow) {
  Tensor x = iota({1, 1, 3, 3});
  expect_tensor_near(run_op_ok(OpKind::MaxPool, pool_attrs(2, 2, 0, true, false), {x}), {1, 1, 2, 2},
                     {5, 6, 8, 9}, 0.0f);
  for (bool include : {false, true})
    expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(2, 2, 0, true, include), {x}), {1, 1, 2, 2},
                       {3.0f, 4.5f, 7.5f, 9.0f}, 0.0f);
  // Floor mode drops the partial windows.
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(2, 2, 0, false, false), {x}), {1, 1, 1, 1}, {3.0f},
                     0.0f);
}

TEST(ReferencePooling, GlobalAveragePool) {
  Tensor y = run_op_ok(OpKind::GlobalAvgPool, ir::NoAttrs{}, {iota({2, 2, 2, 2})});
  expect_tensor_near(y, {2, 2, 1, 1}, {2.5f, 6.5f, 10.5f, 14.5f}, 0.0f);
}

ir::ResizeAttrs resize_attrs(ir::ResizeMode mode, int64_t h, int64_t w, bool align_corners) {
  ir::ResizeAttrs a;
  a.mode = mode;
  a.out_h = h;
  a.out_w = w;
  a.align_corners = align_corners;
  return a;
}

// Nearest: src = floor(dst * in / out). 2 -> 4 repeats each value twice; 3 -> 4 (scale 0.75) reads
// rows/cols floor(0, 0.75, 1.5, 2.25) = 0, 0, 1, 2.
TEST(ReferenceResize, Nearest) {
  Tensor y = run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Nearest, 4, 4, false),
                       {tensor({1, 1, 2, 2}, {0, 1, 2, 3})});
  expect_tensor_near(y, {1, 1, 4, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, 0.0f);
  y = run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Nearest, 4, 4, false), {iota({1, 1, 3, 3})});
  expect_tensor_near(y, {1, 1, 4, 4}, {1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9}, 0.0f);
}

// x = [[0 1] [2 3]] = 2 * row + col, so a bilinear result is 2 * src_row + src_col.
// align_corners=false: src = max(0, (dst + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1.25 -> clamped to 1 at the
// last index: coordinates r = c = 0, 0.25, 0.75, 1.
// align_corners=true: src = dst * (2 - 1) / (4 - 1) = 0, 1/3, 2/3, 1.
TEST(ReferenceResize, Bilinear2x2To4x4BothAlignCorners) {
  Tensor x = tensor({1, 1, 2, 2}, {0, 1, 2, 3});
  Tensor half_pixel = run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 4, 4, false), {x});
  expect_tensor_near(half_pixel, {1, 1, 4, 4},
                     {0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,  //
                      1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f},
                     1e-6f);
  Tensor corners = run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 4, 4, true), {x});
  const float t = 1.0f / 3.0f;
  expect_tensor_near(corners, {1, 1, 4, 4},
                     {0, t, 2 * t, 1, 2 * t, 1, 4 * t, 5 * t,  //
                      4 * t, 5 * t, 2, 7 * t, 2, 7 * t, 8 * t, 3},
                     1e-6f);
}

TEST(ReferencePad, ConstantValueOnEachSide) {
  ir::PadAttrs a;
  a.pad_top = 1;
  a.pad_right = 2;
  a.value = -1.0;
  Tensor y = run_op_ok(OpKind::Pad, a, {tensor({1, 1, 1, 2}, {1, 2})});
  expect_tensor_near(y, {1, 1, 2, 4}, {-1, -1, -1, -1, 1, 2, -1, -1}, 0.0f);
}

TEST(ReferenceLayout, FlattenAndReshapeKeepRowMajorData) {
  Tensor x = iota({1, 2, 2, 2});
  expect_tensor_near(run_op_ok(OpKind::Flatten, ir::FlattenAttrs{1}, {x}), {1, 8}, x.data, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Flatten, ir::FlattenAttrs{3}, {x}), {4, 2}, x.data, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Reshape, ir::ReshapeAttrs{{0, -1, 2}}, {x}), {1, 4, 2}, x.data, 0.0f);
}

TEST(ReferenceSoftmax, SumsToOneAlongTheAxisAndIsStable) {
  Tensor x = random_tensor({2, 5, 3}, 3);
  for (float& v : x.data) v *= 10.0f;
  for (int64_t axis : {0, 1, 2, -1}) {
    Tensor y = run_op_ok(OpKind::Softmax, ir::SoftmaxAttrs{axis}, {x});
    ASSERT_EQ(y.shape, x.shape);
    int64_t a = axis < 0 ? axis + 3 : axis;
    int64_t length = x.shape[static_cast<size_t>(a)];
    int64_t inner = 1;
    for (int64_t d = a + 1; d < 3; ++d) inner *= x.shape[static_cast<size_t>(d)];
    int64_t outer = x.shape.numel() / (length * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        double sum = 0;
        for (int64_t k = 0; k < length; ++k) {
          float v = y.data[static_cast<size_t>((o * length + k) * inner + i)];
          EXPECT_GT(v, 0.0f);
          sum += v;
        }
        EXPECT_NEAR(sum, 1.0, 1e-6) << "axis " << axis;
      }
  }
  // Shift invariance with values that would overflow a naive exp: softmax(1000 + v) = softmax(v).
  Tensor big = run_op_ok(OpKind::Softmax, ir::SoftmaxAttrs{1}, {tensor({1, 3}, {1000, 1001, 1002})});
  Tensor small = run_op_ok(OpKind::Softmax, ir::SoftmaxAttrs{1}, {tensor({1, 3}, {0, 1, 2})});
  double e1 = std::exp(1.0), e2 = std::exp(2.0), total = 1 + e1 + e2;
  expect_tensor_near(
      small, {1, 3},
      {static_cast<float>(1 / total), static_cast<float>(e1 / total), static_cast<float>(e2 / total)}, 1e-7f);
  expect_tensor_near(big, {1, 3}, small.data, 1e-7f);
}

}  // namespace
}  // namespace hwnas::reference
