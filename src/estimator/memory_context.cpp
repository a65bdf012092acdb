// Per-kernel memory context from the target's memory plan (hw::place_tensors on the whole network).
#include "hwnas/estimator/memory_context.h"

#include "hwnas/hw/memory_placement.h"
#include "kernel_roles.h"

namespace hwnas::estimator {

std::vector<KernelMemory> memory_context(const ir::Graph& graph, const std::vector<hw::Kernel>& kernels,
                                         const MemoryPlan& plan) {
  std::vector<KernelMemory> context;
  if (!plan.known) return context;
  hw::AcceleratorSpec spec;  // only the fields place_tensors reads matter
  spec.sram.size_bytes = plan.sram_bytes;
  spec.weight_cache_bytes = plan.weight_cache_bytes;
  spec.channel_padding = plan.channel_padding;
  spec.precision = plan.precision;
  spec.fusion.cascade = plan.cascade;
  spec.mac_array.micro_block_height = plan.micro_block_height;
  const hw::TensorPlacement placement = hw::place_tensors(spec, graph, kernels);
  auto off_chip = [&](ir::NodeId id) {
    return id != ir::kNoNode && placement.level[static_cast<size_t>(id)] == hw::MemoryLevel::Dram;
  };
  context.reserve(kernels.size());
  for (const hw::Kernel& kernel : kernels) {
    const detail::KernelRoles roles = detail::kernel_roles(graph, kernel);
    KernelMemory m;
    m.input_off_chip = off_chip(roles.main_input);
    m.output_off_chip = off_chip(roles.output);
    for (int i = 0; i < roles.other_count; ++i) m.other_off_chip = m.other_off_chip || off_chip(roles.other_inputs[i]);
    m.weights_off_chip = !placement.weights_on_chip;
    m.output_striped = placement.striped[static_cast<size_t>(roles.output)];
    context.push_back(m);
  }
  return context;
}

}  // namespace hwnas::estimator
