// ONNX import of linear layers: Gemm and MatMul with a constant weight.
#include <optional>

#include "importer.h"

namespace hwnas::onnx_io::detail {

Status Importer::convert_gemm(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto w = weight_input(node, 1, "weight");
  if (!w) return w.error();
  auto trans_a = attr_int(node, "transA", 0);
  auto trans_b = attr_int(node, "transB", 0);
  auto alpha = attr_float(node, "alpha", 1.0);
  auto beta = attr_float(node, "beta", 1.0);
  if (!trans_a) return node_error(trans_a.error().message);
  if (!trans_b) return node_error(trans_b.error().message);
  if (!alpha) return node_error(alpha.error().message);
  if (!beta) return node_error(beta.error().message);
  if (*trans_a != 0) return node_error("transA=1 is not supported");
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 2) return node_error("expects a rank-2 input, got [" + in.to_string() + "]");
  if (w->dims.size() != 2)
    return node_error("weight '" + w->name + "' must be 2-D, got [" + dims_to_string(w->dims) + "]");
  int64_t out = *trans_b ? w->dims[0] : w->dims[1];
  int64_t k = *trans_b ? w->dims[1] : w->dims[0];
  if (k != in[1])
    return node_error("shape mismatch: weight '" + w->name + "' [" + dims_to_string(w->dims) + "] (transB=" +
                      std::to_string(*trans_b) + ") does not take an input of [" + in.to_string() + "]");
  std::optional<Weight> c;
  if (has_input(node, 2) && *beta != 0.0) {
    auto bias = weight_input(node, 2, "bias");
    if (!bias) return bias.error();
    if (bias->numel() != out && bias->numel() != 1)
      return node_error("shape mismatch: bias '" + bias->name + "' has shape [" + dims_to_string(bias->dims) +
                        "], expected [" + std::to_string(out) + "]");
    c = std::move(bias.value());
  }
  if ((!w->data && *alpha != 1.0) || (c && !c->data && *beta != 1.0))
    return node_error("alpha or beta other than 1 on a weight without data is not supported");
  if (out < 1) return node_error("weight '" + w->name + "' has no output features");
  auto p = plan_node(ir::OpKind::Linear, ir::LinearAttrs{out, c.has_value()}, {*x}, node);
  if (!p) return p.error();
  if (w->data) {
    std::vector<float> weight(static_cast<size_t>(out * k));
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < k; ++i) {
        size_t from = static_cast<size_t>(*trans_b ? o * k + i : i * out + o);
        weight[static_cast<size_t>(o * k + i)] = static_cast<float>(*alpha * (*w->data)[from]);
      }
    if (auto s = set_param_data(*p, 0, std::move(weight)); !s) return s;
  }
  if (c && c->data) {
    std::vector<float> bias(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o)
      bias[static_cast<size_t>(o)] =
          static_cast<float>(*beta * (*c->data)[c->data->size() == 1 ? 0 : static_cast<size_t>(o)]);
    if (auto s = set_param_data(*p, 1, std::move(bias)); !s) return s;
  } else if (c && c->numel() != out) {
    return node_error("shape mismatch: bias '" + c->name + "' must have " + std::to_string(out) + " values");
  }
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_matmul(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto w = weight_input(node, 1, "weight");
  if (!w) return w.error();
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 2) return node_error("expects a rank-2 input, got [" + in.to_string() + "]");
  if (w->dims.size() != 2 || w->dims[0] != in[1] || w->dims[1] < 1)
    return node_error("shape mismatch: weight '" + w->name + "' [" + dims_to_string(w->dims) +
                      "] does not take an input of [" + in.to_string() + "]");
  int64_t k = w->dims[0], out = w->dims[1];
  auto p = plan_node(ir::OpKind::Linear, ir::LinearAttrs{out, false}, {*x}, node);
  if (!p) return p.error();
  if (w->data) {
    std::vector<float> weight(static_cast<size_t>(out * k));
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < k; ++i)
        weight[static_cast<size_t>(o * k + i)] = (*w->data)[static_cast<size_t>(i * out + o)];
    if (auto s = set_param_data(*p, 0, std::move(weight)); !s) return s;
  }
  bind(output_name(node, 0), *p);
  return {};
}

}  // namespace hwnas::onnx_io::detail
