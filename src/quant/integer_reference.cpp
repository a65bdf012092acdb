// The integer reference evaluator: int8/int16 tensors, int32 accumulators, fixed-point requantisation, per op.
#include "hwnas/quant/integer_reference.h"

#include <algorithm>
#include <cmath>

#include "hwnas/reference/evaluate.h"

namespace hwnas::quant {

reference::Tensor dequantize(const IntTensor& t) {
  reference::Tensor out{t.shape, std::vector<float>(t.data.size())};
  for (size_t i = 0; i < t.data.size(); ++i) out.data[i] = dequantize(t.data[i], t.params);
  return out;
}

namespace {

struct Bounds {
  int32_t lo, hi;
};

class IntegerEvaluator {
 public:
  IntegerEvaluator(const ir::Graph& graph, const QuantPlan& plan) : graph_(graph), plan_(plan), values_(graph.size()) {}

  Result<std::vector<IntTensor>> run(const std::vector<reference::Tensor>& inputs, bool all) {
    if (plan_.roles.size() != graph_.size()) return Error{where() + "the plan was made for another graph"};
    const std::vector<ir::NodeId> input_ids = graph_.inputs();
    if (inputs.size() != input_ids.size())
      return Error{where() + "takes " + std::to_string(input_ids.size()) + " input(s), got " + std::to_string(inputs.size())};
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::Node& node = graph_.node(input_ids[i]);
      if (inputs[i].shape != node.shape || inputs[i].data.size() != static_cast<size_t>(node.shape.numel()))
        return error(node, "input of shape [" + inputs[i].shape.to_string() + "], the graph's is [" + node.shape.to_string() + "]");
      IntTensor& t = values_[static_cast<size_t>(node.id)];
      t.shape = node.shape;
      t.params = *plan_.grid[static_cast<size_t>(node.id)];
      t.data.resize(inputs[i].data.size());
      for (size_t k = 0; k < t.data.size(); ++k) t.data[k] = quantize(inputs[i].data[k], t.params);
    }
    for (const ir::Node& node : graph_.nodes()) {
      if (node.kind == ir::OpKind::Input) continue;
      auto value = evaluate(node);
      if (!value) return value.error();
      values_[static_cast<size_t>(node.id)] = std::move(*value);
    }
    if (all) return std::move(values_);
    std::vector<IntTensor> outputs;
    for (ir::NodeId id : graph_.outputs()) outputs.push_back(values_[static_cast<size_t>(id)]);
    return outputs;
  }

 private:
  std::string where() const { return "graph '" + graph_.name() + "': integer evaluation: "; }
  Error error(const ir::Node& node, const std::string& message) const {
    return Error{where() + node.describe() + ": " + message};
  }
  const IntTensor& in(const ir::Node& node, size_t i) const { return values_[static_cast<size_t>(node.inputs.at(i))]; }

  // The grid a node writes (its activation's when fused) and the clamp of that activation.
  QuantParams out_params(const ir::Node& node) const { return *plan_.output_grid(node.id); }
  Bounds bounds(const ir::Node& node, const QuantParams& out) const {
    Bounds b{out.qmin, out.qmax};
    const ir::NodeId act = plan_.fused_into[static_cast<size_t>(node.id)];
    if (act == ir::kNoNode) return b;
    const ir::Node& a = graph_.node(act);
    double lo = 0, hi = std::numeric_limits<double>::infinity();
    if (a.kind == ir::OpKind::Relu6) hi = 6.0;
    if (a.kind == ir::OpKind::Clip) {
      lo = a.attr<ir::ClipAttrs>().min;
      hi = a.attr<ir::ClipAttrs>().max;
    }
    b.lo = std::max(b.lo, quantize(static_cast<float>(lo), out));
    if (std::isfinite(hi)) b.hi = std::min(b.hi, quantize(static_cast<float>(hi), out));
    return b;
  }
  static int32_t clamp(int64_t v, Bounds b) { return static_cast<int32_t>(std::clamp<int64_t>(v, b.lo, b.hi)); }

  IntTensor make(const ir::Node& node, const QuantParams& params) const {
    return IntTensor{node.shape, std::vector<int32_t>(static_cast<size_t>(node.shape.numel())), params};
  }

  Result<IntTensor> evaluate(const ir::Node& node) {
    switch (node.kind) {
      case ir::OpKind::Conv2d: return conv(node);
      case ir::OpKind::Linear: return linear(node);
      case ir::OpKind::Add:
      case ir::OpKind::Sub: return add(node);
      case ir::OpKind::Mul: return mul(node);
      case ir::OpKind::Concat: return concat(node);
      case ir::OpKind::AvgPool: return avg_pool(node);
      case ir::OpKind::GlobalAvgPool: return global_avg_pool(node);
      case ir::OpKind::Relu:
      case ir::OpKind::Relu6:
      case ir::OpKind::Clip:
        if (plan_.roles[static_cast<size_t>(node.inputs[0])] == Role::Fused) return in(node, 0);  // done by its input
        return table(node);
      case ir::OpKind::HardSwish:
      case ir::OpKind::HardSigmoid:
      case ir::OpKind::Sigmoid:
      case ir::OpKind::Swish:
      case ir::OpKind::LeakyRelu: return table(node);
      default:
        if (plan_.roles[static_cast<size_t>(node.id)] == Role::KeepsGrid) return move_values(node);
        return error(node, "not supported by the integer evaluator");
    }
  }

  // A conv2d's or linear's integer weights and biases, and per output channel the multiplier
  // from its int32 sum to the output grid, clamped to the fused activation's bounds.
  struct Weighted {
    std::vector<int8_t> w;
    std::vector<int32_t> bias;
    std::vector<FixedPointMultiplier> multipliers;
    QuantParams out;
    Bounds bounds;
    int32_t requantize(int64_t acc, int64_t channel) const {
      const auto acc32 = static_cast<int32_t>(std::clamp<int64_t>(acc, INT32_MIN, INT32_MAX));
      return clamp(static_cast<int64_t>(multiply_by_fixed_point(acc32, multipliers[static_cast<size_t>(channel)])) + out.zero_point,
                   bounds);
    }
  };
  Result<Weighted> weighted(const ir::Node& node, const QuantParams& input) const {
    if (node.params.empty() || node.params[0].data.empty()) return error(node, "has no weights");
    const std::vector<float> scales = weight_scales(node, plan_.weights);
    Weighted q;
    q.w = quantize_weights(node, scales);
    q.bias.assign(scales.size(), 0);
    if (node.params.size() > 1 && !node.params[1].data.empty()) q.bias = quantize_bias(node.params[1].data, input.scale, scales);
    q.out = out_params(node);
    q.bounds = bounds(node, q.out);
    for (float scale : scales)
      q.multipliers.push_back(fixed_point_multiplier(static_cast<double>(input.scale) * scale / static_cast<double>(q.out.scale)));
    return q;
  }

  Result<IntTensor> conv(const ir::Node& node) {
    const auto& a = node.attr<ir::Conv2dAttrs>();
    const IntTensor& x = in(node, 0);
    auto q = weighted(node, x.params);
    if (!q) return q.error();
    const std::vector<int8_t>& w = q->w;
    IntTensor y = make(node, q->out);
    const int64_t n_batch = x.shape[0], c_in = x.shape[1], h_in = x.shape[2], w_in = x.shape[3];
    const int64_t c_out = node.shape[1], h_out = node.shape[2], w_out = node.shape[3];
    const int64_t cg = c_in / a.groups, og = c_out / a.groups;
    for (int64_t o = 0; o < c_out; ++o) {
      const int64_t g = o / og;
      for (int64_t n = 0; n < n_batch; ++n)
        for (int64_t oh = 0; oh < h_out; ++oh)
          for (int64_t ow = 0; ow < w_out; ++ow) {
            int64_t acc = q->bias[static_cast<size_t>(o)];
            for (int64_t c = 0; c < cg; ++c) {
              const int64_t ic = g * cg + c;
              for (int64_t kh = 0; kh < a.kernel_h; ++kh) {
                const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
                if (ih < 0 || ih >= h_in) continue;
                for (int64_t kw = 0; kw < a.kernel_w; ++kw) {
                  const int64_t iw = ow * a.stride_w - a.pad_left + kw * a.dilation_w;
                  if (iw < 0 || iw >= w_in) continue;
                  const int32_t xv = x.data[static_cast<size_t>(((n * c_in + ic) * h_in + ih) * w_in + iw)] - x.params.zero_point;
                  const int32_t wv = w[static_cast<size_t>(((o * cg + c) * a.kernel_h + kh) * a.kernel_w + kw)];
                  acc += static_cast<int64_t>(xv) * wv;
                }
              }
            }
            y.data[static_cast<size_t>(((n * c_out + o) * h_out + oh) * w_out + ow)] = q->requantize(acc, o);
          }
    }
    return y;
  }

  Result<IntTensor> linear(const ir::Node& node) {
    const IntTensor& x = in(node, 0);
    auto q = weighted(node, x.params);
    if (!q) return q.error();
    const int64_t out_features = node.params[0].shape[0], k = node.params[0].shape[1];
    IntTensor y = make(node, q->out);
    const int64_t rows = x.shape.numel() / k;
    for (int64_t o = 0; o < out_features; ++o)
      for (int64_t r = 0; r < rows; ++r) {
        int64_t acc = q->bias[static_cast<size_t>(o)];
        for (int64_t i = 0; i < k; ++i)
          acc += static_cast<int64_t>(x.data[static_cast<size_t>(r * k + i)] - x.params.zero_point) * q->w[static_cast<size_t>(o * k + i)];
        y.data[static_cast<size_t>(r * out_features + o)] = q->requantize(acc, o);
      }
    return y;
  }

  // For each output element of `out`, the element of `in` that numpy broadcasting reads.
  static std::vector<size_t> broadcast_indices(const ir::Shape& out, const ir::Shape& in) {
    const size_t rank = out.rank(), offset = rank - in.rank();
    std::vector<size_t> indices(static_cast<size_t>(out.numel()));
    std::vector<int64_t> at(rank, 0);
    for (size_t e = 0; e < indices.size(); ++e) {
      size_t index = 0;
      for (size_t d = offset; d < rank; ++d) {
        const int64_t dim = in[d - offset];
        index = index * static_cast<size_t>(dim) + static_cast<size_t>(dim == 1 ? 0 : at[d]);
      }
      indices[e] = index;
      for (size_t d = rank; d-- > 0;) {
        if (++at[d] < out[d]) break;
        at[d] = 0;
      }
    }
    return indices;
  }

  Result<IntTensor> add(const ir::Node& node) {
    const IntTensor &a = in(node, 0), &c = in(node, 1);
    const QuantParams out = out_params(node);
    const Bounds b = bounds(node, out);
    IntTensor y = make(node, out);
    const int left_shift = out.qmax > 127 ? 15 : 20;
    const double twice_max = 2.0 * std::max(a.params.scale, c.params.scale);
    const FixedPointMultiplier ma = fixed_point_multiplier(a.params.scale / twice_max);
    const FixedPointMultiplier mc = fixed_point_multiplier(c.params.scale / twice_max);
    const FixedPointMultiplier mo = fixed_point_multiplier(twice_max / (static_cast<double>(int64_t{1} << left_shift) * out.scale));
    const auto ia = broadcast_indices(node.shape, a.shape), ic = broadcast_indices(node.shape, c.shape);
    const int32_t sign = node.kind == ir::OpKind::Sub ? -1 : 1;
    for (size_t e = 0; e < y.data.size(); ++e) {
      const int32_t sa = multiply_by_fixed_point((a.data[ia[e]] - a.params.zero_point) * (1 << left_shift), ma);
      const int32_t sc = multiply_by_fixed_point((c.data[ic[e]] - c.params.zero_point) * (1 << left_shift), mc);
      y.data[e] = clamp(static_cast<int64_t>(multiply_by_fixed_point(sa + sign * sc, mo)) + out.zero_point, b);
    }
    return y;
  }

  Result<IntTensor> mul(const ir::Node& node) {
    const IntTensor &a = in(node, 0), &c = in(node, 1);
    const QuantParams out = out_params(node);
    const Bounds b = bounds(node, out);
    IntTensor y = make(node, out);
    const FixedPointMultiplier m =
        fixed_point_multiplier(static_cast<double>(a.params.scale) * c.params.scale / static_cast<double>(out.scale));
    const auto ia = broadcast_indices(node.shape, a.shape), ic = broadcast_indices(node.shape, c.shape);
    for (size_t e = 0; e < y.data.size(); ++e) {
      const int32_t product = (a.data[ia[e]] - a.params.zero_point) * (c.data[ic[e]] - c.params.zero_point);
      y.data[e] = clamp(static_cast<int64_t>(multiply_by_fixed_point(product, m)) + out.zero_point, b);
    }
    return y;
  }

  // The integers of `t` requantised to `out`.
  static std::vector<int32_t> requantised(const IntTensor& t, const QuantParams& out) {
    if (t.params == out) return t.data;
    const FixedPointMultiplier m = fixed_point_multiplier(static_cast<double>(t.params.scale) / out.scale);
    std::vector<int32_t> data(t.data.size());
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = std::clamp(multiply_by_fixed_point(t.data[i] - t.params.zero_point, m) + out.zero_point, out.qmin, out.qmax);
    return data;
  }

  // Runs the float reference op on integers (exact: they are small whole numbers, and these ops
  // only move, select or pad values) and returns the integers it placed.
  Result<std::vector<int32_t>> move(const ir::Node& node, const std::vector<std::vector<int32_t>>& inputs, int32_t zero_point) {
    std::vector<reference::Tensor> tensors;
    for (size_t i = 0; i < inputs.size(); ++i) {
      reference::Tensor t{in(node, i).shape, std::vector<float>(inputs[i].size())};
      for (size_t k = 0; k < t.data.size(); ++k) t.data[k] = static_cast<float>(inputs[i][k] - zero_point);
      tensors.push_back(std::move(t));
    }
    auto moved = reference::evaluate_node(node, tensors);
    if (!moved) return moved.error();
    std::vector<int32_t> data(moved->data.size());
    for (size_t k = 0; k < data.size(); ++k) data[k] = static_cast<int32_t>(std::lround(moved->data[k])) + zero_point;
    return data;
  }

  Result<IntTensor> concat(const ir::Node& node) {
    const QuantParams out = out_params(node);
    std::vector<std::vector<int32_t>> parts;
    for (size_t i = 0; i < node.inputs.size(); ++i) parts.push_back(requantised(in(node, i), out));
    auto data = move(node, parts, out.zero_point);
    if (!data) return error(node, data.error().message);
    return IntTensor{node.shape, std::move(*data), out};
  }

  Result<IntTensor> move_values(const ir::Node& node) {
    const IntTensor& x = in(node, 0);
    auto data = move(node, {x.data}, x.params.zero_point);
    if (!data) return error(node, data.error().message);
    return IntTensor{node.shape, std::move(*data), x.params};
  }

  Result<IntTensor> avg_pool(const ir::Node& node) {
    const auto& a = node.attr<ir::PoolAttrs>();
    const IntTensor& x = in(node, 0);
    const QuantParams out = out_params(node);
    IntTensor y = make(node, out);
    const int64_t planes = x.shape[0] * x.shape[1], h_in = x.shape[2], w_in = x.shape[3];
    const int64_t h_out = node.shape[2], w_out = node.shape[3];
    for (int64_t oh = 0; oh < h_out; ++oh)
      for (int64_t ow = 0; ow < w_out; ++ow) {
        const int64_t h0 = oh * a.stride_h - a.pad_top, w0 = ow * a.stride_w - a.pad_left;
        // The positions that count: inside the padded input (count_include_pad) or the input.
        const int64_t lo_h = a.count_include_pad ? -a.pad_top : 0, hi_h = a.count_include_pad ? h_in + a.pad_bottom : h_in;
        const int64_t lo_w = a.count_include_pad ? -a.pad_left : 0, hi_w = a.count_include_pad ? w_in + a.pad_right : w_in;
        const int64_t count = (std::min(h0 + a.kernel_h, hi_h) - std::max(h0, lo_h)) * (std::min(w0 + a.kernel_w, hi_w) - std::max(w0, lo_w));
        const FixedPointMultiplier m =
            fixed_point_multiplier(static_cast<double>(x.params.scale) / (static_cast<double>(out.scale) * static_cast<double>(count)));
        for (int64_t p = 0; p < planes; ++p) {
          int32_t sum = 0;
          for (int64_t ih = std::max<int64_t>(h0, 0); ih < std::min(h0 + a.kernel_h, h_in); ++ih)
            for (int64_t iw = std::max<int64_t>(w0, 0); iw < std::min(w0 + a.kernel_w, w_in); ++iw)
              sum += x.data[static_cast<size_t>((p * h_in + ih) * w_in + iw)] - x.params.zero_point;
          y.data[static_cast<size_t>((p * h_out + oh) * w_out + ow)] =
              std::clamp(multiply_by_fixed_point(sum, m) + out.zero_point, out.qmin, out.qmax);
        }
      }
    return y;
  }

  Result<IntTensor> global_avg_pool(const ir::Node& node) {
    const IntTensor& x = in(node, 0);
    const QuantParams out = out_params(node);
    IntTensor y = make(node, out);
    const int64_t area = x.shape[2] * x.shape[3];
    const FixedPointMultiplier m =
        fixed_point_multiplier(static_cast<double>(x.params.scale) / (static_cast<double>(out.scale) * static_cast<double>(area)));
    for (size_t p = 0; p < y.data.size(); ++p) {
      int32_t sum = 0;
      for (int64_t i = 0; i < area; ++i) sum += x.data[p * static_cast<size_t>(area) + static_cast<size_t>(i)] - x.params.zero_point;
      y.data[p] = std::clamp(multiply_by_fixed_point(sum, m) + out.zero_point, out.qmin, out.qmax);
    }
    return y;
  }

  // f of a unary activation in float, as libtorch computes it.
  static float activation(const ir::Node& node, float x) {
    switch (node.kind) {
      case ir::OpKind::Relu: return std::max(x, 0.0f);
      case ir::OpKind::Relu6: return std::min(std::max(x, 0.0f), 6.0f);
      case ir::OpKind::Clip: {
        const auto& a = node.attr<ir::ClipAttrs>();
        return std::min(std::max(x, static_cast<float>(a.min)), static_cast<float>(a.max));
      }
      case ir::OpKind::HardSwish: return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
      case ir::OpKind::HardSigmoid: {
        const auto& a = node.attr<ir::HardSigmoidAttrs>();
        return std::min(std::max(x * static_cast<float>(a.alpha) + static_cast<float>(a.beta), 0.0f), 1.0f);
      }
      case ir::OpKind::Sigmoid: return 1.0f / (1.0f + std::exp(-x));
      case ir::OpKind::Swish: return x / (1.0f + std::exp(-x));
      case ir::OpKind::LeakyRelu: return x >= 0 ? x : x * static_cast<float>(node.attr<ir::LeakyReluAttrs>().alpha);
      default: return x;
    }
  }

  Result<IntTensor> table(const ir::Node& node) {
    const IntTensor& x = in(node, 0);
    const QuantParams out = out_params(node);
    std::vector<int32_t> lookup(static_cast<size_t>(x.params.qmax - x.params.qmin + 1));
    for (int32_t q = x.params.qmin; q <= x.params.qmax; ++q)
      lookup[static_cast<size_t>(q - x.params.qmin)] = quantize(activation(node, dequantize(q, x.params)), out);
    IntTensor y = make(node, out);
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = lookup[static_cast<size_t>(x.data[i] - x.params.qmin)];
    return y;
  }

  const ir::Graph& graph_;
  const QuantPlan& plan_;
  std::vector<IntTensor> values_;
};

}  // namespace

Result<std::vector<IntTensor>> evaluate_integer(const ir::Graph& graph, const QuantPlan& plan,
                                                const std::vector<reference::Tensor>& inputs) {
  return IntegerEvaluator(graph, plan).run(inputs, /*all=*/false);
}

Result<std::vector<IntTensor>> evaluate_integer_all(const ir::Graph& graph, const QuantPlan& plan,
                                                    const std::vector<reference::Tensor>& inputs) {
  return IntegerEvaluator(graph, plan).run(inputs, /*all=*/true);
}

}  // namespace hwnas::quant
