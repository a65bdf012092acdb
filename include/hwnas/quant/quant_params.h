// Integer quantisation arithmetic: tensor parameters (scale, zero point, range), weight scales, fixed-point requantisation.
//
//   auto p = quant::activation_params(-1.3, 4.2, ir::Precision::Int8);  // asymmetric, zero exact
//   int32_t q = quant::quantize(0.7f, p);                                // round(x / s) + zp, clamped
//   float x = quant::dequantize(q, p);                                   // (q - zp) * s
//   auto m = quant::fixed_point_multiplier(0.0123);                       // what a device multiplies by
//   int32_t y = quant::multiply_by_fixed_point(acc, m);                   // round(acc * 0.0123)
//
// Conventions (those of TFLite, Arm's CMSIS-NN and Vela, and ONNX QDQ):
//   - int8 activations are asymmetric in [-128, 127] with a zero point that makes 0.0 exact;
//     int16 activations are symmetric in [-32767, 32767] with zero point 0.
//   - weights are symmetric int8 in [-127, 127], zero point 0, one scale per output channel
//     (per-channel) or per tensor; biases are int32 at scale input_scale x weight_scale.
//   - quantize(x) = clamp(nearbyint(x * (1 / scale)) + zero_point): the float formula libtorch's
//     fake quantisation uses, so the fake-quantised network and the exported one round alike.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"

namespace hwnas::quant {

struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  int32_t qmin = -128, qmax = 127;
  bool operator==(const QuantParams&) const = default;
};

// The parameters of an activation whose values span [min, max] (widened to hold 0), at `precision`
// (Int8: asymmetric; Int16: symmetric). A zero-width range gets scale 1.
QuantParams activation_params(double min, double max, ir::Precision precision);

// round-half-to-even of x / scale plus the zero point, clamped to [qmin, qmax].
int32_t quantize(float x, const QuantParams& p);
inline float dequantize(int32_t q, const QuantParams& p) { return static_cast<float>(q - p.zero_point) * p.scale; }

enum class WeightGranularity { PerChannel, PerTensor };
const char* granularity_name(WeightGranularity g);  // "per_channel", "per_tensor"

// The weight scales of a conv2d, conv_transpose2d or linear node: one per output channel (for
// per-tensor, the one scale repeated), max |w| / 127 over the channel (1 for an all-zero
// channel). Empty for a node without a weight with data. Output channels are the weight's
// dim 0, except conv_transpose2d ([in, out / groups, kh, kw]), which is quantised per tensor.
std::vector<float> weight_scales(const ir::Node& node, WeightGranularity granularity);
// The output channel of each weight element (index into weight_scales).
int64_t weight_channel(const ir::Node& node, int64_t element);
// Symmetric int8 of each weight element at its channel's scale.
std::vector<int8_t> quantize_weights(const ir::Node& node, std::span<const float> scales);
// The int32 bias at scale input_scale x weight_scale[c] (round half to even of b x (1 / that scale)).
std::vector<int32_t> quantize_bias(std::span<const float> bias, float input_scale, std::span<const float> scales);

// A real multiplier M > 0 as M = m0 x 2^(shift - 31) with m0 in [2^30, 2^31): TFLite's
// QuantizeMultiplier.
struct FixedPointMultiplier {
  int32_t m0 = 0;
  int shift = 0;
};
FixedPointMultiplier fixed_point_multiplier(double multiplier);
// round(x x M) in integer arithmetic (saturating rounding doubling high multiply, then a rounding
// right shift): TFLite's MultiplyByQuantizedMultiplier.
int32_t multiply_by_fixed_point(int32_t x, FixedPointMultiplier m);

}  // namespace hwnas::quant
