// Memory placement: which memory level (SRAM or off-chip) holds each tensor while a network runs.
//
//   auto kernels = hw::partition_by_fusion(graph, spec.fusion);
//   auto placement = hw::place_tensors(spec, graph, kernels);
//   placement.level[node];   // MemoryLevel::Sram or MemoryLevel::Dram for node's output tensor
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::hw {

enum class MemoryLevel { Sram, Dram };
const char* memory_level_name(MemoryLevel level);

// Where tensors and weights live. Kernels run one after the other in the given order; a tensor
// goes to SRAM when it fits beside the tensors still live there (whole, or — with
// fusion.cascade, when its only reader is the next kernel — as a rolling stripe of rows), and
// off-chip otherwise. Weights stay on chip across inferences when the whole network's weights
// fit in memory.weight_cache_kb (that space is then not available to tensors); otherwise they
// are streamed from off-chip memory.
struct TensorPlacement {
  std::vector<MemoryLevel> level;       // per node: where its output tensor lives
  std::vector<int64_t> resident_bytes;  // per node: SRAM bytes it holds (a stripe or all); 0 off-chip
  std::vector<bool> striped;            // per node: held in SRAM as a rolling stripe
  bool weights_on_chip = false;
  int64_t weight_bytes = 0;     // of the whole network, at the spec's weight precision
  int64_t peak_sram_bytes = 0;  // most SRAM the tensors held at once
  std::vector<int64_t> kernel_sram_bytes;  // per kernel: SRAM the live tensors hold while it runs
};

TensorPlacement place_tensors(const AcceleratorSpec& spec, const ir::Graph& graph,
                              const std::vector<Kernel>& kernels);

// Bytes a tensor of `shape` occupies: channels (dim 1) rounded up to spec.channel_padding,
// elements of `precision` (AcceleratorSpec::activation_bytes: 1 for int8, 2 for 16 bits).
int64_t storage_bytes(const AcceleratorSpec& spec, const ir::Shape& shape, ir::Precision precision);
// Bytes node `id`'s output occupies, at the node's precision (its own, else the spec's).
int64_t storage_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId id);

// Bytes of a node's weights as the accelerator stores them: weights of 1 byte (int8, int16
// activations with 8-bit weights, as Ethos-U) or 2 (fp16), plus per output channel the bias
// and requantisation scale (10 bytes in integer modes, as Vela packs them; 2 in fp16). Folded
// batch norms add nothing; a batch norm that runs alone has a scale and a shift per channel.
int64_t node_weight_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, ir::NodeId node, bool folded);
// The weight bytes of a kernel's nodes; a batch norm after a conv or linear in the kernel is folded.
int64_t kernel_weight_bytes(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel);

}  // namespace hwnas::hw
