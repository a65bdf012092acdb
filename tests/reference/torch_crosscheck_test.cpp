// Reference ops checked against PyTorch 1.13 on cases where conventions matter (grouped/dilated conv with
// asymmetric padding, pooling with ceil_mode and both count_include_pad settings, nearest and bilinear
// resize up and down, activations, softmax, batch norm).
//
// The expected values were printed by tests/data/reference/make_torch_expected.py
// (/usr/bin/python3, torch 1.13, CPU float32) and pasted here; inputs are the same exact fractions
// on both sides (ramp() below mirrors the script's ramp()).
#include <gtest/gtest.h>

#include "reference_test_util.h"

namespace hwnas::reference {
namespace {

using ir::OpKind;
using testing::expect_tensor_near;
using testing::run_op_ok;
using testing::tensor;

// clang-format off
// ---- pasted output of make_torch_expected.py, unedited ----
// ConvGroupedAsymmetric: shape 1x6x4x6
const std::vector<float> kConvGroupedAsymmetric = {
    1.65625f, 1.03125f, 0.0625f, -0.5625f, 1.21875f, 0.625f, -0.375f, 1.0625f,
    1.125f, -0.1875f, -0.46875f, 0.53125f, -0.1875f, -0.46875f, 1.65625f, 0.34375f,
    -0.28125f, 0.8125f, 0.6875f, 0.34375f, 0.6875f, 0.34375f, 0.34375f, 0.59375f,
    -1.0625f, -1.125f, 0.53125f, 0.46875f, -1.3125f, -0.6875f, 0.65625f, -2.125f,
    -0.09375f, 0.5625f, 0.1875f, -0.5f, 0.5625f, 0.1875f, -0.875f, -0.21875f,
    1.125f, -0.5f, 0.125f, 0.15625f, -0.15625f, -1.15625f, 0.25f, 0.125f,
    0.15625f, -0.1875f, 0.15625f, -0.1875f, -0.1875f, 0.53125f, 0.0f, 0.3125f,
    -0.75f, -0.09375f, 0.5625f, 0.15625f, -0.09375f, 0.5625f, 0.53125f, 1.1875f,
    -0.5625f, -0.125f, 0.125f, -0.59375f, 0.40625f, 0.71875f, -0.6875f, -0.0625f,
    -0.8125f, 0.96875f, -0.34375f, -0.625f, 1.15625f, 0.1875f, -0.78125f, 1.34375f,
    0.375f, -0.59375f, -0.875f, 0.6875f, -0.59375f, -0.875f, 0.5625f, 0.625f,
    -0.6875f, 0.28125f, -0.15625f, 0.1875f, -0.15625f, 0.1875f, 0.1875f, -0.6875f,
    2.15625f, 0.375f, 0.65625f, 1.96875f, 0.1875f, 0.53125f, 2.375f, 0.28125f,
    -0.78125f, 2.28125f, 1.90625f, -0.28125f, 2.28125f, 1.90625f, -0.875f, 1.15625f,
    1.8125f, 1.09375f, 1.59375f, 1.28125f, 0.28125f, 1.0f, 1.375f, 1.0625f,
    -0.96875f, -0.96875f, 0.0625f, -0.96875f, -0.96875f, -0.71875f, -1.6875f, -0.6875f,
    -0.71875f, -1.78125f, -1.125f, -0.59375f, -1.78125f, -1.125f, -0.8125f, -1.875f,
    -1.21875f, -0.53125f, -1.90625f, -0.90625f, -0.59375f, -0.625f, -1.0f, -1.03125f,
};
// AvgPoolCeilIncludePad: shape 1x2x4x4
const std::vector<float> kAvgPoolCeilIncludePad = {
    0.027777778f, 0.111111112f, 0.0f, -0.333333343f, 0.0f, 0.027777778f, -0.138888896f, 0.0416666679f,
    -0.055555556f, -0.055555556f, -0.222222224f, 0.0f, -0.0416666679f, -0.125f, -0.208333328f, -0.125f,
    0.222222224f, -0.055555556f, 0.138888896f, 0.0416666679f, -0.166666672f, -0.222222224f, 0.222222224f, 0.375f,
    -0.222222224f, 0.0f, 0.138888896f, -0.125f, -0.125f, 0.208333328f, 0.125f, -0.1875f,
};
// AvgPoolCeilExcludePad: shape 1x2x4x4
const std::vector<float> kAvgPoolCeilExcludePad = {
    0.0625f, 0.166666672f, 0.0f, -1.0f, 0.0f, 0.027777778f, -0.138888896f, 0.0833333358f,
    -0.0833333358f, -0.055555556f, -0.222222224f, 0.0f, -0.125f, -0.25f, -0.416666657f, -0.5f,
    0.5f, -0.0833333358f, 0.208333328f, 0.125f, -0.25f, -0.222222224f, 0.222222224f, 0.75f,
    -0.333333343f, 0.0f, 0.138888896f, -0.25f, -0.375f, 0.416666657f, 0.25f, -0.75f,
};
// AvgPoolCeilNoPad: shape 1x1x3x3
const std::vector<float> kAvgPoolCeilNoPad = {
    -0.125f, -0.0625f, 0.5f, -0.5f, 0.25f, 0.125f, 0.25f, -0.375f,
    -0.5f,
};
// MaxPoolCeil: shape 1x2x4x4
const std::vector<float> kMaxPoolCeil = {
    1.0f, 1.25f, 1.25f, -0.75f, 1.0f, 1.25f, 1.0f, 1.0f,
    1.25f, 1.25f, 1.0f, 0.5f, 0.75f, 0.75f, 0.5f, -0.5f,
    1.25f, 1.0f, 1.25f, 1.25f, 0.75f, 1.0f, 1.25f, 1.25f,
    1.0f, 1.25f, 1.25f, 0.25f, 0.5f, 1.25f, 1.25f, -0.75f,
};
// NearestUp: shape 1x2x7x4
const std::vector<float> kNearestUp = {
    -1.25f, 0.5f, -0.5f, 1.25f, -1.25f, 0.5f, -0.5f, 1.25f,
    -1.25f, 0.5f, -0.5f, 1.25f, -0.75f, 1.0f, 0.0f, -1.0f,
    -0.75f, 1.0f, 0.0f, -1.0f, -0.25f, -1.25f, 0.5f, -0.5f,
    -0.25f, -1.25f, 0.5f, -0.5f, 0.25f, -0.75f, 1.0f, 0.0f,
    0.25f, -0.75f, 1.0f, 0.0f, 0.25f, -0.75f, 1.0f, 0.0f,
    0.75f, -0.25f, -1.25f, 0.5f, 0.75f, -0.25f, -1.25f, 0.5f,
    1.25f, 0.25f, -0.75f, 1.0f, 1.25f, 0.25f, -0.75f, 1.0f,
};
// BilinearUpHalfPixel: shape 1x2x7x4
const std::vector<float> kBilinearUpHalfPixel = {
    -1.03125f, 0.125f, 0.59375f, 0.375f, -0.959821463f, 0.196428567f, 0.419642866f, 0.397321433f,
    -0.745535672f, 0.410714298f, -0.102678597f, 0.464285702f, -0.53125f, 0.625f, -0.625f, 0.53125f,
    -0.464285702f, 0.102678537f, -0.410714269f, 0.745535731f, -0.397321433f, -0.419642895f, -0.196428567f, 0.959821463f,
    -0.375f, -0.59375f, -0.125f, 1.03125f, 0.125f, -0.09375f, 0.375f, -0.875f,
    0.196428567f, -0.169642866f, 0.299107134f, -0.803571463f, 0.410714298f, -0.397321433f, 0.0714285597f, -0.589285731f,
    0.625f, -0.625f, -0.15625f, -0.375f, 0.839285731f, -0.410714269f, 0.0580357239f, -0.160714269f,
    1.05357146f, -0.196428567f, 0.272321433f, 0.0535714328f, 1.125f, -0.125f, 0.34375f, 0.125f,
};
// BilinearUpAlignCorners: shape 1x2x7x4
const std::vector<float> kBilinearUpAlignCorners = {
    -1.25f, 0.166666627f, 0.666666806f, 0.25f, -1.08333325f, 0.333333284f, 0.222222254f, 0.416666657f,
    -0.916666627f, 0.49999997f, -0.222222254f, 0.583333313f, -0.75f, 0.666666627f, -0.666666746f, 0.75000006f,
    -0.583333313f, 0.222222149f, -0.50000006f, 0.916666687f, -0.416666627f, -0.222222328f, -0.333333373f, 1.08333337f,
    -0.25f, -0.666666627f, -0.166666746f, 1.25f, 0.25f, -0.166666597f, 0.333333254f, -1.0f,
    0.416666657f, -0.305555522f, 0.194444418f, -0.833333313f, 0.583333313f, -0.444444448f, 0.0555556156f, -0.666666627f,
    0.75000006f, -0.583333373f, -0.0833331794f, -0.5f, 0.916666687f, -0.416666687f, 0.0833334923f, -0.333333313f,
    1.08333337f, -0.25f, 0.250000179f, -0.166666627f, 1.25f, -0.0833333731f, 0.416666806f, 0.0f,
};
// NearestDown: shape 1x1x3x4
const std::vector<float> kNearestDown = {
    -1.25f, 0.5f, 1.25f, 0.25f, 1.0f, 0.0f, 0.75f, -0.25f,
    0.0f, -1.0f, -0.25f, -1.25f,
};
// BilinearDownHalfPixel: shape 1x1x3x4
const std::vector<float> kBilinearDownHalfPixel = {
    -0.291666687f, -0.416666657f, 0.833333313f, -0.666666627f, 0.25000003f, 0.812499881f, 2.60770321e-08f, 0.562499881f,
    -0.12500003f, 0.43749997f, -0.37500003f, 0.18749997f,
};
// BilinearDownAlignCorners: shape 1x1x3x4
const std::vector<float> kBilinearDownAlignCorners = {
    -1.25f, -0.166666627f, 0.916666746f, -0.749999881f, 0.5f, 0.666666627f, -0.0833332539f, 0.999999762f,
    -0.5f, 0.583333373f, -0.166666806f, 1.1920929e-07f,
};
// ActInput: shape 33
const std::vector<float> kActInput = {
    -8.0f, -7.5f, -7.0f, -6.5f, -6.0f, -5.5f, -5.0f, -4.5f,
    -4.0f, -3.5f, -3.0f, -2.5f, -2.0f, -1.5f, -1.0f, -0.5f,
    0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 3.5f,
    4.0f, 4.5f, 5.0f, 5.5f, 6.0f, 6.5f, 7.0f, 7.5f,
    8.0f,
};
// HardSwish: shape 33
const std::vector<float> kHardSwish = {
    -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f,
    -0.0f, -0.0f, -0.0f, -0.208333328f, -0.333333343f, -0.375f, -0.333333343f, -0.208333328f,
    0.0f, 0.291666657f, 0.666666687f, 1.125f, 1.66666663f, 2.29166675f, 3.0f, 3.5f,
    4.0f, 4.5f, 5.0f, 5.5f, 6.0f, 6.5f, 7.0f, 7.5f,
    8.0f,
};
// HardSigmoid: shape 33
const std::vector<float> kHardSigmoid = {
    0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,
    0.0f, 0.0f, 0.0f, 0.0833333358f, 0.166666672f, 0.25f, 0.333333343f, 0.416666657f,
    0.5f, 0.583333313f, 0.666666687f, 0.75f, 0.833333313f, 0.916666687f, 1.0f, 1.0f,
    1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,
    1.0f,
};
// Sigmoid: shape 33
const std::vector<float> kSigmoid = {
    0.000335350138f, 0.000552778598f, 0.000911051175f, 0.00150118221f, 0.00247262302f, 0.00407013763f, 0.00669285096f, 0.0109869428f,
    0.0179862101f, 0.0293122306f, 0.0474258736f, 0.0758581758f, 0.119202919f, 0.182425529f, 0.268941432f, 0.377540678f,
    0.5f, 0.622459352f, 0.731058598f, 0.817574441f, 0.880797029f, 0.924141824f, 0.952574134f, 0.970687747f,
    0.982013762f, 0.989013076f, 0.993307173f, 0.995929897f, 0.997527421f, 0.998498797f, 0.999089003f, 0.999447167f,
    0.999664664f,
};
// Swish: shape 33
const std::vector<float> kSwish = {
    -0.0026828011f, -0.00414583972f, -0.00637735846f, -0.00975768454f, -0.0148357386f, -0.0223857574f, -0.0334642529f, -0.0494412445f,
    -0.0719448403f, -0.102592811f, -0.142277613f, -0.189645454f, -0.238405839f, -0.273638278f, -0.268941432f, -0.188770339f,
    0.0f, 0.311229676f, 0.731058598f, 1.22636163f, 1.76159406f, 2.31035447f, 2.85772252f, 3.39740729f,
    3.92805505f, 4.45055866f, 4.96653557f, 5.4776144f, 5.98516464f, 6.490242f, 6.99362278f, 7.4958539f,
    7.99731731f,
};
// Softmax: shape 2x3x2
const std::vector<float> kSoftmax = {
    0.131601647f, 0.293814749f, 0.278600693f, 0.62200588f, 0.589797676f, 0.0841793343f, 0.703313947f, 0.293814749f,
    0.0951831862f, 0.62200588f, 0.201502815f, 0.0841793343f,
};
// BatchNorm: shape 2x3x2x2
const std::vector<float> kBatchNorm = {
    -1.60615063f, 0.25f, -0.810657501f, 1.04549313f, -0.146450162f, -0.853549838f, 0.383874595f, -0.323225081f,
    0.999994993f, -0.749996245f, 0.249998748f, 1.2499938f, 0.25f, -0.810657501f, 1.04549313f, -0.0151643753f,
    -0.853549838f, 0.383874595f, -0.323225081f, -1.0303247f, -0.749996245f, 0.249998748f, 1.2499938f, -0.499997497f,
};
// ---- end of pasted output ----
// clang-format on

// The script's ramp(): ((i * mul) % mod - offset) / div for flat index i.
Tensor ramp(ir::Shape shape, int mul = 7, int mod = 11, int offset = 5, float div = 4.0f) {
  Tensor t = filled_tensor(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = static_cast<float>(static_cast<int>(i * static_cast<size_t>(mul) % static_cast<size_t>(mod)) -
                                   offset) /
                div;
  return t;
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

ir::ResizeAttrs resize_attrs(ir::ResizeMode mode, int64_t h, int64_t w, bool align_corners) {
  ir::ResizeAttrs a;
  a.mode = mode;
  a.out_h = h;
  a.out_w = w;
  a.align_corners = align_corners;
  return a;
}

// F.conv2d(F.pad(x, (0, 1, 1, 2)), w, b, stride=(2, 1), dilation=(1, 2), groups=2)
TEST(ReferenceVsTorch, ConvGroupedDilatedAsymmetricPadding) {
  ir::Conv2dAttrs a;
  a.out_channels = 6;
  a.kernel_h = 3;
  a.kernel_w = 2;
  a.stride_h = 2;
  a.dilation_w = 2;
  a.pad_top = 1;
  a.pad_bottom = 2;
  a.pad_right = 1;
  a.groups = 2;
  a.bias = true;
  Tensor w = ramp({6, 2, 3, 2}, 5, 9, 4, 8.0f);
  Tensor y =
      run_op_ok(OpKind::Conv2d, a, {ramp({1, 4, 6, 7})}, {w.data, {0.5f, -0.25f, 0.125f, 0.0f, 1.0f, -1.0f}});
  expect_tensor_near(y, {1, 6, 4, 6}, kConvGroupedAsymmetric, 1e-6f);
}

TEST(ReferenceVsTorch, AvgPoolCeilModeBothCountIncludePad) {
  Tensor x = ramp({1, 2, 6, 6});
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(3, 2, 1, true, true), {x}), {1, 2, 4, 4},
                     kAvgPoolCeilIncludePad, 1e-7f);
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(3, 2, 1, true, false), {x}), {1, 2, 4, 4},
                     kAvgPoolCeilExcludePad, 1e-7f);
  expect_tensor_near(run_op_ok(OpKind::AvgPool, pool_attrs(2, 2, 0, true, true), {ramp({1, 1, 5, 5})}),
                     {1, 1, 3, 3}, kAvgPoolCeilNoPad, 1e-7f);
}

TEST(ReferenceVsTorch, MaxPoolCeilMode) {
  expect_tensor_near(run_op_ok(OpKind::MaxPool, pool_attrs(3, 2, 1, true, false), {ramp({1, 2, 6, 6})}),
                     {1, 2, 4, 4}, kMaxPoolCeil, 0.0f);
}

TEST(ReferenceVsTorch, ResizeUp) {
  Tensor x = ramp({1, 2, 3, 5});
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Nearest, 7, 4, false), {x}),
                     {1, 2, 7, 4}, kNearestUp, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 7, 4, false), {x}),
                     {1, 2, 7, 4}, kBilinearUpHalfPixel, 1e-6f);
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 7, 4, true), {x}),
                     {1, 2, 7, 4}, kBilinearUpAlignCorners, 1e-6f);
}

TEST(ReferenceVsTorch, ResizeDown) {
  Tensor x = ramp({1, 1, 5, 6});
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Nearest, 3, 4, false), {x}),
                     {1, 1, 3, 4}, kNearestDown, 0.0f);
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 3, 4, false), {x}),
                     {1, 1, 3, 4}, kBilinearDownHalfPixel, 1e-6f);
  expect_tensor_near(run_op_ok(OpKind::Resize, resize_attrs(ir::ResizeMode::Bilinear, 3, 4, true), {x}),
                     {1, 1, 3, 4}, kBilinearDownAlignCorners, 1e-6f);
}

TEST(ReferenceVsTorch, Activations) {
  Tensor x = tensor({1, 33}, kActInput);
  expect_tensor_near(run_op_ok(OpKind::HardSwish, ir::NoAttrs{}, {x}), {1, 33}, kHardSwish, 1e-6f);
  // torch's hardsigmoid is the IR default: alpha 1/6, beta 0.5.
  expect_tensor_near(run_op_ok(OpKind::HardSigmoid, ir::HardSigmoidAttrs{}, {x}), {1, 33}, kHardSigmoid,
                     1e-7f);
  expect_tensor_near(run_op_ok(OpKind::Sigmoid, ir::NoAttrs{}, {x}), {1, 33}, kSigmoid, 1e-7f);
  expect_tensor_near(run_op_ok(OpKind::Swish, ir::NoAttrs{}, {x}), {1, 33}, kSwish, 1e-6f);
}

TEST(ReferenceVsTorch, SoftmaxAxis1) {
  expect_tensor_near(run_op_ok(OpKind::Softmax, ir::SoftmaxAttrs{1}, {ramp({2, 3, 2})}), {2, 3, 2}, kSoftmax,
                     1e-7f);
}

TEST(ReferenceVsTorch, BatchNormInference) {
  std::vector<std::vector<float>> params{
      {1.5f, 0.5f, -1.0f}, {0.25f, -0.5f, 0.0f}, {0.5f, -0.25f, 0.0f}, {2.0f, 0.5f, 1.0f}};
  expect_tensor_near(run_op_ok(OpKind::BatchNorm, ir::BatchNormAttrs{1e-5}, {ramp({2, 3, 2, 2})}, params),
                     {2, 3, 2, 2}, kBatchNorm, 1e-6f);
}

}  // namespace
}  // namespace hwnas::reference
