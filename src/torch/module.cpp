// GraphModule: the forward of every IR op as ATen calls, seeded init, batch-norm folding, weight export.
#include "hwnas/torch/module.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "hwnas/torch/partition.h"

namespace hwnas::libtorch {
namespace {

using ::torch::Tensor;

std::string shape_text(const ir::Shape& shape) { return "[" + shape.to_string() + "]"; }

std::string shape_text(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? "x" : "") + std::to_string(sizes[i]);
  return text + "]";
}

// Checks the params' data: each is empty or of its shape's size, and (when the graph's weights
// are to be used) either all params have data or none has.
Status check_weights(const ir::Graph& graph, const ModuleOptions& options) {
  const std::string where = "graph '" + graph.name() + "'";
  if (graph.empty()) return Error{where + ": has no nodes"};
  if (options.fake_quant && options.fake_quant->roles.size() != graph.size())
    return Error{where + ": the quantisation plan was made for a graph of " + std::to_string(options.fake_quant->roles.size()) +
                 " nodes, this one has " + std::to_string(graph.size())};
  const ir::Param* first_with = nullptr;
  const ir::Node* node_with = nullptr;
  const ir::Param* first_without = nullptr;
  const ir::Node* node_without = nullptr;
  for (const ir::Node& node : graph.nodes())
    for (const ir::Param& param : node.params) {
      if (param.data.empty()) {
        if (!first_without) first_without = &param, node_without = &node;
        continue;
      }
      if (static_cast<int64_t>(param.data.size()) != param.shape.numel())
        return Error{where + ": " + node.describe() + ": param '" + param.role + "' has " +
                     std::to_string(param.data.size()) + " values but its shape " + shape_text(param.shape) +
                     " needs " + std::to_string(param.shape.numel())};
      if (!first_with) first_with = &param, node_with = &node;
    }
  if (options.use_graph_weights && first_with && first_without)
    return Error{where + ": has weights for some params (e.g. '" + first_with->role + "' of " +
                 node_with->describe() + ") but not for param '" + first_without->role + "' of " +
                 node_without->describe() + "; give all or none, or set use_graph_weights = false"};
  return {};
}

// Uniform draws in [low, high) from raw 64-bit mt19937_64 output: the same on every platform.
class SeededUniform {
 public:
  explicit SeededUniform(uint64_t seed) : engine_(seed) {}
  float next(double low, double high) {
    double unit = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return static_cast<float>(low + (high - low) * unit);
  }

 private:
  std::mt19937_64 engine_;
};

// PyTorch's default initial value of one param (see ModuleOptions::seed).
std::vector<float> initial_values(const ir::Node& node, const ir::Param& param, SeededUniform& uniform) {
  const auto count = static_cast<size_t>(param.shape.numel());
  if (node.kind == ir::OpKind::BatchNorm) {
    float value = (param.role == "scale" || param.role == "var") ? 1.0f : 0.0f;
    return std::vector<float>(count, value);
  }
  // conv / linear: fan_in is the weight's size per output channel.
  const ir::Param& weight = node.params.front();
  int64_t fan_in = std::max<int64_t>(1, weight.shape.numel() / std::max<int64_t>(1, weight.shape[0]));
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  std::vector<float> values(count);
  for (float& v : values) v = uniform.next(-bound, bound);
  return values;
}

Tensor tensor_of(const std::vector<float>& values, const ir::Shape& shape) {
  return at::from_blob(const_cast<float*>(values.data()), shape.dims, at::kFloat).clone();
}

std::string sanitised(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return out;
}

int64_t positive_axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

c10::optional<Tensor> optional_param(const std::vector<Tensor>& params, size_t index) {
  if (index < params.size() && params[index].defined()) return params[index];
  return c10::nullopt;
}

// Pooling with padding torch does not take directly (asymmetric, or more than half the kernel):
// pad explicitly, pool without padding, and drop the trailing windows torch's ceil_mode keeps
// but the IR's (which drops a last window that starts in the bottom/right padding) does not.
// Average pooling divides a window sum by its count of padded-input (count_include_pad) or
// input positions, as torch's avg_pool2d does, so both agree where torch's own path applies.
Tensor pool_with_explicit_padding(const Tensor& x, ir::OpKind kind, const ir::PoolAttrs& a,
                                  const ir::Shape& out) {
  std::vector<int64_t> pads{a.pad_left, a.pad_right, a.pad_top, a.pad_bottom};
  std::vector<int64_t> kernel{a.kernel_h, a.kernel_w}, stride{a.stride_h, a.stride_w}, zero{0, 0}, one{1, 1};
  Tensor y;
  if (kind == ir::OpKind::MaxPool) {
    Tensor padded = at::constant_pad_nd(x, pads, -std::numeric_limits<double>::infinity());
    y = at::max_pool2d(padded, kernel, stride, zero, one, a.ceil_mode);
  } else {
    Tensor padded = at::constant_pad_nd(x, pads, 0.0);
    Tensor sum = at::avg_pool2d(padded, kernel, stride, zero, a.ceil_mode, true, /*divisor_override=*/1);
    // Positions that count: the whole padded input, or the input only.
    Tensor counted = a.count_include_pad
                         ? at::ones({1, 1, padded.size(2), padded.size(3)}, x.options())
                         : at::constant_pad_nd(at::ones({1, 1, x.size(2), x.size(3)}, x.options()), pads, 0.0);
    Tensor count = at::avg_pool2d(counted, kernel, stride, zero, a.ceil_mode, true, /*divisor_override=*/1);
    y = sum / count;
  }
  return y.narrow(2, 0, out.h()).narrow(3, 0, out.w());
}

Tensor pool(const Tensor& x, ir::OpKind kind, const ir::PoolAttrs& a, const ir::Shape& out) {
  bool torch_padding = a.pad_top == a.pad_bottom && a.pad_left == a.pad_right && 2 * a.pad_top <= a.kernel_h &&
                       2 * a.pad_left <= a.kernel_w;
  if (!torch_padding) return pool_with_explicit_padding(x, kind, a, out);
  std::vector<int64_t> kernel{a.kernel_h, a.kernel_w}, stride{a.stride_h, a.stride_w}, pad{a.pad_top, a.pad_left};
  if (kind == ir::OpKind::MaxPool) return at::max_pool2d(x, kernel, stride, pad, {1, 1}, a.ceil_mode);
  return at::avg_pool2d(x, kernel, stride, pad, a.ceil_mode, a.count_include_pad);
}

}  // namespace

GraphModuleImpl::GraphModuleImpl(const ir::Graph& graph, const ModuleOptions& options)
    : graph_(graph), options_(options) {
  Status valid = check_weights(graph, options);
  TORCH_CHECK(valid.ok(), valid.error().message);
  const bool copy_weights = options.use_graph_weights && graph.has_weights();

  // Values of every param: the graph's or seeded, in node and param order.
  SeededUniform uniform(options.seed);
  std::vector<std::vector<std::vector<float>>> values(graph.size());
  for (const ir::Node& node : graph.nodes())
    for (const ir::Param& param : node.params)
      values[static_cast<size_t>(node.id)].push_back(copy_weights ? param.data
                                                                  : initial_values(node, param, uniform));

  folded_into_.assign(graph.size(), ir::kNoNode);
  if (options.fold_batch_norm) folded_into_ = foldable_batch_norms(graph);
  for (const ir::Node& node : graph.nodes()) {
    ir::NodeId conv_id = folded_into_[static_cast<size_t>(node.id)];
    if (conv_id == ir::kNoNode) continue;
    folded_ = true;
    // y = (conv(x) + b - mean) * s + shift with s = scale / sqrt(var + eps), per output channel.
    const auto& bn = values[static_cast<size_t>(node.id)];
    auto& conv = values[static_cast<size_t>(conv_id)];
    const double eps = node.attr<ir::BatchNormAttrs>().epsilon;
    const size_t channels = bn[0].size();
    const size_t per_channel = conv[0].size() / channels;
    std::vector<float> bias(channels, 0.0f);
    for (size_t c = 0; c < channels; ++c) {
      double s = bn[0][c] / std::sqrt(static_cast<double>(bn[3][c]) + eps);
      for (size_t i = 0; i < per_channel; ++i)
        conv[0][c * per_channel + i] = static_cast<float>(conv[0][c * per_channel + i] * s);
      double conv_bias = conv.size() > 1 ? conv[1][c] : 0.0;
      bias[c] = static_cast<float>((conv_bias - bn[2][c]) * s + bn[1][c]);
    }
    conv.resize(1);
    conv.push_back(std::move(bias));
    values[static_cast<size_t>(node.id)].clear();
  }

  // Register, under unique sanitised names.
  std::set<std::string> used;
  params_.resize(graph.size());
  for (const ir::Node& node : graph.nodes()) {
    auto& node_values = values[static_cast<size_t>(node.id)];
    for (size_t i = 0; i < node_values.size(); ++i) {
      // A folded conv without bias in the IR gains one: shape [out_channels].
      const bool gained_bias = i >= node.params.size();
      const std::string role = gained_bias ? "bias" : node.params[i].role;
      const ir::Shape shape = gained_bias ? ir::Shape{static_cast<int64_t>(node_values[i].size())} : node.params[i].shape;
      std::string name = sanitised(node.name) + "_" + role;
      if (used.count(name)) name += "_n" + std::to_string(node.id);
      used.insert(name);
      Tensor tensor = tensor_of(node_values[i], shape);
      bool trainable = gained_bias || node.params[i].trainable;
      params_[static_cast<size_t>(node.id)].push_back(trainable ? register_parameter(name, tensor)
                                                                : register_buffer(name, tensor));
    }
  }

  // The graph keeps its structure only; tensors die after their last reader.
  for (size_t id = 0; id < graph_.size(); ++id)
    for (size_t p = 0; p < graph_.node(static_cast<ir::NodeId>(id)).params.size(); ++p) {
      auto& data = graph_.param(static_cast<ir::NodeId>(id), p).data;
      data.clear();
      data.shrink_to_fit();
    }
  last_reader_.assign(graph.size(), -1);
  for (const ir::Node& node : graph.nodes())
    for (ir::NodeId input : node.inputs) last_reader_[static_cast<size_t>(input)] = node.id;
  for (ir::NodeId output : graph.outputs()) last_reader_[static_cast<size_t>(output)] = std::numeric_limits<int32_t>::max();
}

Tensor GraphModuleImpl::forward_node(const ir::Node& node, const std::vector<Tensor>& values) {
  auto in = [&](size_t i) -> const Tensor& { return values[static_cast<size_t>(node.inputs[i])]; };
  std::vector<Tensor> quantised;
  if (options_.fake_quant) quantised = effective_params(node);
  const auto& params = quantised.empty() ? params_[static_cast<size_t>(node.id)] : quantised;
  switch (node.kind) {
    case ir::OpKind::Input:
      return values[static_cast<size_t>(node.id)];  // set by forward_all, which skips inputs
    case ir::OpKind::Conv2d: {
      const auto& a = node.attr<ir::Conv2dAttrs>();
      std::vector<int64_t> stride{a.stride_h, a.stride_w}, dilation{a.dilation_h, a.dilation_w};
      if (a.pad_top == a.pad_bottom && a.pad_left == a.pad_right)
        return at::conv2d(in(0), params[0], optional_param(params, 1), stride,
                          std::vector<int64_t>{a.pad_top, a.pad_left}, dilation, a.groups);
      Tensor padded = at::constant_pad_nd(in(0), {a.pad_left, a.pad_right, a.pad_top, a.pad_bottom}, 0.0);
      return at::conv2d(padded, params[0], optional_param(params, 1), stride, std::vector<int64_t>{0, 0},
                        dilation, a.groups);
    }
    case ir::OpKind::ConvTranspose2d: {
      const auto& a = node.attr<ir::ConvTranspose2dAttrs>();
      std::vector<int64_t> stride{a.stride_h, a.stride_w}, dilation{a.dilation_h, a.dilation_w};
      if (a.pad_top == a.pad_bottom && a.pad_left == a.pad_right)
        return at::conv_transpose2d(in(0), params[0], optional_param(params, 1), stride,
                                    std::vector<int64_t>{a.pad_top, a.pad_left},
                                    std::vector<int64_t>{a.output_padding_h, a.output_padding_w}, a.groups, dilation);
      // Asymmetric padding: transpose without padding, then crop what the pads remove.
      Tensor full = at::conv_transpose2d(in(0), params[0], optional_param(params, 1), stride,
                                         std::vector<int64_t>{0, 0},
                                         std::vector<int64_t>{a.output_padding_h, a.output_padding_w}, a.groups,
                                         dilation);
      return full.narrow(2, a.pad_top, node.shape.h()).narrow(3, a.pad_left, node.shape.w());
    }
    case ir::OpKind::Linear:
      return at::linear(in(0), params[0], optional_param(params, 1));
    case ir::OpKind::BatchNorm: {
      if (folded_into_[static_cast<size_t>(node.id)] != ir::kNoNode) return in(0);
      return at::batch_norm(in(0), params[0], params[1], params[2], params[3], is_training(),
                            options_.batch_norm_momentum, node.attr<ir::BatchNormAttrs>().epsilon,
                            /*cudnn_enabled=*/true);
    }
    case ir::OpKind::Relu:
      return at::relu(in(0));
    case ir::OpKind::Relu6:
      return at::hardtanh(in(0), 0.0, 6.0);
    case ir::OpKind::Clip: {
      const auto& a = node.attr<ir::ClipAttrs>();
      return at::clamp(in(0), a.min, a.max);
    }
    case ir::OpKind::HardSwish:
      return at::hardswish(in(0));
    case ir::OpKind::HardSigmoid: {
      const auto& a = node.attr<ir::HardSigmoidAttrs>();
      if (a == ir::HardSigmoidAttrs{}) return at::hardsigmoid(in(0));  // PyTorch's alpha 1/6, beta 0.5
      return at::clamp(in(0) * a.alpha + a.beta, 0.0, 1.0);
    }
    case ir::OpKind::Sigmoid:
      return at::sigmoid(in(0));
    case ir::OpKind::Swish:
      return at::silu(in(0));
    case ir::OpKind::LeakyRelu:
      return at::leaky_relu(in(0), node.attr<ir::LeakyReluAttrs>().alpha);
    case ir::OpKind::Add:
      return at::add(in(0), in(1));
    case ir::OpKind::Mul:
      return at::mul(in(0), in(1));
    case ir::OpKind::Sub:
      return at::sub(in(0), in(1));
    case ir::OpKind::Div:
      return at::div(in(0), in(1));
    case ir::OpKind::Concat: {
      std::vector<Tensor> parts;
      parts.reserve(node.inputs.size());
      for (size_t i = 0; i < node.inputs.size(); ++i) parts.push_back(in(i));
      return at::cat(parts, node.attr<ir::ConcatAttrs>().axis);
    }
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool:
      return pool(in(0), node.kind, node.attr<ir::PoolAttrs>(), node.shape);
    case ir::OpKind::GlobalAvgPool:
      return at::adaptive_avg_pool2d(in(0), {1, 1});
    case ir::OpKind::GlobalMaxPool:
      return at::amax(in(0), {2, 3}, /*keepdim=*/true);
    case ir::OpKind::Transpose:
      return in(0).permute(node.attr<ir::TransposeAttrs>().perm).contiguous();
    case ir::OpKind::ChannelShuffle: {
      const Tensor& x = in(0);
      const int64_t groups = node.attr<ir::ChannelShuffleAttrs>().groups;
      // By view-transpose-view rather than at::channel_shuffle, so a traced module exports the
      // Reshape-Transpose-Reshape every exporter writes and every runtime runs.
      return x.reshape({x.size(0), groups, x.size(1) / groups, x.size(2), x.size(3)})
          .transpose(1, 2)
          .reshape({x.size(0), x.size(1), x.size(2), x.size(3)});
    }
    case ir::OpKind::Slice: {
      const auto& a = node.attr<ir::SliceAttrs>();
      return in(0).narrow(positive_axis(a.axis, in(0).dim()), a.start, a.end - a.start);
    }
    case ir::OpKind::Resize: {
      const auto& a = node.attr<ir::ResizeAttrs>();
      std::vector<int64_t> size{a.out_h, a.out_w};
      if (a.mode == ir::ResizeMode::Nearest) return at::upsample_nearest2d(in(0), size, c10::nullopt, c10::nullopt);
      return at::upsample_bilinear2d(in(0), size, a.align_corners, c10::nullopt, c10::nullopt);
    }
    case ir::OpKind::Pad: {
      const auto& a = node.attr<ir::PadAttrs>();
      return at::constant_pad_nd(in(0), {a.pad_left, a.pad_right, a.pad_top, a.pad_bottom}, a.value);
    }
    case ir::OpKind::Flatten: {
      const Tensor& x = in(0);
      int64_t axis = positive_axis(node.attr<ir::FlattenAttrs>().axis, x.dim());
      // ONNX Flatten: [d0..d(axis-1)] and [d(axis)..] each merged, by at::flatten rather than a
      // reshape to computed sizes, so a traced TorchScript module takes any batch size.
      Tensor inner = axis < x.dim() ? at::flatten(x, axis) : x.unsqueeze(-1);
      return axis == 0 ? inner.unsqueeze(0) : at::flatten(inner, 0, axis - 1);
    }
    case ir::OpKind::Reshape: {
      const Tensor& x = in(0);
      std::vector<int64_t> dims = node.attr<ir::ReshapeAttrs>().shape;
      for (size_t d = 0; d < dims.size(); ++d)
        if (dims[d] == 0) dims[d] = x.size(static_cast<int64_t>(d));  // ONNX: 0 copies the input dim
      return x.reshape(dims);
    }
    case ir::OpKind::Softmax:
      return at::softmax(in(0), node.attr<ir::SoftmaxAttrs>().axis);
  }
  TORCH_CHECK(false, node.describe(), ": operator kind unknown to the libtorch module");
}

std::vector<Tensor> GraphModuleImpl::effective_params(const ir::Node& node) const {
  const auto& params = params_[static_cast<size_t>(node.id)];
  if (params.empty() || (node.kind != ir::OpKind::Conv2d && node.kind != ir::OpKind::Linear &&
                         node.kind != ir::OpKind::ConvTranspose2d))
    return {};
  // Symmetric int8 weights at max |w| / 127 (tensor-tensor division, as quant::weight_scales
  // computes it, so both round alike); conv_transpose2d per tensor.
  const Tensor& w = params[0];
  const bool per_channel = options_.fake_quant->weights == quant::WeightGranularity::PerChannel &&
                           node.kind != ir::OpKind::ConvTranspose2d;
  Tensor amax = per_channel ? w.detach().abs().flatten(1).amax(1) : w.detach().abs().max().reshape({1});
  Tensor scales = at::where(amax > 0, at::div(amax, at::full_like(amax, 127.0f)), at::ones_like(amax));
  const int64_t out_channels = node.kind == ir::OpKind::ConvTranspose2d ? node.shape[1] : w.size(0);
  std::vector<Tensor> out(params.begin(), params.end());
  out[0] = per_channel ? at::fake_quantize_per_channel_affine(w, scales, at::zeros_like(scales, at::kInt), 0, -127, 127)
                       : at::fake_quantize_per_tensor_affine(w, scales.item<float>(), 0, -127, 127);
  // The int32 bias at input scale x weight scale, where the input lies on a grid.
  const auto& input_grid = options_.fake_quant->grid[static_cast<size_t>(node.inputs[0])];
  if (params.size() > 1 && params[1].defined() && input_grid) {
    Tensor bias_scales = (per_channel ? scales : scales.expand({out_channels})).contiguous() * input_grid->scale;
    out[1] = at::fake_quantize_per_channel_affine(params[1], bias_scales, at::zeros_like(bias_scales, at::kInt), 0,
                                                  -2147483647LL, 2147483647LL);
  }
  return out;
}

Tensor GraphModuleImpl::finish_output(ir::NodeId id, Tensor value) const {
  if (options_.fake_quant && options_.fake_quant->quantizes[static_cast<size_t>(id)]) {
    const quant::QuantParams& p = *options_.fake_quant->grid[static_cast<size_t>(id)];
    value = at::fake_quantize_per_tensor_affine(value, p.scale, p.zero_point, p.qmin, p.qmax);
  }
  if (observer_) observer_(id, value);
  return value;
}

std::vector<Tensor> GraphModuleImpl::forward_all(const std::vector<Tensor>& inputs) {
  const std::vector<ir::NodeId> input_ids = graph_.inputs();
  TORCH_CHECK(inputs.size() == input_ids.size(), "graph '", graph_.name(), "' takes ", input_ids.size(),
              " input(s), got ", inputs.size());
  std::vector<Tensor> values(graph_.size());
  for (size_t i = 0; i < inputs.size(); ++i) values[static_cast<size_t>(input_ids[i])] = finish_output(input_ids[i], inputs[i]);
  for (const ir::Node& node : graph_.nodes()) {
    if (node.kind == ir::OpKind::Input) continue;
    running_node_ = node.id;
    values[static_cast<size_t>(node.id)] = finish_output(node.id, forward_node(node, values));
    for (ir::NodeId input : node.inputs)
      if (last_reader_[static_cast<size_t>(input)] == node.id) values[static_cast<size_t>(input)].reset();
  }
  running_node_ = ir::kNoNode;
  std::vector<Tensor> outputs;
  for (ir::NodeId id : graph_.outputs()) outputs.push_back(values[static_cast<size_t>(id)]);
  return outputs;
}

Tensor GraphModuleImpl::forward(const Tensor& input) {
  TORCH_CHECK(graph_.inputs().size() == 1, "graph '", graph_.name(), "' takes ", graph_.inputs().size(),
              " inputs; use forward_all");
  return forward_all({input}).front();
}

Status GraphModuleImpl::check_inputs(const std::vector<Tensor>& inputs) const {
  const std::string where = "graph '" + graph_.name() + "'";
  const std::vector<ir::NodeId> input_ids = graph_.inputs();
  if (inputs.size() != input_ids.size())
    return Error{where + ": takes " + std::to_string(input_ids.size()) + " input(s), got " +
                 std::to_string(inputs.size())};
  // The weights' dtype: float32 unless the module was converted with to(dtype).
  at::ScalarType dtype = at::kFloat;
  for (const auto& params : params_)
    if (!params.empty()) {
      dtype = params.front().scalar_type();
      break;
    }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Node& node = graph_.node(input_ids[i]);
    const Tensor& x = inputs[i];
    if (!x.defined()) return Error{where + ": input " + node.describe() + ": tensor is undefined"};
    if (x.scalar_type() != dtype)
      return Error{where + ": input " + node.describe() + ": expects " + std::string(c10::toString(dtype)) +
                   " (the dtype of the module's weights), got " + std::string(c10::toString(x.scalar_type()))};
    bool same = x.dim() == static_cast<int64_t>(node.shape.rank());
    for (size_t d = 1; same && d < node.shape.rank(); ++d) same = x.size(static_cast<int64_t>(d)) == node.shape[d];
    if (!same)
      return Error{where + ": input " + node.describe() + ": expects shape " + shape_text(node.shape) +
                   " (any batch), got " + shape_text(x.sizes())};
  }
  return {};
}

Result<std::vector<Tensor>> GraphModuleImpl::run(const std::vector<Tensor>& inputs) {
  if (Status valid = check_inputs(inputs); !valid) return valid.error();
  auto failure = [&](const char* message) {
    std::string where = "graph '" + graph_.name() + "'";
    if (running_node_ != ir::kNoNode) where += ": " + graph_.node(running_node_).describe();
    running_node_ = ir::kNoNode;
    return Error{where + ": libtorch: " + message};
  };
  try {
    return forward_all(inputs);
  } catch (const c10::Error& e) {
    return failure(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return failure(e.what());
  }
}

Tensor GraphModuleImpl::param(ir::NodeId id, std::string_view role) const {
  if (id < 0 || static_cast<size_t>(id) >= graph_.size()) return {};
  const ir::Node& node = graph_.node(id);
  const auto& params = params_[static_cast<size_t>(id)];
  for (size_t i = 0; i < node.params.size() && i < params.size(); ++i)
    if (node.params[i].role == role) return params[i];
  if (role == "bias" && node.kind == ir::OpKind::Conv2d && params.size() == 2) return params[1];  // folded
  return {};
}

Status GraphModuleImpl::export_weights(ir::Graph& graph) const {
  const std::string where = "export_weights to graph '" + graph.name() + "'";
  if (folded_)
    return Error{where + ": the module folded batch norms into convolutions (fold_batch_norm); build it "
                         "without folding to export"};
  if (graph.size() != graph_.size())
    return Error{where + ": has " + std::to_string(graph.size()) + " nodes, the module's graph '" +
                 graph_.name() + "' " + std::to_string(graph_.size())};
  for (const ir::Node& node : graph.nodes()) {
    const ir::Node& mine = graph_.node(node.id);
    bool same = node.kind == mine.kind && node.params.size() == mine.params.size();
    for (size_t p = 0; same && p < node.params.size(); ++p) same = node.params[p].shape == mine.params[p].shape;
    if (!same) return Error{where + ": " + node.describe() + " differs from the module's " + mine.describe()};
  }
  for (const ir::Node& node : graph.nodes())
    for (size_t p = 0; p < node.params.size(); ++p) {
      Tensor values = params_[static_cast<size_t>(node.id)][p].detach().to(at::kCPU).contiguous();
      auto& data = graph.param(node.id, p).data;
      data.resize(static_cast<size_t>(values.numel()));
      std::memcpy(data.data(), values.data_ptr<float>(), data.size() * sizeof(float));
    }
  return {};
}

Result<GraphModule> make_graph_module(const ir::Graph& graph, const ModuleOptions& options) {
  if (Status valid = check_weights(graph, options); !valid) return valid.error();
  try {
    return GraphModule(std::make_shared<GraphModuleImpl>(graph, options));
  } catch (const c10::Error& e) {
    return Error{"graph '" + graph.name() + "': libtorch: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{"graph '" + graph.name() + "': " + e.what()};
  }
}

}  // namespace hwnas::libtorch
