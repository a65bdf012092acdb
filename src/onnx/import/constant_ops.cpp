// ONNX import of shape arithmetic folded to constants (Shape, Gather, ...), and of Identity / Dropout.
#include <algorithm>
#include <memory>

#include "importer.h"

namespace hwnas::onnx_io::detail {

Result<bool> Importer::try_fold(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  std::vector<const ConstTensor*> inputs;
  std::vector<std::shared_ptr<const ConstTensor>> owned;
  for (int i = 0; i < node.input_size(); ++i) {
    if (node.input(i).empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    auto value = lookup(node.input(i));
    if (!value) return value.error();
    const Value& v = **value;
    if (v.kind == Value::Kind::Constant) {
      inputs.push_back(v.constant.get());
      continue;
    }
    if (op != "Shape" || i != 0) return false;  // a tensor operand: not shape arithmetic
    // Shape of a tensor or param input: its static dims, without their data.
    auto dims = std::make_shared<ConstTensor>();
    dims->dims = v.kind == Value::Kind::Tensor ? shape_of(v.plan).dims : v.param_shape;
    owned.push_back(dims);
    inputs.push_back(dims.get());
  }
  std::vector<ConstTensor> results;
  if (op == "Shape") {
    if (inputs.empty() || !inputs[0]) return node_error("Shape needs an input");
    auto rank = static_cast<int64_t>(inputs[0]->dims.size());
    auto start = attr_int(node, "start", 0);
    auto end = attr_int(node, "end", rank);
    if (!start) return node_error(start.error().message);
    if (!end) return node_error(end.error().message);
    auto clamp = [&](int64_t v) {
      return std::clamp<int64_t>(v < 0 ? std::max<int64_t>(v, -rank) + rank : v, 0, rank);
    };
    int64_t b = clamp(*start), e = clamp(*end);
    ConstTensor t;
    t.is_float = false;
    for (int64_t k = b; k < e; ++k) t.ints.push_back(inputs[0]->dims[static_cast<size_t>(k)]);
    t.dims = {static_cast<int64_t>(t.ints.size())};
    results.push_back(std::move(t));
  } else {
    if (op == "Identity") {  // shares the constant, no copy
      if (has_input(node, 0)) values_[output_name(node, 0)] = values_.at(input_name(node, 0));
      return true;
    }
    auto folded = fold_constant_node(node, inputs, opset_, fold_budget_);
    if (!folded) return node_error(folded.error().message);
    results = std::move(folded.value());
  }
  for (const ConstTensor& t : results) {
    if (static_cast<int64_t>(t.size()) > fold_budget_)
      return node_error("folded constants exceed the budget for a file of this size");
    fold_budget_ -= static_cast<int64_t>(t.size());
  }
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty()) continue;
    if (static_cast<size_t>(i) >= results.size())
      return node_error("output " + std::to_string(i) + " is not supported");
    values_[node.output(i)] =
        Value{Value::Kind::Constant,
              -1,
              std::make_shared<const ConstTensor>(std::move(results[static_cast<size_t>(i)])),
              {}};
  }
  return true;
}

Status Importer::convert_identity(const onnx::NodeProto& node) {
  if (!has_input(node, 0)) return node_error("input 0 is missing");
  auto value = lookup(input_name(node, 0));
  if (!value) return value.error();
  if (node.op_type() == "Dropout")
    if (auto s = check_unused_output(node, 1, "the dropout mask"); !s) return s;
  Value copy = **value;
  alias(output_name(node, 0), copy);
  return {};
}

}  // namespace hwnas::onnx_io::detail
