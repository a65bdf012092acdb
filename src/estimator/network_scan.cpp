// The estimator's reusable-buffer partition and memory placement, mirroring hw::partition_by_fusion and hw::place_tensors.
#include "network_scan.h"

#include <algorithm>

#include "hwnas/hw/fusion_chain.h"
#include "hwnas/hw/memory_placement.h"
#include "kernel_roles.h"

namespace hwnas::estimator::detail {
namespace {

using ir::OpKind;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

void NetworkScan::consumers_of(const ir::Graph& graph) {
  const size_t n = graph.size();
  consumer_count_.assign(n, 0);
  first_consumer_.assign(n, ir::kNoNode);
  // A node reading a tensor twice (add(x, x)) counts once, as Graph::consumers lists it.
  for (const ir::Node& node : graph.nodes()) {
    const ir::NodeId* inputs = node.inputs.data();
    const size_t count = node.inputs.size();
    for (size_t j = 0; j < count; ++j) {
      bool repeated = false;
      for (size_t i = 0; i < j; ++i) repeated = repeated || inputs[i] == inputs[j];
      if (repeated) continue;
      const auto input = static_cast<size_t>(inputs[j]);
      if (consumer_count_[input]++ == 0) first_consumer_[input] = node.id;
    }
  }
  is_output_.assign(n, 0);
  if (graph.empty()) return;
  const std::vector<ir::NodeId> outputs = graph.outputs();
  for (ir::NodeId out : outputs) is_output_[static_cast<size_t>(out)] = 1;
}

void NetworkScan::partition(const ir::Graph& graph, const hw::FusionRules& rules) {
  consumers_of(graph);
  const size_t n = graph.size();
  assigned_.assign(n, 0);
  kernel_of_.assign(n, -1);
  kernel_nodes_.clear();
  kernel_offset_.assign(1, 0);
  const std::vector<ir::Node>& nodes = graph.nodes();
  for (const ir::Node& node : nodes)
    if (node.kind == OpKind::Input) assigned_[static_cast<size_t>(node.id)] = 1;
  for (const ir::Node& start : nodes) {
    if (assigned_[static_cast<size_t>(start.id)]) continue;
    const auto kernel = static_cast<int32_t>(kernel_offset_.size() - 1);
    kernel_nodes_.push_back(start.id);
    assigned_[static_cast<size_t>(start.id)] = 1;
    kernel_of_[static_cast<size_t>(start.id)] = kernel;
    hw::FusionChain chain(start.kind);
    ir::NodeId tail = start.id;
    while (!is_output_[static_cast<size_t>(tail)]) {
      const auto t = static_cast<size_t>(tail);
      if (consumer_count_[t] != 1) break;
      const ir::Node& next = nodes[static_cast<size_t>(first_consumer_[t])];
      if (assigned_[static_cast<size_t>(next.id)]) break;
      bool inputs_ready = true;
      for (ir::NodeId input : next.inputs) inputs_ready = inputs_ready && assigned_[static_cast<size_t>(input)];
      if (!inputs_ready) break;
      if (!chain.absorb(next.kind, rules)) break;
      kernel_nodes_.push_back(next.id);
      assigned_[static_cast<size_t>(next.id)] = 1;
      kernel_of_[static_cast<size_t>(next.id)] = kernel;
      tail = next.id;
    }
    kernel_offset_.push_back(static_cast<int32_t>(kernel_nodes_.size()));
  }
}

void NetworkScan::place(const ir::Graph& graph, const MemoryPlan& plan) {
  if (!(spec_plan_ == plan)) {
    spec_ = hw::AcceleratorSpec{};
    spec_.sram.size_bytes = plan.sram_bytes;
    spec_.weight_cache_bytes = plan.weight_cache_bytes;
    spec_.channel_padding = plan.channel_padding;
    spec_.precision = plan.precision;
    spec_.fusion.cascade = plan.cascade;
    spec_.mac_array.micro_block_height = plan.micro_block_height;
    spec_plan_ = plan;
  }
  const size_t n = graph.size();
  const size_t kernels = kernel_count();
  const std::vector<ir::Node>& nodes = graph.nodes();
  off_chip_.assign(n, 0);
  striped_.assign(n, 0);
  resident_bytes_.assign(n, 0);

  // hw::node_weight_bytes, with the weight count from the attributes.
  const int64_t weight_element = plan.precision == ir::Precision::Fp16 ? 2 : 1;
  const int64_t per_channel = plan.precision == ir::Precision::Fp16 ? 2 : 10;
  auto weight_bytes_of = [&](const ir::Node& node, bool folded) -> int64_t {
    switch (node.kind) {
      case OpKind::Conv2d:
      case OpKind::ConvTranspose2d:
      case OpKind::Linear:
        return node_size(graph, node).weights * weight_element + node.shape[1] * per_channel;
      case OpKind::BatchNorm:
        return folded ? 0 : 2 * node.shape[1] * weight_element;
      default:
        return 0;
    }
  };
  int64_t weight_bytes = 0;
  for (size_t k = 0; k < kernels; ++k) {
    bool after_mac = false;
    for (size_t j = 0; j < kernel_size(k); ++j) {
      const ir::NodeId id = kernel_nodes(k)[j];
      const OpKind kind = nodes[static_cast<size_t>(id)].kind;
      weight_bytes += weight_bytes_of(nodes[static_cast<size_t>(id)], after_mac && kind == OpKind::BatchNorm);
      after_mac = after_mac || ir::is_mac(kind);
    }
  }
  weights_on_chip_ = spec_.weight_cache_bytes > 0 && weight_bytes <= spec_.weight_cache_bytes;
  const int64_t capacity = spec_.sram.size_bytes - (weights_on_chip_ ? weight_bytes : 0);

  constexpr int32_t kNever = -1;
  last_reader_.assign(n, kNever);
  first_reader_.assign(n, kNever);
  reader_count_.assign(n, 0);
  for (size_t k = 0; k < kernels; ++k) {
    seen_.clear();
    for (size_t j = 0; j < kernel_size(k); ++j)
      for (ir::NodeId input : nodes[static_cast<size_t>(kernel_nodes(k)[j])].inputs) {
        const auto i = static_cast<size_t>(input);
        if (kernel_of_[i] == static_cast<int32_t>(k)) continue;
        if (std::find(seen_.begin(), seen_.end(), input) != seen_.end()) continue;
        seen_.push_back(input);
        last_reader_[i] = static_cast<int32_t>(k);
        if (first_reader_[i] == kNever) first_reader_[i] = static_cast<int32_t>(k);
        ++reader_count_[i];
      }
  }

  auto stripe_bytes = [&](ir::NodeId id, int32_t reader) -> int64_t {
    const ir::Shape& shape = nodes[static_cast<size_t>(id)].shape;
    const ir::Precision precision = spec_.precision_of(nodes[static_cast<size_t>(id)]);
    if (shape.rank() != 4) return hw::storage_bytes(spec_, shape, precision);
    int64_t kernel_h = 1, stride_h = 1;
    const auto r = static_cast<size_t>(reader);
    for (size_t j = 0; j < kernel_size(r); ++j) {
      const ir::Node& node = nodes[static_cast<size_t>(kernel_nodes(r)[j])];
      if (node.kind == OpKind::Conv2d) {
        const auto& a = node.attr<ir::Conv2dAttrs>();
        kernel_h = (a.kernel_h - 1) * a.dilation_h + 1;
        stride_h = a.stride_h;
        break;
      }
      if (node.kind == OpKind::MaxPool || node.kind == OpKind::AvgPool) {
        const auto& a = node.attr<ir::PoolAttrs>();
        kernel_h = a.kernel_h;
        stride_h = a.stride_h;
        break;
      }
      if (node.kind == OpKind::ConvTranspose2d) {  // as hw::stripe_bytes
        const auto& a = node.attr<ir::ConvTranspose2dAttrs>();
        kernel_h = (a.kernel_h - 1) * a.dilation_h + 1;
        break;
      }
      if (node.kind == OpKind::GlobalAvgPool || node.kind == OpKind::GlobalMaxPool || node.kind == OpKind::Resize ||
          node.kind == OpKind::Transpose)
        return hw::storage_bytes(spec_, shape, precision);
    }
    const int64_t block_rows = 4 * spec_.mac_array.micro_block_height;
    const int64_t rows = std::min(shape.h(), 2 * ((block_rows - 1) * stride_h + kernel_h));
    return shape[0] * round_up(shape[1], spec_.channel_padding) * rows * shape[3] * hw::AcceleratorSpec::activation_bytes(precision);
  };

  live_.clear();
  int64_t live_bytes = 0;
  auto place_tensor = [&](ir::NodeId id, int32_t producer) {
    const auto i = static_cast<size_t>(id);
    const int64_t whole = hw::storage_bytes(spec_, graph, id);
    if (live_bytes + whole <= capacity) {
      resident_bytes_[i] = whole;
    } else if (spec_.fusion.cascade && !is_output_[i] && reader_count_[i] == 1 && producer >= 0 &&
               first_reader_[i] == producer + 1) {
      const int64_t stripe = stripe_bytes(id, first_reader_[i]);
      if (live_bytes + stripe > capacity) {
        off_chip_[i] = 1;
        return;
      }
      resident_bytes_[i] = stripe;
      striped_[i] = 1;
    } else {
      off_chip_[i] = 1;
      return;
    }
    live_.push_back(id);
    live_bytes += resident_bytes_[i];
  };

  for (const ir::Node& node : nodes)
    if (node.kind == OpKind::Input) place_tensor(node.id, kNever);
  for (size_t k = 0; k < kernels; ++k) {
    for (size_t j = 0; j < live_.size();) {
      const auto i = static_cast<size_t>(live_[j]);
      if (!is_output_[i] && last_reader_[i] < static_cast<int32_t>(k)) {
        live_bytes -= resident_bytes_[i];
        live_[j] = live_.back();
        live_.pop_back();
      } else {
        ++j;
      }
    }
    for (size_t j = 0; j < kernel_size(k); ++j) {
      const ir::NodeId id = kernel_nodes(k)[j];
      const auto i = static_cast<size_t>(id);
      // A chain absorbs only a sole reader, so a tensor with several readers ends its kernel and
      // all of them lie outside it.
      const bool read_outside = consumer_count_[i] != 1 || is_output_[i] ||
                                kernel_of_[static_cast<size_t>(first_consumer_[i])] != static_cast<int32_t>(k);
      if (read_outside) place_tensor(id, static_cast<int32_t>(k));
    }
  }
}

KernelMemory NetworkScan::memory_of(const KernelRoles& roles) const {
  KernelMemory memory;
  memory.input_off_chip = roles.main_input != ir::kNoNode && off_chip(roles.main_input);
  memory.output_off_chip = off_chip(roles.output);
  for (int i = 0; i < roles.other_count; ++i) memory.other_off_chip = memory.other_off_chip || off_chip(roles.other_inputs[i]);
  memory.weights_off_chip = !weights_on_chip();
  memory.output_striped = striped(roles.output);
  return memory;
}

}  // namespace hwnas::estimator::detail
