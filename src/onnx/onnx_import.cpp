// ONNX import: a ModelProto into an ir::Graph, in two phases. Planning walks the ONNX nodes in
// order and turns each into a planned IR node with its shape (folding shape arithmetic to
// constants, folding Pads into their consumer, fusing x*sigmoid(x)); emission adds the planned
// nodes that survived to an ir::Graph in plan order, so the IR keeps the file's node order.
#include "hwnas/onnx/onnx_import.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "hwnas/ir/infer_shape.h"
#include "proto_util.h"

namespace hwnas::onnx_io {
namespace {

using detail::attr_float;
using detail::attr_int;
using detail::attr_ints;
using detail::attr_string;
using detail::checked_numel;
using detail::ConstTensor;
using detail::dims_to_string;
using detail::kMaxDim;
using detail::kMaxTensorElements;
using detail::kMaxWindow;

constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 17;

// An IR node planned from one ONNX node (or a graph input); dead when a consumer folded it in.
struct PlannedNode {
  ir::OpKind kind = ir::OpKind::Input;
  ir::Attrs attrs;
  std::vector<int> inputs;  // indices into the plan
  std::string base_name;
  int onnx_node = -1;  // index into GraphProto.node, -1 for a graph input
  ir::Shape shape;
  std::vector<ir::Param> params;  // shapes from make_params; data from initializers
  bool alive = true;
  int uses = 0;  // reads of this tensor in the ONNX graph under any alias, graph outputs included
};

// What an ONNX tensor name stands for.
struct Value {
  enum class Kind { Tensor, Constant, ParamInput };
  Kind kind = Kind::Tensor;
  int plan = -1;                                // Tensor
  std::shared_ptr<const ConstTensor> constant;  // Constant
  std::vector<int64_t> param_shape;             // ParamInput: a weight given as a graph input
};

// A weight operand: data from an initializer or Constant, or shape only from a param input.
struct Weight {
  std::string name;
  std::vector<int64_t> dims;
  const std::vector<float>* data = nullptr;
  // -1 for dims no tensor can have (negative, or a product past int64): such a weight matches no
  // param, so it is refused as a shape mismatch instead of overflowing.
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : dims)
      if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
    return n;
  }
};

const std::string& input_name(const onnx::NodeProto& node, int i) {
  static const std::string empty;
  return i >= 0 && i < node.input_size() ? node.input(i) : empty;
}

const std::string& output_name(const onnx::NodeProto& node, int i) {
  static const std::string empty;
  return i >= 0 && i < node.output_size() ? node.output(i) : empty;
}

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

// What Conv and ConvTranspose read alike: the input, the weight [.., .., kh, kw], the bias, the
// group, and the window attributes (conv_window).
struct ConvOperands {
  int source = -1;
  ir::Shape in;
  Weight w;
  std::optional<Weight> b;
  int64_t group = 1, kh = 1, kw = 1;
  std::vector<int64_t> strides, dilations, pads;
};

// Sets the window fields Conv2dAttrs and ConvTranspose2dAttrs share from `c`.
template <class A>
void set_window(A& a, const ConvOperands& c) {
  a.kernel_h = c.kh;
  a.kernel_w = c.kw;
  a.stride_h = c.strides[0];
  a.stride_w = c.strides[1];
  a.dilation_h = c.dilations[0];
  a.dilation_w = c.dilations[1];
  a.pad_top = c.pads[0];
  a.pad_left = c.pads[1];
  a.pad_bottom = c.pads[2];
  a.pad_right = c.pads[3];
  a.groups = c.group;
  a.bias = c.b.has_value();
}

class Importer {
 public:
  // Memory stays linear in the file's size: folded constants and weight copies (an initializer
  // shared by many nodes is copied into each) each get a budget of elements.
  Importer(std::string source, const OnnxImportOptions& options, size_t file_bytes)
      : source_(std::move(source)),
        options_(options),
        fold_budget_((int64_t{1} << 22) + static_cast<int64_t>(file_bytes)),
        param_budget_((int64_t{1} << 20) + static_cast<int64_t>(file_bytes)) {}

  Result<ir::Graph> run(const onnx::ModelProto& model);

 private:
  // ---- errors
  Error file_error(const std::string& message) const { return Error{source_ + ": " + message}; }
  Error node_error(const std::string& message) const {
    if (current_ < 0 || current_ >= graph_->node_size()) return file_error(message);
    const onnx::NodeProto& node = graph_->node(current_);
    return Error{source_ + ": node '" + display_name(node, current_) + "' (op '" + node.op_type() +
                 "'): " + message};
  }
  static std::string display_name(const onnx::NodeProto& node, int index) {
    if (!node.name().empty()) return node.name();
    if (!output_name(node, 0).empty()) return output_name(node, 0);
    return node.op_type() + "_" + std::to_string(index);
  }

  // ---- values
  Result<const Value*> lookup(const std::string& name);
  bool has_input(const onnx::NodeProto& node, int i) const { return !input_name(node, i).empty(); }
  Result<int> tensor_input(const onnx::NodeProto& node, int i);
  Result<const ConstTensor*> constant_input(const onnx::NodeProto& node, int i, const std::string& what);
  Result<Weight> weight_input(const onnx::NodeProto& node, int i, const std::string& what);
  int uses_of(const std::string& name) const {
    auto it = uses_.find(name);
    return it == uses_.end() ? 0 : it->second;
  }
  void bind(const std::string& name, int plan) {
    if (name.empty()) return;
    values_[name] = Value{Value::Kind::Tensor, plan, nullptr, {}};
    plan_[static_cast<size_t>(plan)].uses += uses_of(name);
  }
  // `name` is another name for `value`, read once by the aliasing node.
  void alias(const std::string& name, const Value& value) {
    if (name.empty()) return;
    values_[name] = value;
    if (value.kind == Value::Kind::Tensor) plan_[static_cast<size_t>(value.plan)].uses += uses_of(name) - 1;
  }
  const ir::Shape& shape_of(int plan) const { return plan_[static_cast<size_t>(plan)].shape; }

  // ---- planning
  Result<int> plan_node(ir::OpKind kind, ir::Attrs attrs, std::vector<int> inputs,
                        const onnx::NodeProto& node);
  Status set_param(int plan, size_t index, const Weight& weight);
  Status set_param_data(int plan, size_t index, std::vector<float> data);
  Result<std::vector<int64_t>> ints_attr(const onnx::NodeProto& node, const std::string& name, size_t count,
                                         std::vector<int64_t> fallback, int64_t lo, int64_t hi);
  Status apply_auto_pad(const onnx::NodeProto& node, const ir::Shape& in, int64_t kh, int64_t kw, int64_t sh,
                        int64_t sw, int64_t dh, int64_t dw, std::vector<int64_t>& pads);
  Status read_graph_inputs();
  Status convert_node(const onnx::NodeProto& node);
  Result<bool> try_fold(const onnx::NodeProto& node);
  Status convert_identity(const onnx::NodeProto& node);
  Result<ConvOperands> conv_operands(const onnx::NodeProto& node, const std::string& kind);
  Status conv_window(const onnx::NodeProto& node, ConvOperands& c);
  Status convert_conv(const onnx::NodeProto& node);
  Status convert_batch_norm(const onnx::NodeProto& node);
  Status convert_unary(const onnx::NodeProto& node, ir::OpKind kind, ir::Attrs attrs);
  Status convert_clip(const onnx::NodeProto& node);
  Status convert_add(const onnx::NodeProto& node);
  Status convert_mul(const onnx::NodeProto& node);
  Status convert_concat(const onnx::NodeProto& node);
  Status convert_pool(const onnx::NodeProto& node, bool is_max);
  Status convert_gemm(const onnx::NodeProto& node);
  Status convert_matmul(const onnx::NodeProto& node);
  Status convert_flatten(const onnx::NodeProto& node);
  Status convert_reshape(const onnx::NodeProto& node);
  Status convert_resize(const onnx::NodeProto& node);
  Status convert_pad(const onnx::NodeProto& node);
  Status convert_softmax(const onnx::NodeProto& node);
  Status convert_binary(const onnx::NodeProto& node, ir::OpKind kind);
  Status convert_conv_transpose(const onnx::NodeProto& node);
  Status convert_reduce_mean(const onnx::NodeProto& node);
  Status convert_transpose(const onnx::NodeProto& node);
  Status convert_slice(const onnx::NodeProto& node);
  Status convert_split(const onnx::NodeProto& node);
  Status convert_squeeze(const onnx::NodeProto& node, bool unsqueeze);
  Status convert_upsample(const onnx::NodeProto& node);
  Result<std::vector<int64_t>> axes_of(const onnx::NodeProto& node, int input, const std::string& attribute,
                                       int64_t rank, bool required);
  Result<int> plan_slices(int source, const std::vector<ir::SliceAttrs>& slices, const onnx::NodeProto& node);
  Result<bool> fuse_channel_shuffle(const onnx::NodeProto& node, int source, const ir::Shape& target);
  Status check_unused_output(const onnx::NodeProto& node, int i, const std::string& what);
  Status check_declared_shape(const onnx::ValueInfoProto& info);

  // ---- emission
  Result<ir::Graph> emit(const std::string& graph_name, const std::vector<int>& outputs);

  std::string source_;
  OnnxImportOptions options_;
  const onnx::GraphProto* graph_ = nullptr;
  int64_t opset_ = 0;
  int current_ = -1;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, int> uses_;
  std::vector<PlannedNode> plan_;
  int64_t fold_budget_;   // elements folded constants may still create
  int64_t param_budget_;  // weight elements that may still be copied into params
};

// ---------------------------------------------------------------- values

Result<const Value*> Importer::lookup(const std::string& name) {
  auto it = values_.find(name);
  if (it != values_.end()) return &it->second;
  auto init = initializers_.find(name);
  if (init == initializers_.end())
    return node_error("input '" + name +
                      "' is missing: no earlier node, initializer or graph input has that name");
  auto tensor = detail::read_tensor(*init->second);
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

Status Importer::check_unused_output(const onnx::NodeProto& node, int i, const std::string& what) {
  const std::string& name = output_name(node, i);
  if (!name.empty() && uses_of(name) > 0)
    return node_error("output '" + name + "' (" + what + ") is used, which is not supported");
  return {};
}

// ---------------------------------------------------------------- graph inputs

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

// ---------------------------------------------------------------- operators

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
    auto folded = detail::fold_constant_node(node, inputs, opset_, fold_budget_);
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

Result<ConvOperands> Importer::conv_operands(const onnx::NodeProto& node, const std::string& kind) {
  ConvOperands c;
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  c.source = *x;
  auto w = weight_input(node, 1, "weight");
  if (!w) return w.error();
  c.w = std::move(w.value());
  if (has_input(node, 2)) {
    auto bias = weight_input(node, 2, "bias");
    if (!bias) return bias.error();
    c.b = std::move(bias.value());
  }
  if (c.w.dims.size() != 4)
    return node_error("only 2-D " + kind + " are supported; weight '" + c.w.name + "' has shape [" +
                      dims_to_string(c.w.dims) + "]");
  c.in = shape_of(c.source);  // the shape this node sees, padded or not
  if (c.in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + c.in.to_string() + "]");
  auto group = attr_int(node, "group", 1);
  if (!group) return node_error(group.error().message);
  if (*group < 1 || *group > kMaxDim) return node_error("group " + std::to_string(*group) + " is out of range");
  c.group = *group;
  c.kh = c.w.dims[2];
  c.kw = c.w.dims[3];
  return c;
}

Status Importer::conv_window(const onnx::NodeProto& node, ConvOperands& c) {
  auto kernel = attr_ints(node, "kernel_shape");
  if (!kernel) return node_error(kernel.error().message);
  if (kernel->has_value() && **kernel != std::vector<int64_t>{c.kh, c.kw})
    return node_error("kernel_shape [" + dims_to_string(**kernel) + "] does not match weight '" + c.w.name + "' [" +
                      dims_to_string(c.w.dims) + "]");
  auto strides = ints_attr(node, "strides", 2, {1, 1}, 1, kMaxWindow);
  if (!strides) return strides.error();
  auto dilations = ints_attr(node, "dilations", 2, {1, 1}, 1, kMaxWindow);
  if (!dilations) return dilations.error();
  auto pads = ints_attr(node, "pads", 4, {0, 0, 0, 0}, 0, kMaxWindow);
  if (!pads) return pads.error();
  c.strides = std::move(strides.value());
  c.dilations = std::move(dilations.value());
  c.pads = std::move(pads.value());
  return {};
}

Status Importer::convert_conv(const onnx::NodeProto& node) {
  auto c = conv_operands(node, "convolutions");
  if (!c) return c.error();
  const Weight& w = c->w;
  const ir::Shape& in = c->in;
  const int64_t out_channels = w.dims[0], kh = c->kh, kw = c->kw;
  if (out_channels < 1 || kh < 1 || kw < 1 || kh > kMaxWindow || kw > kMaxWindow)
    return node_error("weight '" + w.name + "' has an invalid shape [" + dims_to_string(w.dims) + "]");
  if (w.dims[1] * c->group != in.c())
    return node_error("channel mismatch: weight '" + w.name + "' of shape [" + dims_to_string(w.dims) +
                      "] expects " + std::to_string(w.dims[1] * c->group) + " input channels (" +
                      std::to_string(w.dims[1]) + " x group " + std::to_string(c->group) +
                      ") but the input [" + in.to_string() + "] has " + std::to_string(in.c()));
  if (auto s = conv_window(node, *c); !s) return s;
  if (auto s = apply_auto_pad(node, in, kh, kw, c->strides[0], c->strides[1], c->dilations[0], c->dilations[1], c->pads);
      !s)
    return s;
  if (c->b && c->b->numel() != out_channels)
    return node_error("shape mismatch: bias '" + c->b->name + "' has shape [" + dims_to_string(c->b->dims) +
                      "], expected [" + std::to_string(out_channels) + "]");

  ir::Conv2dAttrs a;
  a.out_channels = out_channels;
  set_window(a, *c);
  int source = c->source;
  // A zero Pad that feeds only this Conv becomes its padding.
  PlannedNode& producer = plan_[static_cast<size_t>(source)];
  if (options_.fold_pads && producer.alive && producer.kind == ir::OpKind::Pad && producer.uses == 1) {
    const auto& pad = std::get<ir::PadAttrs>(producer.attrs);
    if (pad.value == 0.0) {
      a.pad_top += pad.pad_top;
      a.pad_left += pad.pad_left;
      a.pad_bottom += pad.pad_bottom;
      a.pad_right += pad.pad_right;
      producer.alive = false;
      source = producer.inputs[0];
    }
  }
  auto p = plan_node(ir::OpKind::Conv2d, a, {source}, node);
  if (!p) return p.error();
  if (auto s = set_param(*p, 0, w); !s) return s;
  if (c->b)
    if (auto s = set_param(*p, 1, *c->b); !s) return s;
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_batch_norm(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto epsilon = attr_float(node, "epsilon", 1e-5);
  if (!epsilon) return node_error(epsilon.error().message);
  auto training = attr_int(node, "training_mode", 0);
  if (!training) return node_error(training.error().message);
  if (*training != 0) return node_error("training_mode=1 is not supported (export the model in eval mode)");
  for (int i = 1; i < node.output_size(); ++i)
    if (auto s = check_unused_output(node, i, "a training statistic"); !s) return s;
  const char* roles[] = {"scale", "bias", "mean", "var"};
  std::vector<Weight> weights;
  for (int i = 0; i < 4; ++i) {
    auto w = weight_input(node, i + 1, roles[i]);
    if (!w) return w.error();
    weights.push_back(std::move(w.value()));
  }
  auto p = plan_node(ir::OpKind::BatchNorm, ir::BatchNormAttrs{*epsilon}, {*x}, node);
  if (!p) return p.error();
  for (size_t i = 0; i < 4; ++i)
    if (auto s = set_param(*p, i, weights[i]); !s) return s;
  bind(output_name(node, 0), *p);
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
      double v = (*bound)->is_float ? detail::float_to_double((*bound)->floats[0]) : (*bound)->value(0);
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

Status Importer::convert_concat(const onnx::NodeProto& node) {
  std::vector<int> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    auto x = tensor_input(node, i);
    if (!x) return x.error();
    inputs.push_back(*x);
  }
  if (inputs.empty()) return node_error("needs at least one input");
  if (!detail::find_attribute(node, "axis")) return node_error("attribute 'axis' is missing");
  auto axis = attr_int(node, "axis", 1);
  if (!axis) return node_error(axis.error().message);
  auto p = plan_node(ir::OpKind::Concat, ir::ConcatAttrs{*axis}, std::move(inputs), node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_pool(const onnx::NodeProto& node, bool is_max) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  int source = *x;
  const ir::Shape in = shape_of(source);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  if (!detail::find_attribute(node, "kernel_shape")) return node_error("attribute 'kernel_shape' is missing");
  auto kernel = ints_attr(node, "kernel_shape", 2, {}, 1, kMaxWindow);
  if (!kernel) return kernel.error();
  auto strides = ints_attr(node, "strides", 2, {1, 1}, 1, kMaxWindow);
  if (!strides) return strides.error();
  auto pads = ints_attr(node, "pads", 4, {0, 0, 0, 0}, 0, kMaxWindow);
  if (!pads) return pads.error();
  auto dilations = ints_attr(node, "dilations", 2, {1, 1}, 1, kMaxWindow);
  if (!dilations) return dilations.error();
  if ((*dilations)[0] != 1 || (*dilations)[1] != 1) return node_error("dilated pooling is not supported");
  auto ceil_mode = attr_int(node, "ceil_mode", 0);
  if (!ceil_mode) return node_error(ceil_mode.error().message);
  auto include_pad = attr_int(node, "count_include_pad", 0);
  if (!include_pad) return node_error(include_pad.error().message);
  if (is_max)
    if (auto s = check_unused_output(node, 1, "the max-pool indices"); !s) return s;
  if (auto s =
          apply_auto_pad(node, in, (*kernel)[0], (*kernel)[1], (*strides)[0], (*strides)[1], 1, 1, *pads);
      !s)
    return s;

  ir::PoolAttrs a;
  a.kernel_h = (*kernel)[0];
  a.kernel_w = (*kernel)[1];
  a.stride_h = (*strides)[0];
  a.stride_w = (*strides)[1];
  a.pad_top = (*pads)[0];
  a.pad_left = (*pads)[1];
  a.pad_bottom = (*pads)[2];
  a.pad_right = (*pads)[3];
  a.ceil_mode = *ceil_mode != 0;
  a.count_include_pad = !is_max && *include_pad != 0;
  // A Pad that feeds only this pool becomes its padding where that means the same: zeros counted
  // by an average pool, or -inf for a max pool; never with ceil_mode, whose last window differs.
  PlannedNode& producer = plan_[static_cast<size_t>(source)];
  if (options_.fold_pads && producer.alive && producer.kind == ir::OpKind::Pad && producer.uses == 1 &&
      !a.ceil_mode) {
    const auto& pad = std::get<ir::PadAttrs>(producer.attrs);
    bool no_own_pads = a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
    bool equivalent =
        is_max ? pad.value <= -FLT_MAX : pad.value == 0.0 && (no_own_pads || a.count_include_pad);
    ir::PoolAttrs folded = a;
    folded.pad_top += pad.pad_top;
    folded.pad_left += pad.pad_left;
    folded.pad_bottom += pad.pad_bottom;
    folded.pad_right += pad.pad_right;
    folded.count_include_pad = !is_max;
    bool fits = folded.pad_top < a.kernel_h && folded.pad_bottom < a.kernel_h &&
                folded.pad_left < a.kernel_w && folded.pad_right < a.kernel_w;
    if (equivalent && fits) {
      a = folded;
      producer.alive = false;
      source = producer.inputs[0];
    }
  }
  auto p = plan_node(is_max ? ir::OpKind::MaxPool : ir::OpKind::AvgPool, a, {source}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

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

Status Importer::convert_flatten(const onnx::NodeProto& node) {
  auto axis = attr_int(node, "axis", 1);
  if (!axis) return node_error(axis.error().message);
  return convert_unary(node, ir::OpKind::Flatten, ir::FlattenAttrs{*axis});
}

Status Importer::convert_reshape(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  std::vector<int64_t> target;
  if (opset_ < 5) {
    auto shape = attr_ints(node, "shape");
    if (!shape) return node_error(shape.error().message);
    if (!shape->has_value()) return node_error("attribute 'shape' is missing");
    target = **shape;
  } else {
    auto shape = constant_input(node, 1, "shape input");
    if (!shape) return shape.error();
    if ((*shape)->is_float || (*shape)->dims.size() != 1)
      return node_error("shape input must be a 1-D integer tensor");
    target = (*shape)->ints;
  }
  auto allowzero = attr_int(node, "allowzero", 0);
  if (!allowzero) return node_error(allowzero.error().message);
  const ir::Shape in = shape_of(*x);
  std::vector<int64_t> resolved;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && *allowzero) return node_error("allowzero=1 with a 0 in the shape is not supported");
    if (d < -1 || d > kMaxDim) return node_error("shape holds " + std::to_string(d) + ", which is invalid");
    if (d == 0 && i < in.rank()) d = in[i];
    if (d > 0) resolved.push_back(d);
  }
  if (auto n = checked_numel(resolved, kMaxTensorElements); !n)
    return node_error("shape " + n.error().message);
  auto out = ir::infer_shape(ir::OpKind::Reshape, ir::ReshapeAttrs{target}, {in});
  if (!out) return node_error(out.error().message);
  auto shuffled = fuse_channel_shuffle(node, *x, *out);
  if (!shuffled) return shuffled.error();
  if (*shuffled) return {};
  return convert_unary(node, ir::OpKind::Reshape, ir::ReshapeAttrs{target});
}

Status Importer::convert_resize(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  // Inputs: X, scales (opset 10); X, roi, scales, sizes (opset 11+). An empty constant is absent.
  int scales_index = opset_ < 11 ? 1 : 2, sizes_index = opset_ < 11 ? -1 : 3;
  auto present = [&](int i) -> Result<const ConstTensor*> {
    if (i < 0 || !has_input(node, i)) return static_cast<const ConstTensor*>(nullptr);
    auto t = constant_input(node, i, i == sizes_index ? "sizes" : "scales");
    if (!t) return t.error();
    return (*t)->size() == 0 ? nullptr : *t;
  };
  auto scales = present(scales_index);
  if (!scales) return scales.error();
  auto sizes = present(sizes_index);
  if (!sizes) return sizes.error();
  int64_t out_h = 0, out_w = 0;
  if (*sizes) {
    const ConstTensor& s = **sizes;
    if (s.is_float || s.size() != 4) return node_error("sizes must hold 4 integers");
    if (s.ints[0] != in.n() || s.ints[1] != in.c())
      return node_error("resizing the batch or channel axis is not supported");
    out_h = s.ints[2];
    out_w = s.ints[3];
  } else if (*scales) {
    const ConstTensor& s = **scales;
    if (!s.is_float || s.size() != 4) return node_error("scales must hold 4 floats");
    if (s.floats[0] != 1.0f || s.floats[1] != 1.0f)
      return node_error("resizing the batch or channel axis is not supported");
    for (int k : {2, 3}) {
      double scale = s.floats[static_cast<size_t>(k)];
      double size = std::floor(static_cast<double>(in[static_cast<size_t>(k)]) * scale);
      if (!(scale > 0.0) || !(size >= 1.0) || size > static_cast<double>(kMaxDim))
        return node_error("scale " + std::to_string(scale) + " gives an invalid output size");
      (k == 2 ? out_h : out_w) = static_cast<int64_t>(size);
    }
  } else {
    return node_error("neither sizes nor scales is given as a constant");
  }
  if (out_h < 1 || out_w < 1 || out_h > kMaxDim || out_w > kMaxDim)
    return node_error("output size " + std::to_string(out_h) + "x" + std::to_string(out_w) + " is invalid");

  auto mode = attr_string(node, "mode", "nearest");
  auto transform =
      attr_string(node, "coordinate_transformation_mode", opset_ < 11 ? "asymmetric" : "half_pixel");
  auto nearest_mode = attr_string(node, "nearest_mode", opset_ < 11 ? "floor" : "round_prefer_floor");
  if (!mode) return node_error(mode.error().message);
  if (!transform) return node_error(transform.error().message);
  if (!nearest_mode) return node_error(nearest_mode.error().message);
  ir::ResizeAttrs a;
  a.out_h = out_h;
  a.out_w = out_w;
  const std::string how = "mode '" + *mode + "' with coordinate_transformation_mode '" + *transform + "'";
  if (*mode == "nearest") {
    a.mode = ir::ResizeMode::Nearest;
    // The IR's nearest is PyTorch's: src = floor(dst * in / out), ONNX asymmetric + floor. Half-pixel
    // rounding picks the same pixels when both axes are upsampled by whole factors.
    bool whole_upsampling = out_h % in.h() == 0 && out_w % in.w() == 0;
    bool half_pixel = *transform == "half_pixel" || *transform == "pytorch_half_pixel";
    bool rounding = *nearest_mode == "round_prefer_floor" || *nearest_mode == "round_prefer_ceil";
    bool same = (*transform == "asymmetric" && *nearest_mode == "floor") ||
                (whole_upsampling && half_pixel && rounding);
    if (!same)
      return node_error("Resize " + how + " and nearest_mode '" + *nearest_mode + "' is not supported");
  } else if (*mode == "linear" || *mode == "bilinear") {
    a.mode = ir::ResizeMode::Bilinear;
    if (*transform == "align_corners") {
      a.align_corners = true;
    } else if (*transform == "pytorch_half_pixel" || (*transform == "half_pixel" && out_h > 1 && out_w > 1)) {
      a.align_corners = false;  // half_pixel equals pytorch_half_pixel unless an output dim is 1
    } else {
      return node_error("Resize " + how + " is not supported");
    }
  } else {
    return node_error("Resize " + how + " is not supported");
  }
  return convert_unary(node, ir::OpKind::Resize, a);
}

Status Importer::convert_pad(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto mode = attr_string(node, "mode", "constant");
  if (!mode) return node_error(mode.error().message);
  if (*mode != "constant") return node_error("Pad mode '" + *mode + "' is not supported (only constant)");
  std::vector<int64_t> pads;
  double value = 0.0;
  if (opset_ < 11) {
    auto p = attr_ints(node, "pads");
    if (!p) return node_error(p.error().message);
    if (!p->has_value()) return node_error("attribute 'pads' is missing");
    pads = **p;
    auto v = attr_float(node, "value", 0.0);
    if (!v) return node_error(v.error().message);
    value = *v;
  } else {
    auto p = constant_input(node, 1, "pads");
    if (!p) return p.error();
    if ((*p)->is_float) return node_error("pads must be integers");
    pads = (*p)->ints;
    if (has_input(node, 2)) {
      auto v = constant_input(node, 2, "constant_value");
      if (!v) return v.error();
      if ((*v)->size() > 1) return node_error("constant_value must be a scalar");
      if ((*v)->size() == 1)
        value = (*v)->is_float ? detail::float_to_double((*v)->floats[0]) : (*v)->value(0);
    }
  }
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("only 4-D NCHW tensors can be padded, got [" + in.to_string() + "]");
  if (pads.size() != 8)
    return node_error("pads must hold 8 values for a 4-D input, got " + std::to_string(pads.size()));
  for (int64_t p : pads) {
    if (p < 0) return node_error("negative pads (cropping) are not supported");
    if (p > kMaxWindow) return node_error("pad " + std::to_string(p) + " is too large");
  }
  if (pads[0] || pads[1] || pads[4] || pads[5])
    return node_error("padding the batch or channel axis is not supported");
  if (std::isnan(value)) return node_error("pad value is NaN");
  if (pads[2] == 0 && pads[3] == 0 && pads[6] == 0 && pads[7] == 0) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Pad, ir::PadAttrs{pads[2], pads[3], pads[6], pads[7], value});
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

// ---------------------------------------------------------------- layout and reduction operators

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

Status Importer::convert_conv_transpose(const onnx::NodeProto& node) {
  auto c = conv_operands(node, "transposed convolutions");
  if (!c) return c.error();
  const Weight& w = c->w;
  const ir::Shape& in = c->in;
  const int64_t kh = c->kh, kw = c->kw;
  if (w.dims[0] != in.c())
    return node_error("channel mismatch: weight '" + w.name + "' of shape [" + dims_to_string(w.dims) +
                      "] expects " + std::to_string(w.dims[0]) + " input channels but the input [" +
                      in.to_string() + "] has " + std::to_string(in.c()));
  if (w.dims[1] < 1 || kh < 1 || kw < 1 || kh > kMaxWindow || kw > kMaxWindow || w.dims[1] > kMaxDim)
    return node_error("weight '" + w.name + "' has an invalid shape [" + dims_to_string(w.dims) + "]");
  if (auto s = conv_window(node, *c); !s) return s;
  std::vector<int64_t>& pads = c->pads;
  const std::vector<int64_t>& strides = c->strides;
  const std::vector<int64_t>& dilations = c->dilations;
  auto output_padding = ints_attr(node, "output_padding", 2, {0, 0}, 0, kMaxWindow);
  if (!output_padding) return output_padding.error();
  auto output_shape = attr_ints(node, "output_shape");
  if (!output_shape) return node_error(output_shape.error().message);
  auto mode = attr_string(node, "auto_pad", "NOTSET");
  if (!mode) return node_error(mode.error().message);
  if (*mode != "NOTSET" && *mode != "VALID" && *mode != "SAME_UPPER" && *mode != "SAME_LOWER")
    return node_error("auto_pad '" + *mode + "' is not supported");
  if (*mode == "VALID") pads = {0, 0, 0, 0};
  if (output_shape->has_value() || mode->rfind("SAME", 0) == 0) {
    // The pads that give the requested output size (ONNX ConvTranspose: total = stride * (in - 1) +
    // output_padding + (k - 1) * dilation + 1 - out, split as auto_pad says).
    std::vector<int64_t> target{in.h() * strides[0], in.w() * strides[1]};
    if (output_shape->has_value()) {
      const std::vector<int64_t>& os = **output_shape;
      if (os.size() != 2 && os.size() != 4) return node_error("output_shape must hold 2 (or 4) values");
      target = {os[os.size() - 2], os[os.size() - 1]};
      for (int64_t t : target)
        if (t < 1 || t > kMaxDim) return node_error("output_shape holds " + std::to_string(t) + ", which is invalid");
    }
    const int64_t k[2] = {kh, kw};
    for (int axis = 0; axis < 2; ++axis) {
      const auto a = static_cast<size_t>(axis);
      int64_t total = strides[a] * (in[2 + a] - 1) + (*output_padding)[a] + (k[axis] - 1) * dilations[a] + 1 -
                      target[a];
      if (total < 0) return node_error("output_shape is larger than the transposed convolution can produce");
      int64_t begin = *mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[a] = begin;
      pads[a + 2] = total - begin;
    }
  }
  const int64_t out_channels = w.dims[1] * c->group;
  if (c->b && c->b->numel() != out_channels)
    return node_error("shape mismatch: bias '" + c->b->name + "' has shape [" + dims_to_string(c->b->dims) +
                      "], expected [" + std::to_string(out_channels) + "]");
  ir::ConvTranspose2dAttrs a;
  a.out_channels = out_channels;
  set_window(a, *c);
  a.output_padding_h = (*output_padding)[0];
  a.output_padding_w = (*output_padding)[1];
  auto p = plan_node(ir::OpKind::ConvTranspose2d, a, {c->source}, node);
  if (!p) return p.error();
  if (auto st = set_param(*p, 0, w); !st) return st;
  if (c->b)
    if (auto st = set_param(*p, 1, *c->b); !st) return st;
  bind(output_name(node, 0), *p);
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

Status Importer::convert_reduce_mean(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  auto axes = axes_of(node, -1, "axes", static_cast<int64_t>(in.rank()), false);
  if (!axes) return axes.error();
  auto keepdims = attr_int(node, "keepdims", 1);
  if (!keepdims) return node_error(keepdims.error().message);
  if (in.rank() != 4 || *axes != std::vector<int64_t>{2, 3})
    return node_error("ReduceMean over axes [" + dims_to_string(*axes) + "] of [" + in.to_string() +
                      "] is not supported (only the spatial mean over H and W of an NCHW tensor)");
  auto pool = plan_node(ir::OpKind::GlobalAvgPool, ir::NoAttrs{}, {*x}, node);
  if (!pool) return pool.error();
  int result = *pool;
  if (*keepdims == 0) {
    auto flat = plan_node(ir::OpKind::Flatten, ir::FlattenAttrs{1}, {*pool}, node);
    if (!flat) return flat.error();
    plan_[static_cast<size_t>(*pool)].uses = 1;
    result = *flat;
  }
  bind(output_name(node, 0), result);
  return {};
}

Status Importer::convert_transpose(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const auto rank = static_cast<int64_t>(shape_of(*x).rank());
  auto perm = attr_ints(node, "perm");
  if (!perm) return node_error(perm.error().message);
  std::vector<int64_t> order;
  if (perm->has_value()) {
    order = **perm;
  } else {
    for (int64_t d = rank - 1; d >= 0; --d) order.push_back(d);  // ONNX default: reverse the dims
  }
  bool identity = static_cast<int64_t>(order.size()) == rank;
  for (size_t d = 0; d < order.size() && identity; ++d) identity = order[d] == static_cast<int64_t>(d);
  if (identity) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Transpose, ir::TransposeAttrs{order});
}

Result<bool> Importer::fuse_channel_shuffle(const onnx::NodeProto& node, int source, const ir::Shape& target) {
  // Reshape [N, C, H, W] -> [N, g, C/g, H, W], Transpose (0, 2, 1, 3, 4), Reshape back to [N, C, H, W].
  PlannedNode& transpose = plan_[static_cast<size_t>(source)];
  if (!transpose.alive || transpose.uses != 1 || transpose.kind != ir::OpKind::Transpose) return false;
  if (std::get<ir::TransposeAttrs>(transpose.attrs).perm != std::vector<int64_t>{0, 2, 1, 3, 4}) return false;
  PlannedNode& grouped = plan_[static_cast<size_t>(transpose.inputs[0])];
  if (!grouped.alive || grouped.uses != 1 || grouped.kind != ir::OpKind::Reshape) return false;
  const int input = grouped.inputs[0];
  const ir::Shape& x = shape_of(input);
  const ir::Shape& g = grouped.shape;
  if (x.rank() != 4 || !(target == x) || g.rank() != 5) return false;
  if (g[0] != x[0] || g[1] * g[2] != x[1] || g[3] != x[2] || g[4] != x[3]) return false;
  transpose.alive = false;
  grouped.alive = false;
  auto p = plan_node(ir::OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{g[1]}, {input}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return true;
}

Result<int> Importer::plan_slices(int source, const std::vector<ir::SliceAttrs>& slices,
                                  const onnx::NodeProto& node) {
  int current = source;
  for (const ir::SliceAttrs& slice : slices) {
    auto p = plan_node(ir::OpKind::Slice, slice, {current}, node);
    if (!p) return p.error();
    if (current != source) plan_[static_cast<size_t>(current)].uses = 1;
    current = *p;
  }
  return current;
}

Status Importer::convert_slice(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const auto rank = static_cast<int64_t>(in.rank());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    for (auto [name, into] : {std::pair{"starts", &starts}, std::pair{"ends", &ends}, std::pair{"axes", &axes}}) {
      auto v = attr_ints(node, name);
      if (!v) return node_error(v.error().message);
      if (v->has_value()) *into = **v;
    }
  } else {
    const char* names[] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t>* into[] = {&starts, &ends, &axes, &steps};
    for (int i = 1; i <= 4; ++i) {
      if (!has_input(node, i)) continue;
      auto t = constant_input(node, i, names[i - 1]);
      if (!t) return t.error();
      if ((*t)->is_float) return node_error(std::string(names[i - 1]) + " must be integers");
      *into[i - 1] = (*t)->ints;
    }
  }
  if (starts.size() != ends.size()) return node_error("starts and ends differ in length");
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (axes.size() != starts.size() || (!steps.empty() && steps.size() != starts.size()))
    return node_error("starts, ends, axes and steps differ in length");
  std::vector<ir::SliceAttrs> slices;
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t axis = axes[k];
    if (axis < -rank || axis >= rank) return node_error("axis " + std::to_string(axis) + " is out of range");
    if (axis < 0) axis += rank;
    if (!steps.empty() && steps[k] != 1)
      return node_error("Slice with step " + std::to_string(steps[k]) + " is not supported (only step 1)");
    const int64_t dim = in[static_cast<size_t>(axis)];
    auto clamp = [dim](int64_t v) { return std::clamp<int64_t>(v < 0 ? std::max(v, -dim) + dim : v, 0, dim); };
    const int64_t begin = clamp(starts[k]), end = clamp(ends[k]);
    if (begin >= end)
      return node_error("the slice [" + std::to_string(starts[k]) + ", " + std::to_string(ends[k]) + ") of axis " +
                        std::to_string(axis) + " (size " + std::to_string(dim) + ") is empty");
    if (begin == 0 && end == dim) continue;  // the whole axis
    slices.push_back(ir::SliceAttrs{axis, begin, end});
  }
  auto result = plan_slices(*x, slices, node);
  if (!result) return result.error();
  if (*result == *x) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  bind(output_name(node, 0), *result);
  return {};
}

Status Importer::convert_split(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const auto rank = static_cast<int64_t>(in.rank());
  auto axis = attr_int(node, "axis", 0);
  if (!axis) return node_error(axis.error().message);
  if (*axis < -rank || *axis >= rank) return node_error("axis " + std::to_string(*axis) + " is out of range");
  if (*axis < 0) *axis += rank;
  const int64_t dim = in[static_cast<size_t>(*axis)];
  std::vector<int64_t> sizes;
  if (opset_ >= 13) {
    if (has_input(node, 1)) {
      auto t = constant_input(node, 1, "split");
      if (!t) return t.error();
      if ((*t)->is_float) return node_error("split must be integers");
      sizes = (*t)->ints;
    }
  } else {
    auto v = attr_ints(node, "split");
    if (!v) return node_error(v.error().message);
    if (v->has_value()) sizes = **v;
  }
  const int parts = node.output_size();
  if (parts < 1) return node_error("Split has no outputs");
  if (sizes.empty()) {
    if (dim % parts != 0)
      return node_error("axis " + std::to_string(*axis) + " of size " + std::to_string(dim) +
                        " does not split into " + std::to_string(parts) + " equal parts");
    sizes.assign(static_cast<size_t>(parts), dim / parts);
  }
  if (static_cast<int>(sizes.size()) != parts)
    return node_error("split lists " + std::to_string(sizes.size()) + " sizes for " + std::to_string(parts) +
                      " outputs");
  int64_t offset = 0;
  for (int i = 0; i < parts; ++i) {
    const int64_t size = sizes[static_cast<size_t>(i)];
    if (size < 1 || size > dim - offset)
      return node_error("split sizes [" + dims_to_string(sizes) + "] do not fit axis " + std::to_string(*axis) +
                        " of size " + std::to_string(dim));
    if (!output_name(node, i).empty()) {
      if (size == dim) {
        alias(output_name(node, i), Value{Value::Kind::Tensor, *x, nullptr, {}});
      } else {
        auto p = plan_node(ir::OpKind::Slice, ir::SliceAttrs{*axis, offset, offset + size}, {*x}, node);
        if (!p) return p.error();
        bind(output_name(node, i), *p);
      }
    }
    offset += size;
  }
  if (offset != dim)
    return node_error("split sizes [" + dims_to_string(sizes) + "] do not add up to axis " + std::to_string(*axis) +
                      " of size " + std::to_string(dim));
  return {};
}

Status Importer::convert_squeeze(const onnx::NodeProto& node, bool unsqueeze) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const int input = opset_ >= 13 ? 1 : -1;
  std::vector<int64_t> out;
  if (unsqueeze) {
    // The axes count in the output's rank, which is known only after reading how many there are.
    std::vector<int64_t> raw;
    if (input >= 0) {
      auto t = constant_input(node, 1, "axes");
      if (!t) return t.error();
      raw = (*t)->ints;
    } else {
      auto a = attr_ints(node, "axes");
      if (!a) return node_error(a.error().message);
      if (a->has_value()) raw = **a;
    }
    const auto rank = static_cast<int64_t>(in.rank() + raw.size());
    auto axes = axes_of(node, input, "axes", rank, true);
    if (!axes) return axes.error();
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (std::binary_search(axes->begin(), axes->end(), d)) out.push_back(1);
      else out.push_back(in[next++]);
    }
  } else {
    auto axes = axes_of(node, input, "axes", static_cast<int64_t>(in.rank()), false);
    if (!axes) return axes.error();
    for (int64_t d = 0; d < static_cast<int64_t>(in.rank()); ++d) {
      const bool listed = std::binary_search(axes->begin(), axes->end(), d);
      const int64_t extent = in[static_cast<size_t>(d)];
      if (listed && extent != 1)
        return node_error("axis " + std::to_string(d) + " of [" + in.to_string() + "] has size " +
                          std::to_string(extent) + ", not 1, and cannot be squeezed");
      if (listed || (axes->empty() && extent == 1)) continue;
      out.push_back(extent);
    }
    if (out.empty()) return node_error("squeezing [" + in.to_string() + "] to a scalar is not supported");
  }
  if (out == in.dims) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Reshape, ir::ReshapeAttrs{out});
}

Status Importer::convert_upsample(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  auto mode = attr_string(node, "mode", "nearest");
  if (!mode) return node_error(mode.error().message);
  if (*mode != "nearest")
    return node_error("Upsample mode '" + *mode +
                      "' (asymmetric coordinates) is not supported; re-export with opset >= 11 (Resize)");
  std::vector<float> scales;
  if (opset_ < 9) {
    const onnx::AttributeProto* a = detail::find_attribute(node, "scales");
    if (!a) return node_error("attribute 'scales' is missing");
    scales.assign(a->floats().begin(), a->floats().end());
  } else {
    auto t = constant_input(node, 1, "scales");
    if (!t) return t.error();
    if (!(*t)->is_float) return node_error("scales must be floats");
    scales = (*t)->floats;
  }
  if (scales.size() != 4) return node_error("scales must hold 4 values");
  if (scales[0] != 1.0f || scales[1] != 1.0f) return node_error("upsampling the batch or channel axis is not supported");
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::Nearest;
  for (int k : {2, 3}) {
    const double size = std::floor(static_cast<double>(in[static_cast<size_t>(k)]) * scales[static_cast<size_t>(k)]);
    if (!(size >= 1.0) || size > static_cast<double>(kMaxDim))
      return node_error("scale " + std::to_string(scales[static_cast<size_t>(k)]) + " gives an invalid output size");
    (k == 2 ? a.out_h : a.out_w) = static_cast<int64_t>(size);
  }
  return convert_unary(node, ir::OpKind::Resize, a);
}

Status Importer::convert_node(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return node_error("unsupported operator (domain '" + node.domain() + "', opset " + std::to_string(opset_) + ")");
  if (detail::is_foldable_op(op)) {
    auto folded = try_fold(node);
    if (!folded) return folded.error();
    if (*folded) return {};
  }
  if (op == "Identity" || op == "Dropout") return convert_identity(node);
  if (op == "Conv") return convert_conv(node);
  if (op == "BatchNormalization") return convert_batch_norm(node);
  if (op == "Relu") return convert_unary(node, ir::OpKind::Relu, ir::NoAttrs{});
  if (op == "Sigmoid") return convert_unary(node, ir::OpKind::Sigmoid, ir::NoAttrs{});
  if (op == "HardSwish") return convert_unary(node, ir::OpKind::HardSwish, ir::NoAttrs{});
  if (op == "HardSigmoid") {
    auto alpha = attr_float(node, "alpha", 0.2);
    auto beta = attr_float(node, "beta", 0.5);
    if (!alpha) return node_error(alpha.error().message);
    if (!beta) return node_error(beta.error().message);
    return convert_unary(node, ir::OpKind::HardSigmoid, ir::HardSigmoidAttrs{*alpha, *beta});
  }
  if (op == "Clip") return convert_clip(node);
  if (op == "Add") return convert_add(node);
  if (op == "Mul") return convert_mul(node);
  if (op == "Concat") return convert_concat(node);
  if (op == "GlobalAveragePool") return convert_unary(node, ir::OpKind::GlobalAvgPool, ir::NoAttrs{});
  if (op == "MaxPool") return convert_pool(node, true);
  if (op == "AveragePool") return convert_pool(node, false);
  if (op == "Gemm") return convert_gemm(node);
  if (op == "MatMul") return convert_matmul(node);
  if (op == "Flatten") return convert_flatten(node);
  if (op == "Reshape") return convert_reshape(node);
  if (op == "Resize") return convert_resize(node);
  if (op == "Pad") return convert_pad(node);
  if (op == "Softmax") return convert_softmax(node);
  if (op == "Sub") return convert_binary(node, ir::OpKind::Sub);
  if (op == "Div") return convert_binary(node, ir::OpKind::Div);
  if (op == "LeakyRelu") {
    auto alpha = attr_float(node, "alpha", 0.01);
    if (!alpha) return node_error(alpha.error().message);
    return convert_unary(node, ir::OpKind::LeakyRelu, ir::LeakyReluAttrs{*alpha});
  }
  if (op == "GlobalMaxPool") return convert_unary(node, ir::OpKind::GlobalMaxPool, ir::NoAttrs{});
  if (op == "ConvTranspose") return convert_conv_transpose(node);
  if (op == "ReduceMean") return convert_reduce_mean(node);
  if (op == "Transpose") return convert_transpose(node);
  if (op == "Slice") return convert_slice(node);
  if (op == "Split") return convert_split(node);
  if (op == "Squeeze") return convert_squeeze(node, false);
  if (op == "Unsqueeze") return convert_squeeze(node, true);
  if (op == "Upsample") return convert_upsample(node);
  return node_error("unsupported operator at opset " + std::to_string(opset_) +
                    " (see docs/onnx.md for the operators hwnas imports)");
}

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

// ---------------------------------------------------------------- emission

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

}  // namespace

Result<ir::Graph> import_onnx(std::string_view bytes, std::string_view source_name,
                              const OnnxImportOptions& options) {
  std::string source(source_name);
  if (bytes.empty()) return Error{source + ": the file is empty"};
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Error{source + ": the file is larger than 2 GB, which protobuf cannot parse"};
  try {
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return Error{source +
                   ": not a valid ONNX model (protobuf parsing failed; the file is truncated or corrupt)"};
    return Importer(source, options, bytes.size()).run(model);
  } catch (const std::exception& e) {
    return Error{source + ": internal error while importing: " + e.what()};
  }
}

Result<ir::Graph> import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{path + ": cannot open the file"};
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return Error{path + ": cannot read the file"};
  return import_onnx(bytes, path, options);
}

}  // namespace hwnas::onnx_io
