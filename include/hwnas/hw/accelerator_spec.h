// AcceleratorSpec: the YAML description of a configurable neural accelerator (docs/targets.md).
//
//   auto spec = hw::load_accelerator_spec("targets/ethos-u55-256.yaml");
//   if (!spec) std::cerr << spec.error().message;  // names the file, line and field
//   spec->macs_per_cycle();   // 256: micro-block 2x2x8 times a dot-product width of 8
//   spec->peak_tops();        // 0.256: 2 x 256 MACs x 500 MHz
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/hw/fusion.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"
#include "hwnas/ir/result.h"

namespace hwnas::hw {

// The MAC array (Vela's model of Ethos-U: an output micro-block of height x width x depth
// outputs, each a dot product `dot_product_width` input channels wide per cycle).
struct MacArraySpec {
  int64_t micro_block_height = 2;
  int64_t micro_block_width = 2;
  int64_t micro_block_depth = 8;  // output channels of a micro-block: the OFM depth quantum
  int64_t dot_product_width = 8;  // MACs along input channels per output per cycle (int8)
  int64_t ifm_block_depth = 32;   // input channels consumed per block step (int8)
  int64_t cores = 1;              // identical cores splitting the output depth
  int64_t max_block_height = 32;  // largest OFM block the array tiles the output into
  int64_t max_block_width = 64;
  int64_t max_block_depth = 128;
  int64_t shared_buffer_bytes = 46 * 1024;  // holds double-buffered IFM blocks and accumulators
  int64_t accumulator_bytes = 4;            // per output element of a block
  int64_t depthwise_kernel_step = 4;        // kernel elements a depthwise step covers
  int64_t weight_bytes_per_cycle = 8;       // weight decoder rate: bounds a step's cycles from below
  int64_t small_block_delay_cycles = 2;     // stall per kernel step of one-micro-block blocks
  bool part_kernel_first = true;            // shallow inputs may traverse the kernel before depth
};

// Cycles per output element on the elementwise / activation (vector) unit, per core.
struct VectorUnitSpec {
  double default_cycles = 0.25;  // a conv / linear output stage, copies, max pooling output
  double relu_cycles = 0.25;     // relu, relu6, clip
  double lut_cycles = 1.0;       // sigmoid, swish, hard_swish, hard_sigmoid (table look-up)
  double add_cycles = 0.75;      // add with rescaled inputs
  double mul_cycles = 0.375;
  double batch_norm_cycles = 0.375;  // a batch norm that no conv absorbs: a scale and a shift
  double resize_cycles = 0.25;       // per output element (bilinear reads four)
  double softmax_cycles = 4.0;       // exp, sum and divide through look-up tables
};

// One memory level. Bandwidth is held in bytes per core clock cycle.
struct MemoryLevelSpec {
  int64_t size_bytes = 0;  // SRAM only; off-chip memory is unbounded
  double bytes_per_cycle = 0;
  int64_t read_latency_cycles = 0;
  int64_t write_latency_cycles = 0;
  int64_t burst_bytes = 32;  // transfers shorter than this waste the rest of the burst
};

// Energy per action, in picojoules.
struct EnergySpec {
  double mac_pj = 0.16;
  double vector_element_pj = 0.3;
  double sram_byte_pj = 4.05;
  double dram_byte_pj = 64.0;
};

struct AcceleratorSpec {
  std::string name;
  std::string description;
  std::string source;  // file name (or "preset <name>") the spec was read from
  double clock_mhz = 500;
  ir::Precision precision = ir::Precision::Int8;
  MacArraySpec mac_array;
  VectorUnitSpec vector_unit;
  int64_t channel_padding = 16;  // storage rounds channels up to this multiple
  MemoryLevelSpec sram;
  MemoryLevelSpec dram;
  int64_t weight_cache_bytes = 0;  // on-chip space that keeps a network's weights across inferences
  int64_t command_overhead_cycles = 0;
  FusionRules fusion;
  EnergySpec energy;

  // Whether activations are 16 bits wide (int16 and fp16 halve the IFM block depth and the
  // dot-product width, as Vela does for int16), at the spec's precision or at `p`.
  bool wide_activations() const { return wide_activations(precision); }
  static bool wide_activations(ir::Precision p) { return p != ir::Precision::Int8; }
  // The precision a node's output is computed in: its own (mixed precision) when both are
  // integer precisions, else the spec's (ir::layer_precision).
  ir::Precision precision_of(const ir::Node& node) const { return ir::layer_precision(node.precision, precision); }
  // Peak MACs per cycle at int8: micro-block H x W x depth x dot-product width x cores.
  int64_t int8_macs_per_cycle() const;
  // Peak MACs per cycle at the spec's precision, or at `p`.
  int64_t macs_per_cycle() const { return macs_per_cycle(precision); }
  int64_t macs_per_cycle(ir::Precision p) const;
  // Peak operations per second, 2 x MACs x clock, in tera-ops (at the spec's precision).
  double peak_tops() const;
  // Bytes per second of a level's bandwidth, in GB/s.
  double bandwidth_gbps(const MemoryLevelSpec& level) const;
  // The channel multiple a network should use (the larger of the OFM and IFM quanta).
  int64_t channel_multiple() const;
  // IFM block depth and dot-product width at the spec's precision, or at `p` (never below 1).
  int64_t ifm_block_depth() const { return ifm_block_depth(precision); }
  int64_t ifm_block_depth(ir::Precision p) const;
  int64_t dot_product_width() const { return dot_product_width(precision); }
  int64_t dot_product_width(ir::Precision p) const;
  // Bytes of one activation element at `p` on this accelerator (1 for int8, 2 for 16-bit).
  static int64_t activation_bytes(ir::Precision p) { return wide_activations(p) ? 2 : 1; }
};

// Parses a spec from YAML text. `source_name` names the file in errors. A malformed or
// impossible spec (zero MACs, a negative bandwidth, an unknown field, a wrong type, a missing
// field) is an Error naming the source, the line and the field.
Result<AcceleratorSpec> parse_accelerator_spec(std::string_view yaml_text, std::string_view source_name);
// Reads and parses a spec file.
Result<AcceleratorSpec> load_accelerator_spec(const std::string& path);
// The checks of parse_accelerator_spec for a spec built or edited in code: an Error naming the
// spec and the field when the simulator could not cost it (zero MACs, no bandwidth, ...).
Status check_accelerator_spec(const AcceleratorSpec& spec);

}  // namespace hwnas::hw
