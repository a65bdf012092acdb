// Memory context of kernels: where a target's memory plan keeps each kernel's tensors and weights.
//
//   auto kernels = hw::partition_by_fusion(graph, info.fusion);
//   auto memory = estimator::memory_context(graph, kernels, info.memory);
//   memory[3].input_off_chip;   // kernel 3 reads its main input from off-chip memory
//
// A kernel's latency on an accelerator depends on whether its tensors fit on chip next to the
// others alive at that moment, which its own shapes do not tell. For a target whose memory plan
// is known (a simulated accelerator: MemoryPlan from its spec) this runs the plan
// (hw::place_tensors) on the whole network and reports, per kernel, the levels the features
// kInputOffChip ... kOutputStriped carry.
#pragma once

#include <vector>

#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator {

struct KernelMemory {
  bool input_off_chip = false;
  bool output_off_chip = false;
  bool other_off_chip = false;
  bool weights_off_chip = false;
  bool output_striped = false;
};

// One entry per kernel of `kernels` (a partition of `graph`); empty when !plan.known.
std::vector<KernelMemory> memory_context(const ir::Graph& graph, const std::vector<hw::Kernel>& kernels,
                                         const MemoryPlan& plan);

}  // namespace hwnas::estimator
