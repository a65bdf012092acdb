// NetworkScan: the estimator's allocation-free pass over a network: kernels by fusion rules and the memory plan's levels.
//
// Prediction must take microseconds per network, and hw::partition_by_fusion and
// hw::place_tensors allocate per node (they build vectors of consumers and kernels). This
// scan computes the same partition and placement into buffers reused from network to
// network. It mirrors those two functions rule for rule; tests/estimator/network_scan_test.cpp
// checks that it agrees with them on the zoo and on sampled networks for every preset.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/estimator/memory_context.h"
#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator::detail {

struct KernelRoles;

class NetworkScan {
 public:
  // Splits `graph` by `rules` (as hw::partition_by_fusion).
  void partition(const ir::Graph& graph, const hw::FusionRules& rules);
  // Places its tensors by `plan` (as hw::place_tensors on the partition); requires partition().
  void place(const ir::Graph& graph, const MemoryPlan& plan);

  size_t kernel_count() const { return kernel_offset_.empty() ? 0 : kernel_offset_.size() - 1; }
  const ir::NodeId* kernel_nodes(size_t k) const { return kernel_nodes_.data() + kernel_offset_[k]; }
  size_t kernel_size(size_t k) const { return static_cast<size_t>(kernel_offset_[k + 1] - kernel_offset_[k]); }

  // After place(): where tensors live.
  bool off_chip(ir::NodeId id) const { return off_chip_[static_cast<size_t>(id)] != 0; }
  bool striped(ir::NodeId id) const { return striped_[static_cast<size_t>(id)] != 0; }
  bool weights_on_chip() const { return weights_on_chip_; }
  // The memory context of a kernel with these roles (as memory_context() reports it); requires place().
  KernelMemory memory_of(const KernelRoles& roles) const;

 private:
  void consumers_of(const ir::Graph& graph);

  // Node i's distinct readers: how many, and the first (the only one that matters to a chain).
  std::vector<int32_t> consumer_count_, first_consumer_;
  std::vector<uint8_t> is_output_, assigned_;
  std::vector<ir::NodeId> kernel_nodes_;
  std::vector<int32_t> kernel_offset_, kernel_of_;
  // Placement.
  std::vector<int32_t> last_reader_, first_reader_, reader_count_;
  std::vector<int64_t> resident_bytes_;
  std::vector<uint8_t> off_chip_, striped_;
  std::vector<ir::NodeId> live_, seen_;
  bool weights_on_chip_ = false;
  hw::AcceleratorSpec spec_;  // the plan's fields, for hw::storage_bytes and hw::node_weight_bytes
  MemoryPlan spec_plan_;
};

}  // namespace hwnas::estimator::detail
