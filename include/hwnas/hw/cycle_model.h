// The cycle model of one kernel on a configurable accelerator, after Arm Vela's performance model.
//
// A kernel's time is max(NPU cycles, SRAM cycles, off-chip cycles) + a per-command overhead:
//  - NPU: the output is tiled into OFM blocks made of micro-blocks; per block the MAC array
//    (DPU) and the output / vector unit work in a pipeline, so a block costs max(dpu, vector)
//    and the kernel the sum over blocks plus one block's fill. Channel depths are quantised to
//    the array: OFM depth to the micro-block depth, IFM depth consumed ifm_block_depth at a time
//    (a ceil(C / ifm_block_depth) staircase); depthwise convolutions reduce over no input
//    depth and cover depthwise_kernel_step kernel elements per step.
//  - Memory: bytes per level (IFM re-read once per OFM depth block, weights streamed once,
//    outputs written once) scaled by burst efficiency, over the level's bandwidth.
// See docs/targets.md for every formula.
#pragma once

#include <cstdint>

#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/memory_placement.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

struct KernelCost {
  int64_t macs = 0;
  double dpu_cycles = 0;     // MAC array busy cycles (sum over blocks)
  double vector_cycles = 0;  // output / elementwise unit busy cycles (sum over blocks)
  double npu_cycles = 0;     // the two in a block pipeline
  int64_t sram_bytes = 0;    // bytes moved to or from SRAM
  int64_t dram_bytes = 0;    // bytes moved to or from off-chip memory
  double sram_cycles = 0;    // sram bytes scaled by burst efficiency over the SRAM bandwidth
  double dram_cycles = 0;
  double overhead_cycles = 0;   // command overhead plus first read and last write latency
  double cycles = 0;            // max(npu, sram, dram) + overhead
  int64_t vector_elements = 0;  // elements through the vector unit
  int64_t block_height = 0, block_width = 0, block_depth = 0;  // OFM block chosen (MAC kernels)
  Bound bound = Bound::Unknown;
  double latency_us = 0;
  double mac_utilisation = 0;  // macs / (cycles x peak MACs per cycle)
  double energy_uj = 0;
};

// The cost of `kernel` (nodes of `graph`) with its tensors placed by `placement`. Never fails on
// a valid graph: every operator kind has a cost.
KernelCost estimate_kernel(const AcceleratorSpec& spec, const ir::Graph& graph, const Kernel& kernel,
                           const TensorPlacement& placement);

}  // namespace hwnas::hw
