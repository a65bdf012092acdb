// ONNX import of element-wise ops and activations: Add/Sub/Mul/Div, HardSigmoid, LeakyRelu, Clip, Softmax.
#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "hwnas/ir/infer_shape.h"
#include "importer.h"

namespace hwnas::onnx_io::detail {

Status Importer::convert_hard_sigmoid(const onnx::NodeProto& node) {
  auto alpha = attr_float(node, "alpha", 0.2);
  auto beta = attr_float(node, "beta", 0.5);
  if (!alpha) return node_error(alpha.error().message);
  if (!beta) return node_error(beta.error().message);
  return convert_unary(node, ir::OpKind::HardSigmoid, ir::HardSigmoidAttrs{*alpha, *beta});
}

Status Importer::convert_leaky_relu(const onnx::NodeProto& node) {
  auto alpha = attr_float(node, "alpha", 0.01);
  if (!alpha) return node_error(alpha.error().message);
  return convert_unary(node, ir::OpKind::LeakyRelu, ir::LeakyReluAttrs{*alpha});
}

Status Importer::convert_clip(const onnx::NodeProto& node) {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  if (opset_ < 11) {
    auto min = attr_float(node, "min", lo);
    auto max = attr_float(node, "max", hi);
    if (!min) return node_error(min.error().message);
    if (!max) return node_error(max.error().message);
    lo = *min;
    hi = *max;
  } else {
    for (int i : {1, 2}) {
      if (!has_input(node, i)) continue;
      auto bound = constant_input(node, i, i == 1 ? "min" : "max");
      if (!bound) return bound.error();
      if ((*bound)->size() != 1) return node_error(std::string(i == 1 ? "min" : "max") + " must be a scalar");
      double v = (*bound)->is_float ? float_to_double((*bound)->floats[0]) : (*bound)->value(0);
      (i == 1 ? lo : hi) = v;
    }
  }
  if (lo <= -FLT_MAX) lo = -std::numeric_limits<double>::infinity();
  if (hi >= FLT_MAX) hi = std::numeric_limits<double>::infinity();
  if (lo == 0.0 && hi == 6.0) return convert_unary(node, ir::OpKind::Relu6, ir::NoAttrs{});
  if (lo == 0.0 && std::isinf(hi) && hi > 0) return convert_unary(node, ir::OpKind::Relu, ir::NoAttrs{});
  if (std::isnan(lo) || std::isnan(hi)) return node_error("min or max is NaN");
  return convert_unary(node, ir::OpKind::Clip, ir::ClipAttrs{lo, hi});
}

Status Importer::convert_softmax(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto axis = attr_int(node, "axis", opset_ < 13 ? 1 : -1);
  if (!axis) return node_error(axis.error().message);
  const ir::Shape in = shape_of(*x);
  auto rank = static_cast<int64_t>(in.rank());
  if (*axis < -rank || *axis >= rank) return node_error("axis " + std::to_string(*axis) + " is out of range");
  if (opset_ < 13) {  // Softmax-1/11 normalises over dims [axis, rank) together
    int64_t a = *axis < 0 ? *axis + rank : *axis;
    for (int64_t d = a + 1; d < rank; ++d)
      if (in[static_cast<size_t>(d)] != 1)
        return node_error("Softmax before opset 13 over several axes of [" + in.to_string() +
                          "] is not supported");
  }
  return convert_unary(node, ir::OpKind::Softmax, ir::SoftmaxAttrs{*axis});
}

Status Importer::convert_add(const onnx::NodeProto& node) {
  // MatMul (a linear without bias) + Add of a constant vector -> one linear with bias.
  for (int k : {0, 1}) {
    if (!has_input(node, k) || !has_input(node, 1 - k)) break;
    auto tensor = lookup(input_name(node, k));
    auto other = lookup(input_name(node, 1 - k));
    if (!tensor) return tensor.error();
    if (!other) return other.error();
    if ((*tensor)->kind != Value::Kind::Tensor || (*other)->kind == Value::Kind::Tensor) continue;
    int linear = (*tensor)->plan;
    PlannedNode& producer = plan_[static_cast<size_t>(linear)];
    if (producer.kind != ir::OpKind::Linear || !producer.alive || producer.uses != 1) continue;
    auto attrs = std::get<ir::LinearAttrs>(producer.attrs);
    if (attrs.bias) continue;
    auto bias = weight_input(node, 1 - k, "bias");
    if (!bias) return bias.error();
    bool vector_shape = bias->dims.size() == 1 || (bias->dims.size() == 2 && bias->dims[0] == 1);
    if (!vector_shape || bias->numel() != attrs.out_features) continue;
    attrs.bias = true;
    std::vector<float> weight = std::move(producer.params[0].data);
    producer.params = ir::make_params(ir::OpKind::Linear, attrs, {shape_of(producer.inputs[0])});
    producer.attrs = attrs;
    producer.params[0].data = std::move(weight);
    if (auto s = set_param(linear, 1, *bias); !s) return s;
    alias(output_name(node, 0), **tensor);
    return {};
  }
  auto a = tensor_input(node, 0);
  if (!a) return a.error();
  auto b = tensor_input(node, 1);
  if (!b) return b.error();
  auto p = plan_node(ir::OpKind::Add, ir::NoAttrs{}, {*a, *b}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_mul(const onnx::NodeProto& node) {
  auto a = tensor_input(node, 0);
  if (!a) return a.error();
  auto b = tensor_input(node, 1);
  if (!b) return b.error();
  if (options_.fuse_activations) {
    for (auto [gate, other] : {std::pair{*b, *a}, std::pair{*a, *b}}) {
      PlannedNode& g = plan_[static_cast<size_t>(gate)];
      if (!g.alive || g.uses != 1 || g.inputs.size() != 1 || g.inputs[0] != other) continue;
      std::optional<ir::OpKind> fused;
      if (g.kind == ir::OpKind::Sigmoid) fused = ir::OpKind::Swish;
      if (g.kind == ir::OpKind::HardSigmoid) {
        const auto& h = std::get<ir::HardSigmoidAttrs>(g.attrs);
        if (h.alpha == 1.0 / 6.0 && h.beta == 0.5) fused = ir::OpKind::HardSwish;
      }
      if (!fused) continue;
      g.alive = false;
      auto p = plan_node(*fused, ir::NoAttrs{}, {other}, node);
      if (!p) return p.error();
      bind(output_name(node, 0), *p);
      return {};
    }
  }
  auto p = plan_node(ir::OpKind::Mul, ir::NoAttrs{}, {*a, *b}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_binary(const onnx::NodeProto& node, ir::OpKind kind) {
  auto a = tensor_input(node, 0);
  if (!a) return a.error();
  auto b = tensor_input(node, 1);
  if (!b) return b.error();
  auto p = plan_node(kind, ir::NoAttrs{}, {*a, *b}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

}  // namespace hwnas::onnx_io::detail
