// The ONNX importer's core: values, planning helpers, graph inputs, op dispatch, emission.
#include "importer.h"

#include <algorithm>
#include <memory>
#include <unordered_set>

#include "hwnas/ir/infer_shape.h"

namespace hwnas::onnx_io::detail {
namespace {

constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 17;

// The (ONNX operator, input index) pairs that carry weights, for telling param inputs from data.
bool is_weight_slot(const std::string& op, int index) {
  if (op == "Conv" || op == "ConvTranspose") return index == 1 || index == 2;
  if (op == "BatchNormalization") return index >= 1 && index <= 4;
  if (op == "Gemm") return index == 1 || index == 2;
  if (op == "MatMul") return index == 1;
  return false;
}

bool is_float_type(int32_t elem_type) {
  return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::FLOAT16 ||
         elem_type == onnx::TensorProto::DOUBLE;
}

Result<std::vector<int64_t>> static_shape(const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type()) return Error{"is not a tensor"};
  const auto& tensor = info.type().tensor_type();
  if (!is_float_type(tensor.elem_type()))
    return Error{"has element type " + std::to_string(tensor.elem_type()) +
                 "; only float tensors are supported"};
  if (!tensor.has_shape()) return Error{"has no shape; only static shapes are supported"};
  std::vector<int64_t> dims;
  for (int k = 0; k < tensor.shape().dim_size(); ++k) {
    const auto& dim = tensor.shape().dim(k);
    if (dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() <= kMaxDim) {
      dims.push_back(dim.dim_value());
      continue;
    }
    if (dim.has_dim_param())
      return Error{"dimension " + std::to_string(k) + " is dynamic ('" + dim.dim_param() +
                   "'); only static shapes are supported"};
    if (dim.has_dim_value())
      return Error{"dimension " + std::to_string(k) + " is " + std::to_string(dim.dim_value())};
    return Error{"dimension " + std::to_string(k) +
                 " is dynamic (no value); only static shapes are supported"};
  }
  if (dims.empty()) return Error{"is a scalar; the IR needs a tensor of rank >= 1"};
  auto numel = checked_numel(dims, kMaxTensorElements);
  if (!numel) return numel.error();
  return dims;
}

}  // namespace

// ---------------------------------------------------------------- values

Result<const Value*> Importer::lookup(const std::string& name) {
  auto it = values_.find(name);
  if (it != values_.end()) return &it->second;
  auto init = initializers_.find(name);
  if (init == initializers_.end())
    return node_error("input '" + name +
                      "' is missing: no earlier node, initializer or graph input has that name");
  auto tensor = read_tensor(*init->second);
  if (!tensor) return node_error("initializer " + tensor.error().message);
  Value value{Value::Kind::Constant, -1, std::make_shared<const ConstTensor>(std::move(tensor.value())), {}};
  return &(values_[name] = std::move(value));
}

Result<int> Importer::tensor_input(const onnx::NodeProto& node, int i) {
  if (!has_input(node, i)) return node_error("input " + std::to_string(i) + " is missing");
  const std::string& name = input_name(node, i);
  auto value = lookup(name);
  if (!value) return value.error();
  switch ((*value)->kind) {
    case Value::Kind::Tensor:
      return (*value)->plan;
    case Value::Kind::Constant:
      return node_error("input '" + name +
                        "' is a constant where the IR needs a tensor computed from the graph input; "
                        "this use of a constant operand is not supported");
    case Value::Kind::ParamInput:
      return node_error("graph input '" + name + "' is used both as a weight and as data");
  }
  return node_error("internal: unknown value kind");
}

Result<const ConstTensor*> Importer::constant_input(const onnx::NodeProto& node, int i,
                                                    const std::string& what) {
  if (!has_input(node, i)) return node_error(what + " (input " + std::to_string(i) + ") is missing");
  const std::string& name = input_name(node, i);
  auto value = lookup(name);
  if (!value) return value.error();
  if ((*value)->kind != Value::Kind::Constant)
    return node_error(what + " '" + name +
                      "' is not a constant (it is computed at run time or is a graph input), "
                      "which is not supported");
  return (*value)->constant.get();
}

Result<Weight> Importer::weight_input(const onnx::NodeProto& node, int i, const std::string& what) {
  if (!has_input(node, i)) return node_error(what + " (input " + std::to_string(i) + ") is missing");
  const std::string& name = input_name(node, i);
  auto value = lookup(name);
  if (!value) return value.error();
  if ((*value)->kind == Value::Kind::ParamInput) return Weight{name, (*value)->param_shape, nullptr};
  if ((*value)->kind == Value::Kind::Constant) {
    const ConstTensor& t = *(*value)->constant;
    if (!t.is_float) return node_error(what + " '" + name + "' is not a float tensor");
    return Weight{name, t.dims, &t.floats};
  }
  return node_error(what + " '" + name + "' is computed at run time; the IR needs weights from initializers");
}

// ---------------------------------------------------------------- planning helpers

Result<int> Importer::plan_node(ir::OpKind kind, ir::Attrs attrs, std::vector<int> inputs,
                                const onnx::NodeProto& node) {
  std::vector<ir::Shape> input_shapes;
  for (int in : inputs) input_shapes.push_back(shape_of(in));
  auto shape = ir::infer_shape(kind, attrs, input_shapes);
  if (!shape) return node_error(shape.error().message);
  auto numel = checked_numel(shape->dims, kMaxTensorElements);
  if (!numel) return node_error("output " + numel.error().message);
  PlannedNode p;
  p.kind = kind;
  p.params = ir::make_params(kind, attrs, input_shapes);
  p.attrs = std::move(attrs);
  p.inputs = std::move(inputs);
  p.base_name = display_name(node, current_);
  p.onnx_node = current_;
  p.shape = std::move(shape.value());
  plan_.push_back(std::move(p));
  return static_cast<int>(plan_.size() - 1);
}

Status Importer::set_param(int plan, size_t index, const Weight& weight) {
  ir::Param& param = plan_[static_cast<size_t>(plan)].params.at(index);
  if (weight.numel() != param.shape.numel())
    return node_error("shape mismatch: " + param.role + " '" + weight.name + "' has shape [" +
                      dims_to_string(weight.dims) + "], the operator needs [" + param.shape.to_string() +
                      "]");
  if (weight.data) {
    if (weight.numel() > param_budget_)
      return node_error(
          "the weights copied into params exceed the budget for a file of this size "
          "(an initializer shared by very many nodes?)");
    param_budget_ -= weight.numel();
    param.data = *weight.data;
  }
  return {};
}

Status Importer::set_param_data(int plan, size_t index, std::vector<float> data) {
  ir::Param& param = plan_[static_cast<size_t>(plan)].params.at(index);
  if (static_cast<int64_t>(data.size()) != param.shape.numel())
    return node_error("shape mismatch: " + param.role + " has " + std::to_string(data.size()) +
                      " values, the operator needs [" + param.shape.to_string() + "]");
  if (static_cast<int64_t>(data.size()) > param_budget_)
    return node_error("the weights copied into params exceed the budget for a file of this size");
  param_budget_ -= static_cast<int64_t>(data.size());
  param.data = std::move(data);
  return {};
}

Result<std::vector<int64_t>> Importer::ints_attr(const onnx::NodeProto& node, const std::string& name,
                                                 size_t count, std::vector<int64_t> fallback, int64_t lo,
                                                 int64_t hi) {
  auto value = attr_ints(node, name);
  if (!value) return node_error(value.error().message);
  std::vector<int64_t> v = value->has_value() ? **value : std::move(fallback);
  if (v.size() != count)
    return node_error("attribute '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
                      std::to_string(count) + " (only 2-D operators are supported)");
  for (int64_t x : v) {
    if (x < 0 && lo == 0)
      return node_error("attribute '" + name + "' holds " + std::to_string(x) + ": " + name +
                        " must not be negative");
    if (x < lo || x > hi)
      return node_error("attribute '" + name + "' holds " + std::to_string(x) + ", outside [" +
                        std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

Status Importer::apply_auto_pad(const onnx::NodeProto& node, const ir::Shape& in, int64_t kh, int64_t kw,
                                int64_t sh, int64_t sw, int64_t dh, int64_t dw, std::vector<int64_t>& pads) {
  auto mode = attr_string(node, "auto_pad", "NOTSET");
  if (!mode) return node_error(mode.error().message);
  if (*mode == "NOTSET") return {};
  if (*mode == "VALID") {
    pads = {0, 0, 0, 0};
    return {};
  }
  if (*mode != "SAME_UPPER" && *mode != "SAME_LOWER")
    return node_error("auto_pad '" + *mode + "' is not supported");
  auto same = [&](int64_t size, int64_t k, int64_t s, int64_t d, int64_t& begin, int64_t& end) {
    int64_t out = (size + s - 1) / s;
    int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - size);
    begin = *mode == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    end = total - begin;
  };
  same(in.h(), kh, sh, dh, pads[0], pads[2]);
  same(in.w(), kw, sw, dw, pads[1], pads[3]);
  return {};
}

Result<std::vector<int64_t>> Importer::axes_of(const onnx::NodeProto& node, int input, const std::string& attribute,
                                               int64_t rank, bool required) {
  std::vector<int64_t> axes;
  if (input >= 0) {
    if (has_input(node, input)) {
      auto t = constant_input(node, input, "axes");
      if (!t) return t.error();
      if ((*t)->is_float) return node_error("axes must be integers");
      axes = (*t)->ints;
    }
  } else {
    auto a = attr_ints(node, attribute);
    if (!a) return node_error(a.error().message);
    if (a->has_value()) axes = **a;
  }
  if (axes.empty() && required) return node_error("axes are missing");
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), false);
  for (int64_t& axis : axes) {
    if (axis < -rank || axis >= rank)
      return node_error("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0) axis += rank;
    if (seen[static_cast<size_t>(axis)]) return node_error("axis " + std::to_string(axis) + " is listed twice");
    seen[static_cast<size_t>(axis)] = true;
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

Status Importer::check_unused_output(const onnx::NodeProto& node, int i, const std::string& what) {
  const std::string& name = output_name(node, i);
  if (!name.empty() && uses_of(name) > 0)
    return node_error("output '" + name + "' (" + what + ") is used, which is not supported");
  return {};
}

Status Importer::convert_unary(const onnx::NodeProto& node, ir::OpKind kind, ir::Attrs attrs) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto p = plan_node(kind, std::move(attrs), {*x}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

// ---------------------------------------------------------------- graph inputs

Status Importer::read_graph_inputs() {
  // Graph inputs that only ever feed weight slots, directly or through Identity nodes (PyTorch
  // shares equal weights that way), are shape-only params; the rest are data.
  std::unordered_map<std::string, std::string> identity_source;
  for (const auto& node : graph_->node())
    if (node.op_type() == "Identity" && node.input_size() == 1 && node.output_size() == 1)
      identity_source[node.output(0)] = node.input(0);
  auto root = [&](const std::string& name) {
    const std::string* r = &name;
    for (int steps = 0; steps <= graph_->node_size(); ++steps) {  // bounded: a cycle cannot hang
      auto it = identity_source.find(*r);
      if (it == identity_source.end()) break;
      r = &it->second;
    }
    return *r;
  };
  std::unordered_map<std::string, int> weight_reads, data_reads;
  for (const auto& node : graph_->node()) {
    if (node.op_type() == "Identity") continue;
    for (int i = 0; i < node.input_size(); ++i)
      if (!node.input(i).empty())
        ++(is_weight_slot(node.op_type(), i) ? weight_reads : data_reads)[root(node.input(i))];
  }
  for (const auto& out : graph_->output()) ++data_reads[root(out.name())];

  for (const auto& info : graph_->input()) {
    if (initializers_.count(info.name())) continue;  // an initializer listed as input (IR version < 4)
    if (values_.count(info.name())) return file_error("graph input '" + info.name() + "' is declared twice");
    auto dims = static_shape(info);
    if (!dims) return file_error("input '" + info.name() + "' " + dims.error().message);
    if (weight_reads[info.name()] > 0 && data_reads[info.name()] == 0) {
      values_[info.name()] = Value{Value::Kind::ParamInput, -1, nullptr, *dims};
      continue;
    }
    PlannedNode p;
    p.kind = ir::OpKind::Input;
    p.attrs = ir::InputAttrs{ir::Shape(*dims)};
    p.shape = ir::Shape(*dims);
    p.base_name = info.name().empty() ? "input" : info.name();
    plan_.push_back(std::move(p));
    bind(info.name(), static_cast<int>(plan_.size() - 1));
  }
  return {};
}

// ---------------------------------------------------------------- dispatch

Status Importer::convert_node(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return node_error("unsupported operator (domain '" + node.domain() + "', opset " + std::to_string(opset_) + ")");
  if (is_foldable_op(op)) {
    auto folded = try_fold(node);
    if (!folded) return folded.error();
    if (*folded) return {};
  }
  // constant_ops.cpp
  if (op == "Identity" || op == "Dropout") return convert_identity(node);
  // conv_ops.cpp
  if (op == "Conv") return convert_conv(node);
  if (op == "ConvTranspose") return convert_conv_transpose(node);
  if (op == "BatchNormalization") return convert_batch_norm(node);
  // elementwise_ops.cpp
  if (op == "Relu") return convert_unary(node, ir::OpKind::Relu, ir::NoAttrs{});
  if (op == "Sigmoid") return convert_unary(node, ir::OpKind::Sigmoid, ir::NoAttrs{});
  if (op == "HardSwish") return convert_unary(node, ir::OpKind::HardSwish, ir::NoAttrs{});
  if (op == "HardSigmoid") return convert_hard_sigmoid(node);
  if (op == "LeakyRelu") return convert_leaky_relu(node);
  if (op == "Clip") return convert_clip(node);
  if (op == "Softmax") return convert_softmax(node);
  if (op == "Add") return convert_add(node);
  if (op == "Mul") return convert_mul(node);
  if (op == "Sub") return convert_binary(node, ir::OpKind::Sub);
  if (op == "Div") return convert_binary(node, ir::OpKind::Div);
  // pool_ops.cpp
  if (op == "MaxPool") return convert_pool(node, true);
  if (op == "AveragePool") return convert_pool(node, false);
  if (op == "GlobalAveragePool") return convert_unary(node, ir::OpKind::GlobalAvgPool, ir::NoAttrs{});
  if (op == "GlobalMaxPool") return convert_unary(node, ir::OpKind::GlobalMaxPool, ir::NoAttrs{});
  if (op == "ReduceMean") return convert_reduce_mean(node);
  // linear_ops.cpp
  if (op == "Gemm") return convert_gemm(node);
  if (op == "MatMul") return convert_matmul(node);
  // shape_ops.cpp
  if (op == "Flatten") return convert_flatten(node);
  if (op == "Reshape") return convert_reshape(node);
  if (op == "Squeeze") return convert_squeeze(node, false);
  if (op == "Unsqueeze") return convert_squeeze(node, true);
  if (op == "Transpose") return convert_transpose(node);
  if (op == "Concat") return convert_concat(node);
  if (op == "Split") return convert_split(node);
  if (op == "Slice") return convert_slice(node);
  // resize_pad_ops.cpp
  if (op == "Resize") return convert_resize(node);
  if (op == "Upsample") return convert_upsample(node);
  if (op == "Pad") return convert_pad(node);
  return node_error("unsupported operator at opset " + std::to_string(opset_) +
                    " (see docs/onnx.md for the operators hwnas imports)");
}

// ---------------------------------------------------------------- graph outputs and emission

Status Importer::check_declared_shape(const onnx::ValueInfoProto& info) {
  auto it = values_.find(info.name());
  if (it == values_.end() || it->second.kind != Value::Kind::Tensor) return {};
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return {};
  std::vector<int64_t> declared;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() <= 0) return {};  // symbolic: nothing to compare
    declared.push_back(dim.dim_value());
  }
  const ir::Shape& actual = shape_of(it->second.plan);
  if (declared != actual.dims)
    return file_error("shape mismatch: tensor '" + info.name() + "' is declared [" +
                      dims_to_string(declared) + "] but the operators give [" + actual.to_string() + "]");
  return {};
}

Result<ir::Graph> Importer::emit(const std::string& graph_name, const std::vector<int>& outputs) {
  ir::Graph graph(graph_name);
  std::unordered_set<std::string> taken;
  std::vector<ir::NodeId> ids(plan_.size(), ir::kNoNode);
  for (size_t i = 0; i < plan_.size(); ++i) {
    const PlannedNode& p = plan_[i];
    if (!p.alive) continue;
    current_ = p.onnx_node;
    std::vector<ir::NodeId> inputs;
    for (int in : p.inputs) {
      ir::NodeId id = ids[static_cast<size_t>(in)];
      if (id == ir::kNoNode) return node_error("internal: an input was folded away");
      inputs.push_back(id);
    }
    std::string name = p.base_name;
    for (int k = 1; taken.count(name); ++k) name = p.base_name + "_" + std::to_string(k);
    taken.insert(name);
    auto id = graph.add(p.kind, p.attrs, std::move(inputs), name);
    if (!id) return node_error(id.error().message);
    ids[i] = *id;
    const auto& params = graph.node(*id).params;
    if (params.size() != p.params.size()) return node_error("internal: parameter count changed");
    for (size_t k = 0; k < params.size(); ++k) {
      if (!(params[k].shape == p.params[k].shape)) return node_error("internal: parameter shape changed");
      if (!p.params[k].data.empty()) graph.param(*id, k).data = std::move(plan_[i].params[k].data);
    }
  }
  current_ = -1;
  std::vector<ir::NodeId> output_ids;
  for (int out : outputs) {
    ir::NodeId id = ids[static_cast<size_t>(out)];
    if (id == ir::kNoNode) return file_error("internal: a graph output was folded away");
    output_ids.push_back(id);
  }
  if (auto s = graph.set_outputs(output_ids); !s) return file_error(s.error().message);
  return graph;
}

Result<ir::Graph> Importer::run(const onnx::ModelProto& model) {
  if (!model.has_graph()) return file_error("the model has no graph (is this an ONNX file?)");
  graph_ = &model.graph();
  for (const auto& opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx") opset_ = opset.version();
  if (opset_ == 0) return file_error("the model imports no opset of the default ONNX domain");
  if (opset_ < kMinOpset || opset_ > kMaxOpset)
    return file_error("opset " + std::to_string(opset_) +
                      " is not supported (supported: " + std::to_string(kMinOpset) + " to " +
                      std::to_string(kMaxOpset) + "; re-export with opset_version <= 17)");
  if (graph_->node_size() == 0) return file_error("the graph has no nodes");
  if (graph_->output_size() == 0) return file_error("the graph has no outputs");

  for (const auto& init : graph_->initializer()) {
    if (init.name().empty()) return file_error("an initializer has no name");
    if (!initializers_.emplace(init.name(), &init).second)
      return file_error("initializer '" + init.name() + "' is defined twice");
  }
  for (const auto& node : graph_->node())
    for (const auto& name : node.input())
      if (!name.empty()) ++uses_[name];
  for (const auto& out : graph_->output()) ++uses_[out.name()];

  if (auto s = read_graph_inputs(); !s) return s.error();
  for (current_ = 0; current_ < graph_->node_size(); ++current_) {
    const onnx::NodeProto& node = graph_->node(current_);
    for (const auto& out : node.output())
      if (!out.empty() && (values_.count(out) || initializers_.count(out)))
        return node_error("output '" + out + "' is already defined (the graph is not in SSA form)");
    if (auto s = convert_node(node); !s) return s.error();
  }
  current_ = -1;

  std::vector<int> outputs;
  for (const auto& out : graph_->output()) {
    auto it = values_.find(out.name());
    if (it == values_.end())
      return file_error("graph output '" + out.name() + "' is not produced by any node");
    if (it->second.kind != Value::Kind::Tensor)
      return file_error("graph output '" + out.name() +
                        "' is a constant or a weight, not computed from the input");
    outputs.push_back(it->second.plan);
    if (auto s = check_declared_shape(out); !s) return s.error();
  }
  for (const auto& info : graph_->value_info())
    if (auto s = check_declared_shape(info); !s) return s.error();

  std::string name = graph_->name();
  if (name.empty()) {
    name = source_;
    if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
    if (auto dot = name.rfind(".onnx"); dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  }
  return emit(name, outputs);
}

}  // namespace hwnas::onnx_io::detail
