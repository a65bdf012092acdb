// Integer quantisation arithmetic: activation and weight parameters, quantised weights and biases, fixed-point multipliers.
#include "hwnas/quant/quant_params.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hwnas::quant {

QuantParams activation_params(double min, double max, ir::Precision precision) {
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  QuantParams p;
  if (precision == ir::Precision::Int16) {
    p.qmin = -32767;
    p.qmax = 32767;
    const double bound = std::max(-min, max);
    p.scale = bound > 0 ? static_cast<float>(bound / 32767.0) : 1.0f;
    p.zero_point = 0;
    return p;
  }
  p.qmin = -128;
  p.qmax = 127;
  if (max - min <= 0) return p;  // scale 1, zero point 0
  p.scale = static_cast<float>((max - min) / 255.0);
  // The zero point that maps min to -128, rounded so that 0.0 is exactly representable.
  const double zero = -128.0 - min / static_cast<double>(p.scale);
  p.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(zero), -128.0, 127.0));
  return p;
}

int32_t quantize(float x, const QuantParams& p) {
  const float inverse = 1.0f / p.scale;
  const float rounded = std::nearbyint(x * inverse);
  const double q = static_cast<double>(rounded) + p.zero_point;
  return static_cast<int32_t>(std::clamp(q, static_cast<double>(p.qmin), static_cast<double>(p.qmax)));
}

const char* granularity_name(WeightGranularity g) {
  return g == WeightGranularity::PerChannel ? "per_channel" : "per_tensor";
}

namespace {

const ir::Param* weight_param(const ir::Node& node) {
  if (node.kind != ir::OpKind::Conv2d && node.kind != ir::OpKind::ConvTranspose2d && node.kind != ir::OpKind::Linear)
    return nullptr;
  if (node.params.empty() || node.params[0].data.empty()) return nullptr;
  return &node.params[0];
}

bool per_channel_node(const ir::Node& node, WeightGranularity g) {
  return g == WeightGranularity::PerChannel && node.kind != ir::OpKind::ConvTranspose2d;
}

}  // namespace

int64_t weight_channel(const ir::Node& node, int64_t element) {
  const ir::Param* w = weight_param(node);
  if (!w || node.kind == ir::OpKind::ConvTranspose2d) return 0;
  const int64_t per_channel = w->shape.numel() / w->shape[0];
  return element / per_channel;
}

std::vector<float> weight_scales(const ir::Node& node, WeightGranularity granularity) {
  const ir::Param* w = weight_param(node);
  if (!w) return {};
  const int64_t channels = node.kind == ir::OpKind::ConvTranspose2d ? node.shape[1] : w->shape[0];
  const int64_t per_channel = w->shape.numel() / w->shape[0];
  std::vector<float> amax(static_cast<size_t>(w->shape[0]), 0.0f);
  for (int64_t i = 0; i < w->shape.numel(); ++i) {
    float& m = amax[static_cast<size_t>(i / per_channel)];
    m = std::max(m, std::fabs(w->data[static_cast<size_t>(i)]));
  }
  auto scale_of = [](float m) { return m > 0 ? m / 127.0f : 1.0f; };
  if (!per_channel_node(node, granularity)) {
    const float m = *std::max_element(amax.begin(), amax.end());
    return std::vector<float>(static_cast<size_t>(channels), scale_of(m));
  }
  std::vector<float> scales(amax.size());
  std::transform(amax.begin(), amax.end(), scales.begin(), scale_of);
  return scales;
}

std::vector<int8_t> quantize_weights(const ir::Node& node, std::span<const float> scales) {
  const ir::Param* w = weight_param(node);
  if (!w) return {};
  std::vector<int8_t> q(w->data.size());
  for (size_t i = 0; i < q.size(); ++i) {
    QuantParams p{scales[static_cast<size_t>(weight_channel(node, static_cast<int64_t>(i)))], 0, -127, 127};
    q[i] = static_cast<int8_t>(quantize(w->data[i], p));
  }
  return q;
}

std::vector<int32_t> quantize_bias(std::span<const float> bias, float input_scale, std::span<const float> scales) {
  std::vector<int32_t> q(bias.size());
  for (size_t c = 0; c < bias.size(); ++c) {
    const float inverse = 1.0f / (input_scale * scales[c]);
    const double v = std::nearbyint(static_cast<double>(bias[c] * inverse));
    q[c] = static_cast<int32_t>(std::clamp(v, -2147483647.0, 2147483647.0));
  }
  return q;
}

FixedPointMultiplier fixed_point_multiplier(double multiplier) {
  if (multiplier <= 0) return {};
  int shift = 0;
  const double fraction = std::frexp(multiplier, &shift);  // multiplier = fraction x 2^shift, fraction in [0.5, 1)
  auto m0 = static_cast<int64_t>(std::llround(fraction * static_cast<double>(int64_t{1} << 31)));
  if (m0 == (int64_t{1} << 31)) {
    m0 /= 2;
    ++shift;
  }
  if (shift < -31) return {};  // below the smallest representable multiplier: 0
  return {static_cast<int32_t>(m0), shift};
}

namespace {

// (a x b x 2) >> 32 with rounding, saturating the one overflow case (gemmlowp's).
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent, rounding half away from zero (gemmlowp's RoundingDivideByPOT).
int32_t rounding_divide_by_power_of_two(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

}  // namespace

int32_t multiply_by_fixed_point(int32_t x, FixedPointMultiplier m) {
  if (m.m0 == 0) return 0;
  const int left = m.shift > 0 ? m.shift : 0;
  const int right = m.shift > 0 ? 0 : -m.shift;
  const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
  const auto saturated = static_cast<int32_t>(std::clamp<int64_t>(shifted, std::numeric_limits<int32_t>::min(),
                                                                  std::numeric_limits<int32_t>::max()));
  return rounding_divide_by_power_of_two(saturating_rounding_doubling_high_mul(saturated, m.m0), right);
}

}  // namespace hwnas::quant
