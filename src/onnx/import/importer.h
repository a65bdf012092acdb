// The ONNX importer's private declarations, shared by import/*.cpp: the Importer and what it plans.
//
// Import turns a ModelProto into an ir::Graph in two phases. Planning walks the ONNX nodes in
// order and turns each into a planned IR node with its shape (folding shape arithmetic to
// constants, folding Pads into their consumer, fusing x*sigmoid(x)); emission adds the planned
// nodes that survived to an ir::Graph in plan order, so the IR keeps the file's node order.
// importer.cpp holds values, planning helpers, graph inputs, the dispatch from ONNX op type to a
// convert_* method, and emission; each *_ops.cpp beside it converts one family of operators.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../proto_util.h"
#include "hwnas/ir/graph.h"
#include "hwnas/onnx/onnx_import.h"

namespace hwnas::onnx_io::detail {

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

inline const std::string& input_name(const onnx::NodeProto& node, int i) {
  static const std::string empty;
  return i >= 0 && i < node.input_size() ? node.input(i) : empty;
}

inline const std::string& output_name(const onnx::NodeProto& node, int i) {
  static const std::string empty;
  return i >= 0 && i < node.output_size() ? node.output(i) : empty;
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

  // ---- values (importer.cpp)
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

  // ---- planning helpers (importer.cpp)
  Result<int> plan_node(ir::OpKind kind, ir::Attrs attrs, std::vector<int> inputs,
                        const onnx::NodeProto& node);
  Status set_param(int plan, size_t index, const Weight& weight);
  Status set_param_data(int plan, size_t index, std::vector<float> data);
  Result<std::vector<int64_t>> ints_attr(const onnx::NodeProto& node, const std::string& name, size_t count,
                                         std::vector<int64_t> fallback, int64_t lo, int64_t hi);
  Status apply_auto_pad(const onnx::NodeProto& node, const ir::Shape& in, int64_t kh, int64_t kw, int64_t sh,
                        int64_t sw, int64_t dh, int64_t dw, std::vector<int64_t>& pads);
  Result<std::vector<int64_t>> axes_of(const onnx::NodeProto& node, int input, const std::string& attribute,
                                       int64_t rank, bool required);
  Status check_unused_output(const onnx::NodeProto& node, int i, const std::string& what);
  // One IR node of `kind` reading input 0, bound to output 0.
  Status convert_unary(const onnx::NodeProto& node, ir::OpKind kind, ir::Attrs attrs);

  // ---- graph inputs, dispatch, graph outputs (importer.cpp)
  Status read_graph_inputs();
  Status convert_node(const onnx::NodeProto& node);
  Status check_declared_shape(const onnx::ValueInfoProto& info);

  // ---- constants and aliases (constant_ops.cpp)
  Result<bool> try_fold(const onnx::NodeProto& node);
  Status convert_identity(const onnx::NodeProto& node);

  // ---- convolutions (conv_ops.cpp)
  Result<ConvOperands> conv_operands(const onnx::NodeProto& node, const std::string& kind);
  Status conv_window(const onnx::NodeProto& node, ConvOperands& c);
  Status convert_conv(const onnx::NodeProto& node);
  Status convert_conv_transpose(const onnx::NodeProto& node);
  Status convert_batch_norm(const onnx::NodeProto& node);

  // ---- element-wise operators and activations (elementwise_ops.cpp)
  Status convert_hard_sigmoid(const onnx::NodeProto& node);
  Status convert_leaky_relu(const onnx::NodeProto& node);
  Status convert_clip(const onnx::NodeProto& node);
  Status convert_softmax(const onnx::NodeProto& node);
  Status convert_add(const onnx::NodeProto& node);
  Status convert_mul(const onnx::NodeProto& node);
  Status convert_binary(const onnx::NodeProto& node, ir::OpKind kind);

  // ---- pooling and reduction (pool_ops.cpp)
  Status convert_pool(const onnx::NodeProto& node, bool is_max);
  Status convert_reduce_mean(const onnx::NodeProto& node);

  // ---- linear layers (linear_ops.cpp)
  Status convert_gemm(const onnx::NodeProto& node);
  Status convert_matmul(const onnx::NodeProto& node);

  // ---- shape and layout operators (shape_ops.cpp)
  Status convert_flatten(const onnx::NodeProto& node);
  Status convert_reshape(const onnx::NodeProto& node);
  Result<bool> fuse_channel_shuffle(const onnx::NodeProto& node, int source, const ir::Shape& target);
  Status convert_squeeze(const onnx::NodeProto& node, bool unsqueeze);
  Status convert_transpose(const onnx::NodeProto& node);
  Status convert_concat(const onnx::NodeProto& node);
  Status convert_split(const onnx::NodeProto& node);
  Status convert_slice(const onnx::NodeProto& node);
  Result<int> plan_slices(int source, const std::vector<ir::SliceAttrs>& slices, const onnx::NodeProto& node);

  // ---- resizing and padding (resize_pad_ops.cpp)
  Status convert_resize(const onnx::NodeProto& node);
  Status convert_upsample(const onnx::NodeProto& node);
  Status convert_pad(const onnx::NodeProto& node);

  // ---- emission (importer.cpp)
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

}  // namespace hwnas::onnx_io::detail
