// Target: the interface every hardware target implements (simulator, CPU, CUDA, external command).
//
// A target splits a network into the kernels it executes (its fusion rules), and measures a
// kernel, or a whole network, returning latency and whatever detail it can observe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::hw {

// Nodes of one graph that the target executes as one unit (a fused chain), in node order.
struct Kernel {
  std::vector<ir::NodeId> nodes;
};

// What is bounding a kernel's time on a simulated accelerator.
enum class Bound { Unknown, Compute, Memory, Elementwise, Overhead };
const char* bound_name(Bound bound);

struct KernelMeasurement {
  std::vector<ir::NodeId> nodes;
  std::string label;            // e.g. "conv2d+batch_norm+relu6"
  double latency_us = 0;        // median for measured targets
  double spread_us = 0;         // measured targets: interquartile range of repeats; simulator: 0
  // Detail a simulator reports; zero where a target cannot observe it.
  int64_t cycles = 0;
  int64_t macs = 0;
  double mac_utilisation = 0;   // achieved MACs per cycle over peak MACs per cycle, in [0, 1]
  Bound bound = Bound::Unknown;
  int64_t sram_bytes = 0;       // bytes moved to or from on-chip memory
  int64_t dram_bytes = 0;       // bytes moved to or from off-chip memory
  double energy_uj = 0;
  // Simulator: Vela's per-layer columns. The NPU's busy cycles (MAC array and output unit in
  // their block pipeline), the cycles of its SRAM and off-chip traffic (the kernel takes the
  // largest of the three plus its overhead), and the SRAM its live tensors hold while it runs.
  double npu_cycles = 0;
  double sram_cycles = 0;
  double dram_cycles = 0;
  int64_t sram_usage_bytes = 0;
};

struct NetworkMeasurement {
  double latency_us = 0;
  double spread_us = 0;
  double energy_uj = 0;
  std::vector<KernelMeasurement> kernels;  // empty where a target times the network only
  std::string notes;                       // e.g. the noise report of a measured run
};

class Target {
 public:
  virtual ~Target() = default;
  // e.g. "ethos-u55-256", "cpu", "cuda", "command:my-phone".
  virtual std::string name() const = 0;
  // "simulator", "cpu", "cuda" or "command".
  virtual std::string kind() const = 0;
  // Splits `graph` into the kernels this target runs, covering every non-input node once.
  virtual std::vector<Kernel> partition(const ir::Graph& graph) const = 0;
  virtual Result<KernelMeasurement> measure_kernel(const ir::Graph& graph, const Kernel& kernel) = 0;
  virtual Result<NetworkMeasurement> measure_network(const ir::Graph& graph) = 0;
  // The channel count this target works in multiples of (its parallelism factor along
  // channels), for curating a search space; 1 where the target has none or does not know it.
  virtual int64_t channel_multiple() const { return 1; }
};

}  // namespace hwnas::hw
