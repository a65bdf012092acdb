// Extraction of the version-2 kernel features: shapes, MACs, bytes, channel blocks, memory context, precision.
#include "hwnas/estimator/features.h"

#include <cmath>
#include <limits>

#include "hwnas/estimator/memory_context.h"
#include "hwnas/hw/fusion.h"
#include "kernel_roles.h"
#include "network_scan.h"

namespace hwnas::estimator {
namespace {

const std::vector<std::string> kVersion1Names = {
    "batch",          "in_h",          "in_w",          "in_c",            "out_h",          "out_w",
    "out_c",          "kernel_h",      "kernel_w",      "stride_h",        "stride_w",       "dilation",
    "groups",         "depthwise",     "macs",          "output_elements", "params",         "input_bytes",
    "output_bytes",   "other_input_bytes", "in_blocks", "in_remainder",    "in_padded",      "out_blocks",
    "out_remainder",  "out_padded",    "group_in",      "group_out",       "padded_macs",   "input_off_chip",  "output_off_chip", "other_off_chip",
    "weights_off_chip", "output_striped", "off_chip_bytes", "nodes", "out_pixels", "taps", "intensity", "off_chip_share"};

struct Hwc {
  int64_t h = 1, w = 1, c = 1;
};

Hwc hwc_of(const ir::Shape& shape) {
  if (shape.rank() == 4) return {shape.h(), shape.w(), shape.c()};
  if (shape.rank() >= 2) return {1, 1, shape[1]};
  return {1, 1, shape.rank() == 1 ? shape[0] : 1};
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Channel blocks of P: a shift and a mask when P is a power of two (the usual case), else division.
struct Blocks {
  int64_t p;
  int shift = -1;
  explicit Blocks(int64_t multiple) : p(multiple) {
    if ((p & (p - 1)) == 0)
      for (shift = 0; (int64_t{1} << shift) < p;) ++shift;
  }
  int64_t count(int64_t c) const { return shift >= 0 ? (c + p - 1) >> shift : ceil_div(c, p); }
  int64_t remainder(int64_t c) const { return shift >= 0 ? c & (p - 1) : c % p; }
  int64_t padded(int64_t c) const { return count(c) * p; }
};

}  // namespace

detail::NodeSize detail::node_size(const ir::Graph& graph, const ir::Node& node) {
  NodeSize size;
  switch (node.kind) {
    case ir::OpKind::Conv2d: {
      const auto& a = node.attr<ir::Conv2dAttrs>();
      const int64_t in = graph.node(node.inputs.front()).shape.c();
      const int64_t per_output = (a.groups == 1 ? in : a.groups == in ? 1 : in / a.groups) * a.kernel_h * a.kernel_w;
      size.macs = node.shape.numel() * per_output;
      size.weights = a.out_channels * per_output;
      size.params = size.weights + (a.bias ? a.out_channels : 0);
      break;
    }
    case ir::OpKind::ConvTranspose2d: {
      const auto& a = node.attr<ir::ConvTranspose2dAttrs>();
      const ir::Shape& in = graph.node(node.inputs.front()).shape;
      const int64_t per_input = a.out_channels / a.groups * a.kernel_h * a.kernel_w;
      size.macs = in.numel() * per_input;
      size.weights = in.c() * per_input;
      size.params = size.weights + (a.bias ? a.out_channels : 0);
      break;
    }
    case ir::OpKind::Linear: {
      const auto& a = node.attr<ir::LinearAttrs>();
      const int64_t in = graph.node(node.inputs.front()).shape[1];
      size.macs = node.shape.numel() * in;
      size.weights = a.out_features * in;
      size.params = size.weights + (a.bias ? a.out_features : 0);
      break;
    }
    case ir::OpKind::BatchNorm:
      size.params = 2 * node.shape[1];
      break;
    default:
      break;
  }
  return size;
}

const std::vector<std::string>& feature_names(int version) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> version2 = [] {
    std::vector<std::string> names = kVersion1Names;
    names.push_back("precision_bytes");
    return names;
  }();
  return version == 1 ? kVersion1Names : version == 2 ? version2 : none;
}

int feature_count(int version) { return static_cast<int>(feature_names(version).size()); }

namespace {

enum class ConvVariant { Plain, Depthwise, Grouped };

ConvVariant conv_variant(const ir::Graph& graph, const ir::Node& node) {
  if (node.kind != ir::OpKind::Conv2d) return ConvVariant::Plain;
  const int64_t groups = node.attr<ir::Conv2dAttrs>().groups;
  if (groups <= 1) return ConvVariant::Plain;
  return groups == graph.node(node.inputs.front()).shape.c() ? ConvVariant::Depthwise : ConvVariant::Grouped;
}

// The code of one node in a signature: its kind + 1 (< 62), or 62 / 63 for a depthwise or
// grouped conv2d.
uint64_t node_code(const ir::Graph& graph, const ir::Node& node) {
  switch (conv_variant(graph, node)) {
    case ConvVariant::Depthwise: return 62;
    case ConvVariant::Grouped: return 63;
    case ConvVariant::Plain: break;
  }
  return static_cast<uint64_t>(node.kind) + 1;
}

}  // namespace

std::string kernel_type(const ir::Graph& graph, const hw::Kernel& kernel) {
  std::string type;
  for (ir::NodeId id : kernel.nodes) {
    if (id < 0 || static_cast<size_t>(id) >= graph.size()) continue;
    const ir::Node& node = graph.node(id);
    if (!type.empty()) type += "+";
    switch (conv_variant(graph, node)) {
      case ConvVariant::Depthwise: type += "depthwise_"; break;
      case ConvVariant::Grouped: type += "grouped_"; break;
      case ConvVariant::Plain: break;
    }
    type += std::string(ir::op_name(node.kind));
  }
  return type;
}

uint64_t detail::span_signature(const ir::Graph& graph, NodeSpan kernel) {
  uint64_t signature = 0;
  if (kernel.size() <= 10) {
    for (ir::NodeId id : kernel) signature = signature << 6 | node_code(graph, graph.node(id));
    return signature;
  }
  signature = 1ull << 63;  // hashed: the top bit keeps it apart from the exact codes (<= 60 bits)
  for (ir::NodeId id : kernel) {
    signature ^= node_code(graph, graph.node(id));
    signature *= 1099511628211ull;
    signature |= 1ull << 63;
  }
  return signature;
}

namespace {

// Two multiply-xor lanes over 64-bit words.
struct KeyHasher {
  uint64_t a = 0x9e3779b97f4a7c15ull, b = 0x27d4eb2f165667c5ull;
  void add(uint64_t word) {
    a = (a ^ word) * 0xff51afd7ed558ccdull;
    a ^= a >> 29;
    b = (b ^ (word + 0x632be59bd9b4e019ull)) * 0xc4ceb9fe1a85ec53ull;
    b ^= b >> 31;
  }
  void add(const ir::Shape& shape) {
    add(shape.rank());
    for (int64_t d : shape.dims) add(static_cast<uint64_t>(d));
  }
};

}  // namespace

detail::RawKey detail::raw_kernel_key(const ir::Graph& graph, const KernelRoles& roles, uint64_t signature,
                                      const KernelMemory* memory) {
  KeyHasher h;
  h.add(signature);
  h.add(memory == nullptr ? 1u
                          : 2u | (memory->input_off_chip ? 4u : 0u) | (memory->output_off_chip ? 8u : 0u) |
                                (memory->other_off_chip ? 16u : 0u) | (memory->weights_off_chip ? 32u : 0u) |
                                (memory->output_striped ? 64u : 0u));
  const ir::Node& head = graph.node(roles.head);
  h.add(static_cast<uint64_t>(head.kind));
  if (roles.main_input != ir::kNoNode) h.add(graph.node(roles.main_input).shape);
  else h.add(uint64_t{0xffff});
  h.add(head.shape);
  h.add(graph.node(roles.output).shape);
  // mixed precision: the head's, main input's and output's own precisions (0: the target's)
  auto precision_word = [&](ir::NodeId id) {
    const auto& p = graph.node(id).precision;
    return p ? static_cast<uint64_t>(*p) + 1 : uint64_t{0};
  };
  h.add(precision_word(roles.head) | precision_word(roles.output) << 8 |
        (roles.main_input != ir::kNoNode ? precision_word(roles.main_input) << 16 : 0));
  switch (head.kind) {
    case ir::OpKind::Conv2d: {
      const auto& c = head.attr<ir::Conv2dAttrs>();
      for (int64_t v : {c.out_channels, c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.pad_top, c.pad_left,
                        c.pad_bottom, c.pad_right, c.dilation_h, c.dilation_w, c.groups, int64_t{c.bias}})
        h.add(static_cast<uint64_t>(v));
      h.add(static_cast<uint64_t>(graph.node(head.inputs.front()).shape.c()));
      break;
    }
    case ir::OpKind::ConvTranspose2d: {
      const auto& c = head.attr<ir::ConvTranspose2dAttrs>();
      for (int64_t v : {c.out_channels, c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.pad_top, c.pad_left,
                        c.pad_bottom, c.pad_right, c.output_padding_h, c.output_padding_w, c.dilation_h,
                        c.dilation_w, c.groups, int64_t{c.bias}})
        h.add(static_cast<uint64_t>(v));
      h.add(static_cast<uint64_t>(graph.node(head.inputs.front()).shape.c()));
      break;
    }
    case ir::OpKind::Linear: {
      const auto& l = head.attr<ir::LinearAttrs>();
      h.add(static_cast<uint64_t>(l.out_features));
      h.add(l.bias ? 1u : 0u);
      h.add(graph.node(head.inputs.front()).shape);
      break;
    }
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool: {
      const auto& p = head.attr<ir::PoolAttrs>();
      for (int64_t v : {p.kernel_h, p.kernel_w, p.stride_h, p.stride_w})
        h.add(static_cast<uint64_t>(v));
      break;
    }
    default:
      break;
  }
  h.add(static_cast<uint64_t>(roles.other_total));
  for (int i = 0; i < roles.other_count; ++i) {
    const ir::Node& other = graph.node(roles.other_inputs[i]);
    h.add(static_cast<uint64_t>(other.shape.numel()) << 3 | (other.precision ? static_cast<uint64_t>(*other.precision) + 1 : 0));
  }
  return {h.a ^ (h.b * 0x9e3779b97f4a7c15ull), static_cast<uint32_t>(h.b ^ (h.b >> 32))};
}

uint64_t kernel_signature(const ir::Graph& graph, const hw::Kernel& kernel) {
  return detail::span_signature(graph, detail::NodeSpan(kernel));
}

FeatureVector kernel_features(const ir::Graph& graph, const hw::Kernel& kernel, const TargetInfo& info,
                              const KernelMemory* memory) {
  return detail::span_features(graph, detail::NodeSpan(kernel), info, memory);
}

FeatureVector detail::span_features(const ir::Graph& graph, NodeSpan kernel, const TargetInfo& info,
                                    const KernelMemory* memory) {
  return span_features(graph, kernel, kernel_roles(graph, kernel), info, memory);
}

FeatureVector detail::span_features(const ir::Graph& graph, NodeSpan kernel, const KernelRoles& roles,
                                    const TargetInfo& info, const KernelMemory* memory) {
  FeatureVector f{};
  const ir::Node& head = graph.node(roles.head);
  // Each tensor at its own precision (mixed precision on an integer target), the kernel's at its head's.
  auto bytes_of = [&](ir::NodeId id) {
    const ir::Node& n = graph.node(id);
    return n.shape.numel() * ir::bytes_per_element(ir::layer_precision(n.precision, info.activation_precision));
  };
  const int64_t element_bytes = ir::bytes_per_element(ir::layer_precision(head.precision, info.activation_precision));
  const int64_t p = std::max<int64_t>(1, info.channel_multiple);

  const Hwc in = roles.main_input != ir::kNoNode ? hwc_of(graph.node(roles.main_input).shape) : hwc_of(head.shape);
  const Hwc out = hwc_of(head.shape);
  f[kBatch] = static_cast<float>(head.shape.rank() >= 1 ? head.shape[0] : 1);
  f[kInH] = static_cast<float>(in.h);
  f[kInW] = static_cast<float>(in.w);
  f[kInC] = static_cast<float>(in.c);
  f[kOutH] = static_cast<float>(out.h);
  f[kOutW] = static_cast<float>(out.w);
  f[kOutC] = static_cast<float>(out.c);

  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation = 1, groups = 1;
  bool depthwise = false;
  auto take_conv_window = [&](const auto& a) {  // Conv2dAttrs or ConvTranspose2dAttrs
    kernel_h = a.kernel_h;
    kernel_w = a.kernel_w;
    stride_h = a.stride_h;
    stride_w = a.stride_w;
    dilation = std::max(a.dilation_h, a.dilation_w);
    groups = a.groups;
  };
  switch (head.kind) {
    case ir::OpKind::Conv2d: {
      const auto& a = head.attr<ir::Conv2dAttrs>();
      take_conv_window(a);
      const int64_t conv_in = graph.node(head.inputs.front()).shape.c();
      depthwise = a.groups > 1 && a.groups == conv_in;
      break;
    }
    case ir::OpKind::MaxPool:
    case ir::OpKind::AvgPool: {
      const auto& a = head.attr<ir::PoolAttrs>();
      kernel_h = a.kernel_h;
      kernel_w = a.kernel_w;
      stride_h = a.stride_h;
      stride_w = a.stride_w;
      break;
    }
    case ir::OpKind::ConvTranspose2d:
      take_conv_window(head.attr<ir::ConvTranspose2dAttrs>());
      break;
    case ir::OpKind::GlobalAvgPool:
    case ir::OpKind::GlobalMaxPool:
      kernel_h = stride_h = in.h;
      kernel_w = stride_w = in.w;
      break;
    default:
      break;
  }
  f[kKernelH] = static_cast<float>(kernel_h);
  f[kKernelW] = static_cast<float>(kernel_w);
  f[kStrideH] = static_cast<float>(stride_h);
  f[kStrideW] = static_cast<float>(stride_w);
  f[kDilation] = static_cast<float>(dilation);
  f[kGroups] = static_cast<float>(groups);
  f[kDepthwise] = depthwise ? 1.0f : 0.0f;

  int64_t macs = 0, params = 0;
  for (ir::NodeId id : kernel) {
    const detail::NodeSize size = detail::node_size(graph, graph.node(id));
    macs += size.macs;
    params += size.params;
  }
  f[kMacs] = static_cast<float>(macs);
  f[kOutputElements] = static_cast<float>(head.shape.numel());
  f[kParams] = static_cast<float>(params);
  f[kInputBytes] = static_cast<float>(roles.main_input != ir::kNoNode ? bytes_of(roles.main_input) : 0);
  f[kOutputBytes] = static_cast<float>(bytes_of(roles.output));
  int64_t other_bytes = 0;
  for (int i = 0; i < roles.other_count; ++i) other_bytes += bytes_of(roles.other_inputs[i]);
  f[kOtherInputBytes] = static_cast<float>(other_bytes);

  const Blocks blocks(p);
  const int64_t in_padded = blocks.padded(in.c), out_padded = blocks.padded(out.c);
  f[kInBlocks] = static_cast<float>(blocks.count(in.c));
  f[kInRemainder] = static_cast<float>(blocks.remainder(in.c));
  f[kInPadded] = static_cast<float>(in_padded);
  f[kOutBlocks] = static_cast<float>(blocks.count(out.c));
  f[kOutRemainder] = static_cast<float>(blocks.remainder(out.c));
  f[kOutPadded] = static_cast<float>(out_padded);
  const int64_t group_in = groups > 1 ? in.c / groups : in.c, group_out = groups > 1 ? out.c / groups : out.c;
  f[kGroupIn] = static_cast<float>(group_in);
  f[kGroupOut] = static_cast<float>(group_out);
  double padded_macs = 0;
  if (head.kind == ir::OpKind::Conv2d) {
    const double pixels = static_cast<double>(f[kBatch]) * static_cast<double>(out.h * out.w * kernel_h * kernel_w);
    if (depthwise)
      padded_macs = pixels * static_cast<double>(out_padded);
    else  // each group runs as its own convolution, its channels padded to P
      padded_macs = pixels * static_cast<double>(groups) * static_cast<double>(blocks.padded(group_out)) *
                    static_cast<double>(blocks.padded(group_in));
  } else if (head.kind == ir::OpKind::Linear) {
    padded_macs = static_cast<double>(f[kBatch]) * in_padded * out_padded;
  }
  f[kPaddedMacs] = static_cast<float>(padded_macs);

  const float unknown = std::numeric_limits<float>::quiet_NaN();
  auto flag = [&](bool known, bool value) { return known ? (value ? 1.0f : 0.0f) : unknown; };
  const bool known = memory != nullptr;
  f[kInputOffChip] = flag(known, known && memory->input_off_chip);
  f[kOutputOffChip] = flag(known, known && memory->output_off_chip);
  f[kOtherOffChip] = flag(known, known && memory->other_off_chip);
  f[kWeightsOffChip] = flag(known, known && memory->weights_off_chip);
  f[kOutputStriped] = flag(known, known && memory->output_striped);
  if (known) {
    double off_chip = 0;
    if (memory->input_off_chip) off_chip += f[kInputBytes];
    if (memory->output_off_chip) off_chip += f[kOutputBytes];
    if (memory->other_off_chip) off_chip += f[kOtherInputBytes];
    if (memory->weights_off_chip) off_chip += static_cast<double>(params) * static_cast<double>(element_bytes);
    f[kOffChipBytes] = static_cast<float>(off_chip);
  } else {
    f[kOffChipBytes] = unknown;
  }
  f[kNodes] = static_cast<float>(kernel.size());
  f[kOutPixels] = f[kBatch] * static_cast<float>(out.h * out.w);
  f[kTaps] = static_cast<float>(kernel_h * kernel_w);
  const double moved = static_cast<double>(f[kInputBytes]) + static_cast<double>(f[kOutputBytes]) +
                       static_cast<double>(f[kOtherInputBytes]) + static_cast<double>(params) * static_cast<double>(element_bytes);
  f[kIntensity] = static_cast<float>(padded_macs / std::max(1.0, moved));
  f[kOffChipShare] = known ? static_cast<float>(static_cast<double>(f[kOffChipBytes]) / std::max(1.0, moved)) : unknown;
  f[kPrecisionBytes] = static_cast<float>(element_bytes);
  return f;
}

std::vector<KernelDescription> describe_kernels(const ir::Graph& graph, const TargetInfo& info,
                                                const std::vector<hw::Kernel>& kernels) {
  const std::vector<KernelMemory> memory = memory_context(graph, kernels, info.memory);
  std::vector<KernelDescription> described;
  described.reserve(kernels.size());
  for (size_t k = 0; k < kernels.size(); ++k) {
    KernelDescription d;
    d.kernel = kernels[k];
    d.signature = kernel_signature(graph, kernels[k]);
    d.features = kernel_features(graph, kernels[k], info, memory.empty() ? nullptr : &memory[k]);
    described.push_back(std::move(d));
  }
  return described;
}

std::vector<KernelDescription> describe_kernels(const ir::Graph& graph, const TargetInfo& info) {
  detail::NetworkScan scan;
  scan.partition(graph, info.fusion);
  if (info.memory.known) scan.place(graph, info.memory);
  std::vector<KernelDescription> described(scan.kernel_count());
  for (size_t k = 0; k < scan.kernel_count(); ++k) {
    const detail::NodeSpan span(scan.kernel_nodes(k), scan.kernel_size(k));
    KernelDescription& d = described[k];
    d.kernel.nodes.assign(span.begin(), span.end());
    d.signature = detail::span_signature(graph, span);
    const detail::KernelRoles roles = detail::kernel_roles(graph, span);
    const KernelMemory memory = info.memory.known ? scan.memory_of(roles) : KernelMemory{};
    d.features = detail::span_features(graph, span, roles, info, info.memory.known ? &memory : nullptr);
  }
  return described;
}

}  // namespace hwnas::estimator
