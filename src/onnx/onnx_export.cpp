// ONNX export: an ir::Graph into a ModelProto (opset 13-17), weights as initializers or, for a
// shapes-only graph, as weight-only graph inputs; and the full checker run on a serialized model.
#include "hwnas/onnx/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <type_traits>
#include <unordered_set>

namespace hwnas::onnx_io {
namespace {

constexpr int64_t kIrVersion = 8;  // the ONNX IR version of opsets 13-17

void set_shape(onnx::ValueInfoProto& info, const std::string& name, const ir::Shape& shape) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* dims = tensor->mutable_shape();
  for (int64_t d : shape.dims) dims->add_dim()->set_dim_value(d);
}

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const std::string& name, double value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(static_cast<float>(value));
}

void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

class Exporter {
 public:
  Exporter(const ir::Graph& graph, const OnnxExportOptions& options) : ir_(graph), options_(options) {
    for (const ir::Node& n : graph.nodes()) {
      taken_.insert(n.name);
      tensor_.push_back(n.name);
    }
  }

  Result<std::string> run();

 private:
  // A tensor or node name not used yet: `base`, else base_1, base_2, ...
  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int k = 1; taken_.count(name); ++k) name = base + "_" + std::to_string(k);
    taken_.insert(name);
    return name;
  }
  onnx::NodeProto& add_node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                            const std::string& output) {
    onnx::NodeProto& node = *graph_->add_node();
    node.set_op_type(op);
    node.set_name(name);
    for (auto& in : inputs) node.add_input(in);
    node.add_output(output);
    return node;
  }
  // A scalar float initializer shared by every node that needs the value.
  std::string float_scalar(float value);
  std::string int_initializer(const std::string& base, const std::vector<int64_t>& values);
  Result<std::string> param(const ir::Node& node, size_t index);
  Status export_node(const ir::Node& node);
  // QDQ: the int8 weight and int32 bias of a conv2d or linear node through DequantizeLinear.
  Result<std::vector<std::string>> quantized_params(const ir::Node& node);
  // QDQ: node's output through QuantizeLinear -> DequantizeLinear, where the plan puts it on a grid.
  void quantize_output(const ir::Node& node);
  template <class T>
  std::string tensor_initializer(const std::string& base, int data_type, const std::vector<T>& values, bool scalar);
  Error node_error(const ir::Node& node, const std::string& message) const {
    return Error{"graph '" + ir_.name() + "': " + node.describe() + ": " + message};
  }

  const ir::Graph& ir_;
  OnnxExportOptions options_;
  onnx::GraphProto* graph_ = nullptr;
  std::unordered_set<std::string> taken_;
  std::map<uint32_t, std::string> float_scalars_;   // by bit pattern
  std::vector<onnx::ValueInfoProto> param_inputs_;  // weights without data, inputs after the real ones
  std::vector<std::string> tensor_;                 // by node id: the tensor its readers read
};

template <class T>
std::string Exporter::tensor_initializer(const std::string& base, int data_type, const std::vector<T>& values, bool scalar) {
  std::string name = fresh(base);
  onnx::TensorProto& t = *graph_->add_initializer();
  t.set_name(name);
  t.set_data_type(data_type);
  if (!scalar) t.add_dims(static_cast<int64_t>(values.size()));
  if constexpr (std::is_same_v<T, float>) {
    for (float v : values) t.add_float_data(v);
  } else {
    for (auto v : values) t.add_int32_data(static_cast<int32_t>(v));  // int8 and int32 both travel in int32_data
  }
  return name;
}

Result<std::vector<std::string>> Exporter::quantized_params(const ir::Node& n) {
  const quant::QuantPlan& plan = *options_.quantization;
  if (n.params.empty() || n.params[0].data.empty()) return node_error(n, "a QDQ export needs the weights");
  const auto& input_grid = plan.grid.at(static_cast<size_t>(n.inputs.at(0)));
  if (!input_grid) return node_error(n, "its input is not on a quantisation grid");
  const std::vector<float> scales = quant::weight_scales(n, plan.weights);
  const std::vector<int8_t> q = quant::quantize_weights(n, scales);
  std::vector<std::string> names;
  // Weight: int8 of the weight's shape, per-axis scales (axis 0).
  {
    std::string name = fresh(n.name + ".weight_quantized");
    onnx::TensorProto& t = *graph_->add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT8);
    for (int64_t d : n.params[0].shape.dims) t.add_dims(d);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(q.data()), q.size()));
    std::string scale = tensor_initializer(n.name + ".weight_scale", onnx::TensorProto::FLOAT, scales, false);
    std::string zero = tensor_initializer(n.name + ".weight_zero_point", onnx::TensorProto::INT8,
                                          std::vector<int32_t>(scales.size(), 0), false);
    std::string out = fresh(n.name + ".weight");
    set_int(add_node("DequantizeLinear", fresh(n.name + ".weight_dequantize"), {name, scale, zero}, out), "axis", 0);
    names.push_back(out);
  }
  if (n.params.size() > 1) {
    if (n.params[1].data.empty()) return node_error(n, "a QDQ export needs the bias values");
    const std::vector<int32_t> bias = quant::quantize_bias(n.params[1].data, input_grid->scale, scales);
    std::vector<float> bias_scales(scales.size());
    for (size_t c = 0; c < scales.size(); ++c) bias_scales[c] = input_grid->scale * scales[c];
    std::string name = tensor_initializer(n.name + ".bias_quantized", onnx::TensorProto::INT32, bias, false);
    std::string scale = tensor_initializer(n.name + ".bias_scale", onnx::TensorProto::FLOAT, bias_scales, false);
    std::string zero = tensor_initializer(n.name + ".bias_zero_point", onnx::TensorProto::INT32,
                                          std::vector<int32_t>(scales.size(), 0), false);
    std::string out = fresh(n.name + ".bias");
    set_int(add_node("DequantizeLinear", fresh(n.name + ".bias_dequantize"), {name, scale, zero}, out), "axis", 0);
    names.push_back(out);
  }
  return names;
}

void Exporter::quantize_output(const ir::Node& n) {
  const quant::QuantPlan& plan = *options_.quantization;
  const auto i = static_cast<size_t>(n.id);
  if (plan.roles[i] == quant::Role::Fused || !plan.grid[i]) return;
  const quant::QuantParams& p = *plan.grid[i];
  std::string scale = tensor_initializer(n.name + ".scale", onnx::TensorProto::FLOAT, std::vector<float>{p.scale}, true);
  std::string zero = tensor_initializer(n.name + ".zero_point", onnx::TensorProto::INT8, std::vector<int32_t>{p.zero_point}, true);
  std::string quantized = fresh(n.name + "_quantized");
  add_node("QuantizeLinear", fresh(n.name + "_quantize"), {tensor_[i], scale, zero}, quantized);
  std::string dequantized = fresh(n.name + "_dequantized");
  add_node("DequantizeLinear", fresh(n.name + "_dequantize"), {quantized, scale, zero}, dequantized);
  tensor_[i] = dequantized;
}

std::string Exporter::float_scalar(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  auto it = float_scalars_.find(bits);
  if (it != float_scalars_.end()) return it->second;
  std::string name = fresh("const_" + std::to_string(float_scalars_.size()));
  onnx::TensorProto& t = *graph_->add_initializer();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_float_data(value);
  float_scalars_.emplace(bits, name);
  return name;
}

std::string Exporter::int_initializer(const std::string& base, const std::vector<int64_t>& values) {
  std::string name = fresh(base);
  onnx::TensorProto& t = *graph_->add_initializer();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t.add_int64_data(v);
  return name;
}

Result<std::string> Exporter::param(const ir::Node& node, size_t index) {
  const ir::Param& p = node.params.at(index);
  std::string name = fresh(node.name + "." + p.role);
  auto numel = static_cast<size_t>(p.shape.numel());
  if (p.data.empty()) {
    onnx::ValueInfoProto info;
    set_shape(info, name, p.shape);
    param_inputs_.push_back(std::move(info));
    return name;
  }
  if (p.data.size() != numel)
    return node_error(node, "param '" + p.role + "' has " + std::to_string(p.data.size()) +
                                " values, its shape [" + p.shape.to_string() + "] needs " +
                                std::to_string(numel));
  onnx::TensorProto& t = *graph_->add_initializer();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : p.shape.dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(p.data.data()), p.data.size() * sizeof(float)));
  return name;
}

Status Exporter::export_node(const ir::Node& n) {
  auto input = [&](size_t i) { return tensor_.at(static_cast<size_t>(n.inputs.at(i))); };
  std::vector<std::string> params;
  if (options_.quantization && (n.kind == ir::OpKind::Conv2d || n.kind == ir::OpKind::Linear)) {
    auto names = quantized_params(n);
    if (!names) return names.error();
    params = std::move(*names);
  } else {
    for (size_t i = 0; i < n.params.size(); ++i) {
      auto name = param(n, i);
      if (!name) return name.error();
      params.push_back(*name);
    }
  }
  switch (n.kind) {
    case ir::OpKind::Input:
      return {};
    case ir::OpKind::Conv2d: {
      const auto& a = n.attr<ir::Conv2dAttrs>();
      std::vector<std::string> inputs{input(0)};
      inputs.insert(inputs.end(), params.begin(), params.end());
      auto& node = add_node("Conv", n.name, inputs, n.name);
      set_ints(node, "kernel_shape", {a.kernel_h, a.kernel_w});
      set_ints(node, "strides", {a.stride_h, a.stride_w});
      set_ints(node, "pads", {a.pad_top, a.pad_left, a.pad_bottom, a.pad_right});
      set_ints(node, "dilations", {a.dilation_h, a.dilation_w});
      set_int(node, "group", a.groups);
      return {};
    }
    case ir::OpKind::ConvTranspose2d: {
      const auto& a = n.attr<ir::ConvTranspose2dAttrs>();
      std::vector<std::string> inputs{input(0)};
      inputs.insert(inputs.end(), params.begin(), params.end());
      auto& node = add_node("ConvTranspose", n.name, inputs, n.name);
      set_ints(node, "kernel_shape", {a.kernel_h, a.kernel_w});
      set_ints(node, "strides", {a.stride_h, a.stride_w});
      set_ints(node, "pads", {a.pad_top, a.pad_left, a.pad_bottom, a.pad_right});
      set_ints(node, "dilations", {a.dilation_h, a.dilation_w});
      set_ints(node, "output_padding", {a.output_padding_h, a.output_padding_w});
      set_int(node, "group", a.groups);
      return {};
    }
    case ir::OpKind::Linear: {
      std::vector<std::string> inputs{input(0)};
      inputs.insert(inputs.end(), params.begin(), params.end());
      auto& node = add_node("Gemm", n.name, inputs, n.name);
      set_int(node, "transB", 1);
      return {};
    }
    case ir::OpKind::BatchNorm: {
      std::vector<std::string> inputs{input(0)};
      inputs.insert(inputs.end(), params.begin(), params.end());
      auto& node = add_node("BatchNormalization", n.name, inputs, n.name);
      set_float(node, "epsilon", n.attr<ir::BatchNormAttrs>().epsilon);
      return {};
    }
    case ir::OpKind::Relu:
      add_node("Relu", n.name, {input(0)}, n.name);
      return {};
    case ir::OpKind::Relu6:
      add_node("Clip", n.name, {input(0), float_scalar(0.0f), float_scalar(6.0f)}, n.name);
      return {};
    case ir::OpKind::Clip: {
      const auto& a = n.attr<ir::ClipAttrs>();
      add_node("Clip", n.name,
               {input(0), float_scalar(static_cast<float>(a.min)), float_scalar(static_cast<float>(a.max))},
               n.name);
      return {};
    }
    case ir::OpKind::Sigmoid:
      add_node("Sigmoid", n.name, {input(0)}, n.name);
      return {};
    case ir::OpKind::Swish: {
      std::string gate = fresh(n.name + "/sigmoid");
      add_node("Sigmoid", gate, {input(0)}, gate);
      add_node("Mul", n.name, {input(0), gate}, n.name);
      return {};
    }
    case ir::OpKind::HardSwish: {
      if (options_.opset >= 14) {
        add_node("HardSwish", n.name, {input(0)}, n.name);
        return {};
      }
      std::string gate = fresh(n.name + "/hard_sigmoid");
      auto& sigmoid = add_node("HardSigmoid", gate, {input(0)}, gate);
      set_float(sigmoid, "alpha", 1.0 / 6.0);
      set_float(sigmoid, "beta", 0.5);
      add_node("Mul", n.name, {input(0), gate}, n.name);
      return {};
    }
    case ir::OpKind::HardSigmoid: {
      const auto& a = n.attr<ir::HardSigmoidAttrs>();
      auto& node = add_node("HardSigmoid", n.name, {input(0)}, n.name);
      set_float(node, "alpha", a.alpha);
      set_float(node, "beta", a.beta);
      return {};
    }
    case ir::OpKind::LeakyRelu: {
      auto& node = add_node("LeakyRelu", n.name, {input(0)}, n.name);
      set_float(node, "alpha", n.attr<ir::LeakyReluAttrs>().alpha);
      return {};
    }
    case ir::OpKind::Add:
    case ir::OpKind::Mul:
    case ir::OpKind::Sub:
    case ir::OpKind::Div: {
      const char* op = n.kind == ir::OpKind::Add ? "Add" : n.kind == ir::OpKind::Mul ? "Mul"
                       : n.kind == ir::OpKind::Sub ? "Sub" : "Div";
      add_node(op, n.name, {input(0), input(1)}, n.name);
      return {};
    }
    case ir::OpKind::Concat: {
      std::vector<std::string> inputs;
      for (size_t i = 0; i < n.inputs.size(); ++i) inputs.push_back(input(i));
      auto& node = add_node("Concat", n.name, inputs, n.name);
      set_int(node, "axis", n.attr<ir::ConcatAttrs>().axis);
      return {};
    }
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool: {
      const auto& a = n.attr<ir::PoolAttrs>();
      bool is_max = n.kind == ir::OpKind::MaxPool;
      auto& node = add_node(is_max ? "MaxPool" : "AveragePool", n.name, {input(0)}, n.name);
      set_ints(node, "kernel_shape", {a.kernel_h, a.kernel_w});
      set_ints(node, "strides", {a.stride_h, a.stride_w});
      set_ints(node, "pads", {a.pad_top, a.pad_left, a.pad_bottom, a.pad_right});
      set_int(node, "ceil_mode", a.ceil_mode ? 1 : 0);
      if (!is_max) set_int(node, "count_include_pad", a.count_include_pad ? 1 : 0);
      return {};
    }
    case ir::OpKind::GlobalAvgPool:
      add_node("GlobalAveragePool", n.name, {input(0)}, n.name);
      return {};
    case ir::OpKind::GlobalMaxPool:
      add_node("GlobalMaxPool", n.name, {input(0)}, n.name);
      return {};
    case ir::OpKind::Transpose: {
      auto& node = add_node("Transpose", n.name, {input(0)}, n.name);
      set_ints(node, "perm", n.attr<ir::TransposeAttrs>().perm);
      return {};
    }
    case ir::OpKind::ChannelShuffle: {  // the Reshape-Transpose-Reshape PyTorch writes
      const ir::Shape& s = n.shape;
      const int64_t groups = n.attr<ir::ChannelShuffleAttrs>().groups;
      std::string grouped = fresh(n.name + "/grouped"), swapped = fresh(n.name + "/transposed");
      add_node("Reshape", grouped,
               {input(0), int_initializer(n.name + ".grouped_shape", {s.n(), groups, s.c() / groups, s.h(), s.w()})},
               grouped);
      auto& transpose = add_node("Transpose", swapped, {grouped}, swapped);
      set_ints(transpose, "perm", {0, 2, 1, 3, 4});
      add_node("Reshape", n.name, {swapped, int_initializer(n.name + ".shape", s.dims)}, n.name);
      return {};
    }
    case ir::OpKind::Slice: {
      const auto& a = n.attr<ir::SliceAttrs>();
      add_node("Slice", n.name,
               {input(0), int_initializer(n.name + ".starts", {a.start}), int_initializer(n.name + ".ends", {a.end}),
                int_initializer(n.name + ".axes", {a.axis})},
               n.name);
      return {};
    }
    case ir::OpKind::Resize: {
      const auto& a = n.attr<ir::ResizeAttrs>();
      const ir::Shape& in = ir_.node(n.inputs.at(0)).shape;
      std::string sizes = int_initializer(n.name + ".sizes", {in.n(), in.c(), a.out_h, a.out_w});
      auto& node = add_node("Resize", n.name, {input(0), "", "", sizes}, n.name);
      if (a.mode == ir::ResizeMode::Nearest) {
        set_string(node, "mode", "nearest");
        set_string(node, "coordinate_transformation_mode", "asymmetric");
        set_string(node, "nearest_mode", "floor");
      } else {
        set_string(node, "mode", "linear");
        set_string(node, "coordinate_transformation_mode",
                   a.align_corners ? "align_corners" : "pytorch_half_pixel");
      }
      return {};
    }
    case ir::OpKind::Pad: {
      const auto& a = n.attr<ir::PadAttrs>();
      std::string pads =
          int_initializer(n.name + ".pads", {0, 0, a.pad_top, a.pad_left, 0, 0, a.pad_bottom, a.pad_right});
      auto& node =
          add_node("Pad", n.name, {input(0), pads, float_scalar(static_cast<float>(a.value))}, n.name);
      set_string(node, "mode", "constant");
      return {};
    }
    case ir::OpKind::Flatten: {
      auto& node = add_node("Flatten", n.name, {input(0)}, n.name);
      set_int(node, "axis", n.attr<ir::FlattenAttrs>().axis);
      return {};
    }
    case ir::OpKind::Reshape: {
      std::string shape = int_initializer(n.name + ".shape", n.attr<ir::ReshapeAttrs>().shape);
      add_node("Reshape", n.name, {input(0), shape}, n.name);
      return {};
    }
    case ir::OpKind::Softmax: {
      auto& node = add_node("Softmax", n.name, {input(0)}, n.name);
      set_int(node, "axis", n.attr<ir::SoftmaxAttrs>().axis);
      return {};
    }
  }
  return node_error(n, "operator cannot be exported");
}

Result<std::string> Exporter::run() {
  if (options_.opset < 13 || options_.opset > 17)
    return Error{"ONNX export: opset " + std::to_string(options_.opset) + " is not supported (13 to 17)"};
  if (ir_.empty()) return Error{"graph '" + ir_.name() + "': is empty, nothing to export"};
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("hwnas");
  model.set_producer_version("0.1.0");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options_.opset);
  graph_ = model.mutable_graph();
  graph_->set_name(ir_.name());

  for (ir::NodeId id : ir_.inputs()) set_shape(*graph_->add_input(), ir_.node(id).name, ir_.node(id).shape);
  if (const quant::QuantPlan* plan = options_.quantization) {
    if (plan->roles.size() != ir_.size())
      return Error{"graph '" + ir_.name() + "': the quantisation plan was made for a graph of " +
                   std::to_string(plan->roles.size()) + " nodes, this one has " + std::to_string(ir_.size())};
    for (const auto& grid : plan->grid)
      if (grid && grid->qmax > 127)
        return Error{"graph '" + ir_.name() + "': int16 activations need QuantizeLinear of opset 21; the export writes opsets 13 to 17"};
  }
  for (const ir::Node& n : ir_.nodes()) {
    if (auto s = export_node(n); !s) return s.error();
    if (options_.quantization) quantize_output(n);
  }
  for (auto& info : param_inputs_) *graph_->add_input() = std::move(info);

  // Graph outputs: a tensor listed twice, or an input returned as is, goes through an Identity.
  std::unordered_set<ir::NodeId> listed;
  for (ir::NodeId id : ir_.outputs()) {
    const ir::Node& n = ir_.node(id);
    std::string name = tensor_[static_cast<size_t>(id)];
    if (!listed.insert(id).second || n.kind == ir::OpKind::Input) {
      name = fresh(n.name + "/output");
      add_node("Identity", name, {tensor_[static_cast<size_t>(id)]}, name);
    }
    set_shape(*graph_->add_output(), name, n.shape);
  }
  if (options_.intermediate_shapes)
    for (const ir::Node& n : ir_.nodes())
      if (n.kind != ir::OpKind::Input && (!listed.count(n.id) || tensor_[static_cast<size_t>(n.id)] != n.name))
        set_shape(*graph_->add_value_info(), n.name, n.shape);

  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return Error{"graph '" + ir_.name() + "': protobuf serialization failed (over 2 GB?)"};
  return bytes;
}

}  // namespace

Result<std::string> export_onnx(const ir::Graph& graph, const OnnxExportOptions& options) {
  try {
    return Exporter(graph, options).run();
  } catch (const std::exception& e) {
    return Error{"graph '" + graph.name() + "': internal error while exporting to ONNX: " + e.what()};
  }
}

Status export_onnx_file(const ir::Graph& graph, const std::string& path, const OnnxExportOptions& options) {
  auto bytes = export_onnx(graph, options);
  if (!bytes) return bytes.error();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Error{path + ": cannot open for writing"};
  file.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  if (!file) return Error{path + ": write failed"};
  return {};
}

Status check_onnx(std::string_view bytes, std::string_view source_name) {
  std::string source(source_name);
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Error{source + ": larger than 2 GB"};
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Error{source + ": not a valid ONNX model (protobuf parsing failed)"};
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict_mode=*/1));
  } catch (const std::exception& e) {
    return Error{source + ": ONNX checker: " + e.what()};
  }
  return {};
}

}  // namespace hwnas::onnx_io
