// Placement of tensors in SRAM or off-chip memory by liveness, with cascaded stripes.
#include "hwnas/hw/memory_placement.h"

#include <algorithm>

namespace hwnas::hw {

const char* memory_level_name(MemoryLevel level) { return level == MemoryLevel::Sram ? "sram" : "dram"; }

namespace {

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// SRAM bytes a rolling stripe of node `id`'s output needs while `reader` (the next kernel) consumes it.
int64_t stripe_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId id, const Kernel& reader) {
  const ir::Shape& shape = graph.node(id).shape;
  const ir::Precision precision = spec.precision_of(graph.node(id));
  if (shape.rank() != 4) return storage_bytes(spec, shape, precision);  // a vector is consumed whole
  int64_t kernel_h = 1, stride_h = 1;
  for (ir::NodeId id : reader.nodes) {
    const ir::Node& node = graph.node(id);
    if (node.kind == ir::OpKind::Conv2d) {
      const auto& a = node.attr<ir::Conv2dAttrs>();
      kernel_h = (a.kernel_h - 1) * a.dilation_h + 1;
      stride_h = a.stride_h;
      break;
    }
    if (node.kind == ir::OpKind::MaxPool || node.kind == ir::OpKind::AvgPool) {
      const auto& a = node.attr<ir::PoolAttrs>();
      kernel_h = a.kernel_h;
      stride_h = a.stride_h;
      break;
    }
    if (node.kind == ir::OpKind::ConvTranspose2d) {  // an output row reads up to kernel rows of input
      const auto& a = node.attr<ir::ConvTranspose2dAttrs>();
      kernel_h = (a.kernel_h - 1) * a.dilation_h + 1;
      break;
    }
    if (node.kind == ir::OpKind::GlobalAvgPool || node.kind == ir::OpKind::GlobalMaxPool ||
        node.kind == ir::OpKind::Resize || node.kind == ir::OpKind::Transpose) {
      return storage_bytes(spec, shape, precision);  // reads the whole tensor
    }
  }
  // One row of the reader's OFM blocks (4 micro-blocks high) needs this many IFM rows; the
  // rolling buffer holds two such bands so the producer writes one while the reader reads one.
  const int64_t block_rows = 4 * spec.mac_array.micro_block_height;
  const int64_t rows = std::min(shape.h(), 2 * ((block_rows - 1) * stride_h + kernel_h));
  ir::Shape stripe = shape;
  stripe[2] = rows;
  return storage_bytes(spec, stripe, precision);
}

}  // namespace

int64_t storage_bytes(const AcceleratorSpec& spec, const ir::Shape& shape, ir::Precision precision) {
  const int64_t element = AcceleratorSpec::activation_bytes(precision);
  if (shape.rank() < 2) return shape.numel() * element;
  int64_t elements = shape[0] * round_up(shape[1], spec.channel_padding);
  for (size_t i = 2; i < shape.rank(); ++i) elements *= shape[i];
  return elements * element;
}

int64_t storage_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId id) {
  const ir::Node& node = graph.node(id);
  return storage_bytes(spec, node.shape, spec.precision_of(node));
}

int64_t node_weight_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId id, bool folded) {
  const ir::Node& node = graph.node(id);
  const int64_t weight_element = spec.precision == ir::Precision::Fp16 ? 2 : 1;
  const int64_t per_channel = spec.precision == ir::Precision::Fp16 ? 2 : 10;
  switch (node.kind) {
    case ir::OpKind::Conv2d:
    case ir::OpKind::ConvTranspose2d:
    case ir::OpKind::Linear: {
      int64_t weights = node.params.empty() ? 0 : node.params[0].shape.numel();
      int64_t out_channels = node.shape[1];
      return weights * weight_element + out_channels * per_channel;
    }
    case ir::OpKind::BatchNorm:
      return folded ? 0 : 2 * node.shape[1] * weight_element;
    default:
      return 0;
  }
}

int64_t kernel_weight_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel) {
  int64_t bytes = 0;
  bool after_mac = false;
  for (ir::NodeId id : kernel.nodes) {
    const ir::Node& node = graph.node(id);
    bytes += node_weight_bytes(spec, graph, id, after_mac && node.kind == ir::OpKind::BatchNorm);
    after_mac = after_mac || ir::is_mac(node.kind);
  }
  return bytes;
}

TensorPlacement place_tensors(const AcceleratorSpec& spec, const ir::Graph& graph,
                              const std::vector<Kernel>& kernels) {
  const size_t n = graph.size();
  TensorPlacement placement;
  placement.level.assign(n, MemoryLevel::Sram);
  placement.resident_bytes.assign(n, 0);
  placement.striped.assign(n, false);

  for (const Kernel& kernel : kernels) placement.weight_bytes += kernel_weight_bytes(spec, graph, kernel);
  placement.weights_on_chip =
      spec.weight_cache_bytes > 0 && placement.weight_bytes <= spec.weight_cache_bytes;
  const int64_t capacity = spec.sram.size_bytes - (placement.weights_on_chip ? placement.weight_bytes : 0);

  constexpr int kNever = -1;
  std::vector<int> kernel_of(n, kNever);
  for (size_t k = 0; k < kernels.size(); ++k)
    for (ir::NodeId id : kernels[k].nodes) kernel_of[static_cast<size_t>(id)] = static_cast<int>(k);
  // last_reader[t]: the last kernel that reads t; readers[t]: how many kernels read it.
  std::vector<int> last_reader(n, kNever), first_reader(n, kNever), reader_count(n, 0);
  for (size_t k = 0; k < kernels.size(); ++k) {
    std::vector<ir::NodeId> seen;
    for (ir::NodeId id : kernels[k].nodes)
      for (ir::NodeId input : graph.node(id).inputs) {
        if (kernel_of[static_cast<size_t>(input)] == static_cast<int>(k)) continue;
        if (std::find(seen.begin(), seen.end(), input) != seen.end()) continue;
        seen.push_back(input);
        auto i = static_cast<size_t>(input);
        last_reader[i] = static_cast<int>(k);
        if (first_reader[i] == kNever) first_reader[i] = static_cast<int>(k);
        ++reader_count[i];
      }
  }
  std::vector<bool> is_output(n, false);
  for (ir::NodeId out : graph.outputs()) is_output[static_cast<size_t>(out)] = true;

  std::vector<ir::NodeId> live;  // tensors resident in SRAM
  int64_t live_bytes = 0;
  auto place = [&](ir::NodeId id, int producer_kernel) {
    auto i = static_cast<size_t>(id);
    const int64_t whole = storage_bytes(spec, graph, id);
    if (live_bytes + whole <= capacity) {
      placement.resident_bytes[i] = whole;
    } else if (spec.fusion.cascade && !is_output[i] && reader_count[i] == 1 && producer_kernel >= 0 &&
               first_reader[i] == producer_kernel + 1) {
      const int64_t stripe = stripe_bytes(spec, graph, id, kernels[static_cast<size_t>(first_reader[i])]);
      if (live_bytes + stripe > capacity) {
        placement.level[i] = MemoryLevel::Dram;
        return;
      }
      placement.resident_bytes[i] = stripe;
      placement.striped[i] = true;
    } else {
      placement.level[i] = MemoryLevel::Dram;
      return;
    }
    live.push_back(id);
    live_bytes += placement.resident_bytes[i];
    placement.peak_sram_bytes = std::max(placement.peak_sram_bytes, live_bytes);
  };

  for (ir::NodeId input : graph.inputs()) place(input, kNever);
  const auto consumers = graph.consumers();
  for (size_t k = 0; k < kernels.size(); ++k) {
    // Free what no kernel from k on reads (graph outputs stay to the end).
    for (size_t j = 0; j < live.size();) {
      auto i = static_cast<size_t>(live[j]);
      if (!is_output[i] && last_reader[i] < static_cast<int>(k)) {
        live_bytes -= placement.resident_bytes[i];
        live[j] = live.back();
        live.pop_back();
      } else {
        ++j;
      }
    }
    for (ir::NodeId id : kernels[k].nodes) {
      auto i = static_cast<size_t>(id);
      bool read_outside = consumers[i].empty() || is_output[i];
      for (ir::NodeId user : consumers[i])
        read_outside = read_outside || kernel_of[static_cast<size_t>(user)] != static_cast<int>(k);
      if (read_outside) place(id, static_cast<int>(k));
    }
    placement.kernel_sram_bytes.push_back(live_bytes);  // its inputs (freed only after it) and outputs
  }
  return placement;
}

}  // namespace hwnas::hw
