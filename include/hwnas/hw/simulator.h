// SimulatorTarget: a configurable neural accelerator, simulated analytically from its YAML spec.
//
//   auto spec = hw::load_accelerator_spec("my-npu.yaml");
//   hw::SimulatorTarget npu(*spec);
//   auto run = npu.measure_network(graph);   // per-kernel cycles, utilisation, bound, bytes, energy
//
// Kernels follow spec.fusion (see fusion.h), tensors are placed by memory_placement.h, and each
// kernel is costed by cycle_model.h. Deterministic: the same graph always gives the same numbers.
#pragma once

#include <string>
#include <vector>

#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/cycle_model.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

class SimulatorTarget : public Target {
 public:
  explicit SimulatorTarget(AcceleratorSpec spec) : spec_(std::move(spec)) {}

  std::string name() const override { return spec_.name; }
  std::string kind() const override { return "simulator"; }
  std::vector<Kernel> partition(const ir::Graph& graph) const override;
  // The kernel's cost with the tensors placed as they are when the whole graph runs, so the
  // result equals that kernel's entry in measure_network. Errors name a bad node id.
  Result<KernelMeasurement> measure_kernel(const ir::Graph& graph, const Kernel& kernel) override;
  Result<NetworkMeasurement> measure_network(const ir::Graph& graph) override;
  int64_t channel_multiple() const override { return spec_.channel_multiple(); }

  const AcceleratorSpec& spec() const { return spec_; }
  // The detailed cost of every kernel of `graph`, in partition order. The spec must pass
  // check_accelerator_spec (measure_* check it and return an Error otherwise).
  std::vector<KernelCost> simulate(const ir::Graph& graph, std::vector<Kernel>* kernels = nullptr,
                                   TensorPlacement* placement = nullptr) const;

 private:
  AcceleratorSpec spec_;
};

// A KernelMeasurement carrying a KernelCost.
KernelMeasurement to_measurement(const ir::Graph& graph, const Kernel& kernel, const KernelCost& cost);

}  // namespace hwnas::hw
