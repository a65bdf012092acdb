// Quantisation arithmetic: activation parameters, weight scales, biases, the fixed-point multiplier.
#include "hwnas/quant/quant_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "hwnas/ir/builder.h"

namespace hwnas::quant {
namespace {

TEST(ActivationParams, Int8IsAsymmetricWithZeroExact) {
  QuantParams p = activation_params(0.0, 2.55, ir::Precision::Int8);
  EXPECT_FLOAT_EQ(p.scale, 0.01f);
  EXPECT_EQ(p.zero_point, -128);
  EXPECT_EQ(quantize(0.0f, p), -128);
  EXPECT_EQ(quantize(1.0f, p), -28);
  EXPECT_EQ(quantize(9.0f, p), 127);  // clamped
  QuantParams q = activation_params(-1.0, 3.0, ir::Precision::Int8);
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zero_point, -64);  // -128 + 1 / (4 / 255) = -64.25, rounded
  EXPECT_EQ(dequantize(quantize(0.0f, q), q), 0.0f);
  // A range that excludes 0 is widened to hold it.
  EXPECT_EQ(activation_params(1.0, 2.0, ir::Precision::Int8), activation_params(0.0, 2.0, ir::Precision::Int8));
  EXPECT_EQ(activation_params(0.0, 0.0, ir::Precision::Int8).scale, 1.0f);
}

TEST(ActivationParams, Int16IsSymmetric) {
  QuantParams p = activation_params(-2.0, 1.0, ir::Precision::Int16);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_EQ(p.qmin, -32767);
  EXPECT_EQ(p.qmax, 32767);
  EXPECT_FLOAT_EQ(p.scale, static_cast<float>(2.0 / 32767.0));
  EXPECT_EQ(quantize(-2.0f, p), -32767);
}

TEST(Quantize, RoundsHalfToEven) {
  QuantParams p{1.0f, 0, -128, 127};
  EXPECT_EQ(quantize(2.5f, p), 2);
  EXPECT_EQ(quantize(3.5f, p), 4);
  EXPECT_EQ(quantize(-2.5f, p), -2);
}

ir::Graph conv_graph() {
  ir::Graph g;
  ir::Builder b(g);
  auto x = b.input({1, 1, 2, 2});
  b.conv(x, ir::Conv2dAttrs::make(2, 1, 1, 1, /*bias=*/true));
  EXPECT_TRUE(b.ok());
  ir::Param& w = g.param(1, 0);
  w.data = {0.5f, -0.01f};
  g.param(1, 1).data = {0.1f, 0.0f};
  return g;
}

TEST(WeightScales, PerChannelAndPerTensor) {
  ir::Graph g = conv_graph();
  const ir::Node& conv = g.node(1);
  auto per_channel = weight_scales(conv, WeightGranularity::PerChannel);
  ASSERT_EQ(per_channel.size(), 2u);
  EXPECT_FLOAT_EQ(per_channel[0], 0.5f / 127);
  EXPECT_FLOAT_EQ(per_channel[1], 0.01f / 127);
  EXPECT_EQ(quantize_weights(conv, per_channel), (std::vector<int8_t>{127, -127}));
  auto per_tensor = weight_scales(conv, WeightGranularity::PerTensor);
  EXPECT_EQ(per_tensor, (std::vector<float>{0.5f / 127, 0.5f / 127}));
  // -0.01 at 0.5 / 127: -2.54 rounds to -3, the per-tensor loss on the small channel.
  EXPECT_EQ(quantize_weights(conv, per_tensor), (std::vector<int8_t>{127, -3}));
  // Bias at 0.01 x 0.5 / 127: 0.1 is 2540 steps.
  EXPECT_EQ(quantize_bias(g.node(1).params[1].data, 0.01f, per_channel), (std::vector<int32_t>{2540, 0}));
}

TEST(FixedPoint, MultipliesAsRealArithmeticRounds) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> log_m(std::log(1e-6), std::log(30.0));
  std::uniform_int_distribution<int32_t> value(-1000000, 1000000);
  int exact = 0;
  const int trials = 20000;
  for (int i = 0; i < trials; ++i) {
    const double m = std::exp(log_m(rng));
    const int32_t x = value(rng);
    const double real = static_cast<double>(x) * m;
    if (std::fabs(real) > 2e9) continue;
    const int32_t got = multiply_by_fixed_point(x, fixed_point_multiplier(m));
    // Two roundings (the high multiply, then the shift), as on a device: off by at most one.
    ASSERT_LE(std::fabs(got - real), 1.0) << "x " << x << " m " << m;
    exact += got == static_cast<int32_t>(std::lround(real));
  }
  EXPECT_GT(exact, trials * 97 / 100);  // measured: 97.9 % (the double rounding of TFLite and CMSIS-NN)
  EXPECT_EQ(multiply_by_fixed_point(12345, fixed_point_multiplier(1.0)), 12345);
  EXPECT_EQ(multiply_by_fixed_point(-7, fixed_point_multiplier(0.5)), -3);  // -3.5: ties upward, as gemmlowp rounds them
  EXPECT_EQ(multiply_by_fixed_point(5, fixed_point_multiplier(0.0)), 0);
}

}  // namespace
}  // namespace hwnas::quant
