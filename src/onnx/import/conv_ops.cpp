// ONNX import of convolutions: Conv (with a zero Pad folded in), ConvTranspose, BatchNormalization.
#include "importer.h"

namespace hwnas::onnx_io::detail {
namespace {

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

}  // namespace

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

}  // namespace hwnas::onnx_io::detail
