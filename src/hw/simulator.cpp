// The simulated accelerator target: partition by fusion rules, place tensors, cost each kernel.
#include "hwnas/hw/simulator.h"

#include <cmath>

#include "hwnas/hw/fusion.h"
#include "hwnas/hw/memory_placement.h"

namespace hwnas::hw {

KernelMeasurement to_measurement(const ir::Graph& graph, const Kernel& kernel, const KernelCost& cost) {
  KernelMeasurement m;
  m.nodes = kernel.nodes;
  m.label = kernel_label(graph, kernel);
  m.latency_us = cost.latency_us;
  m.spread_us = 0;
  m.cycles = static_cast<int64_t>(std::ceil(cost.cycles));
  m.macs = cost.macs;
  m.mac_utilisation = cost.mac_utilisation;
  m.bound = cost.bound;
  m.sram_bytes = cost.sram_bytes;
  m.dram_bytes = cost.dram_bytes;
  m.energy_uj = cost.energy_uj;
  m.npu_cycles = cost.npu_cycles;
  m.sram_cycles = cost.sram_cycles;
  m.dram_cycles = cost.dram_cycles;
  return m;
}

std::vector<Kernel> SimulatorTarget::partition(const ir::Graph& graph) const {
  return partition_by_fusion(graph, spec_.fusion);
}

std::vector<KernelCost> SimulatorTarget::simulate(const ir::Graph& graph, std::vector<Kernel>* kernels_out,
                                                  TensorPlacement* placement_out) const {
  std::vector<Kernel> kernels = partition(graph);
  TensorPlacement placement = place_tensors(spec_, graph, kernels);
  std::vector<KernelCost> costs;
  costs.reserve(kernels.size());
  for (const Kernel& kernel : kernels) costs.push_back(estimate_kernel(spec_, graph, kernel, placement));
  if (kernels_out) *kernels_out = std::move(kernels);
  if (placement_out) *placement_out = std::move(placement);
  return costs;
}

Result<KernelMeasurement> SimulatorTarget::measure_kernel(const ir::Graph& graph, const Kernel& kernel) {
  const std::string where = "target '" + spec_.name + "': kernel of graph '" + graph.name() + "'";
  if (kernel.nodes.empty()) return Error{where + ": has no nodes"};
  ir::NodeId previous = ir::kNoNode;
  for (ir::NodeId id : kernel.nodes) {
    if (id < 0 || static_cast<size_t>(id) >= graph.size())
      return Error{where + ": node id " + std::to_string(id) + " is not a node of the graph"};
    if (graph.node(id).kind == ir::OpKind::Input)
      return Error{where + ": " + graph.node(id).describe() + " is a graph input, which no kernel runs"};
    if (id <= previous) return Error{where + ": node ids must be distinct and in node order"};
    previous = id;
  }
  if (Status valid = check_accelerator_spec(spec_); !valid) return valid.error();
  const TensorPlacement placement = place_tensors(spec_, graph, partition(graph));
  return to_measurement(graph, kernel, estimate_kernel(spec_, graph, kernel, placement));
}

Result<NetworkMeasurement> SimulatorTarget::measure_network(const ir::Graph& graph) {
  if (graph.empty()) return Error{"target '" + spec_.name + "': graph '" + graph.name() + "' is empty"};
  if (Status valid = check_accelerator_spec(spec_); !valid) return valid.error();
  std::vector<Kernel> kernels;
  TensorPlacement placement;
  const std::vector<KernelCost> costs = simulate(graph, &kernels, &placement);
  NetworkMeasurement network;
  for (size_t k = 0; k < kernels.size(); ++k) {
    network.kernels.push_back(to_measurement(graph, kernels[k], costs[k]));
    network.kernels.back().sram_usage_bytes = placement.kernel_sram_bytes[k];
    network.latency_us += costs[k].latency_us;
    network.energy_uj += costs[k].energy_uj;
  }
  network.notes = "simulated " + spec_.name + " (" + spec_.source + ")";
  return network;
}

}  // namespace hwnas::hw
