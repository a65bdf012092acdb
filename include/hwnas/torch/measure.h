// Wall-clock latency of a graph run by libtorch on this CPU or a CUDA device, with its noise.
//
//   libtorch::MeasureOptions options;             // 1 thread, 5 warm-up runs, 50 timed runs
//   auto timing = libtorch::time_graph(graph, libtorch::Device::Cpu, options);
//   if (timing) std::cout << timing->median_us << " us, cv " << timing->cv_percent << " %\n";
//
// This header does not include libtorch's, so users of the targets compile fast.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/timing.h"

namespace hwnas::libtorch {

enum class Device { Cpu, Cuda };

struct MeasureOptions {
  int threads = 1;                // intra-op threads (torch::set_num_threads) while timing; restored after
  int warmup_runs = 5;            // untimed runs first (allocator, caches, lazy init, clock ramp-up)
  int timed_runs = 50;            // timed samples; their latency_quantile is the latency
  double min_run_us = 100;        // a sample repeats the execution until it lasts at least this long
                                  // (so microsecond kernels are not lost in clock and call overhead)
  double time_budget_s = 20;      // stop timing after this long, keeping at least 5 samples
  // Which quantile of the samples a target reports as the latency: 0.5 the median; 0 the fastest
  // sample, the least disturbed by other processes on a loaded machine (the timeit advice).
  double latency_quantile = 0.5;
  double noisy_cv_percent = 5.0;  // above this coefficient of variation the report says "noisy"
  bool fold_batch_norm = true;    // run conv -> batch_norm pairs folded, as deployed for inference
  uint64_t seed = 0;              // of the weights (when the graph has none) and the random inputs
  int cuda_device = 0;            // which CUDA device (Device::Cuda only)
  // The "cpu" target's measure_network also times each kernel in context (time_graph_in_context)
  // and reports them; off, it times the network only (half the time).
  bool kernels_in_context = true;
};

// Ok when `device` can run here; for CUDA otherwise an Error that starts "CUDA is not available
// in this libtorch build / on this machine" and says which of the two.
Status device_available(Device device, int cuda_device = 0);

// "cpu, 1 thread" or "cuda:0": the device as the noise report names it.
std::string describe_device(Device device, const MeasureOptions& options);

// Times `graph` in inference mode (torch::InferenceMode, eval, batch norm folded unless told not
// to): builds its GraphModule (the graph's weights, else seeded ones), feeds inputs uniform in
// [-1, 1) drawn from the seed, runs warmup_runs times, then times timed_runs samples with
// std::chrono::steady_clock (CUDA: synchronised before reading the clock). Errors: a bad option,
// an unavailable device, a graph libtorch cannot run (the message names the node).
Result<TimingStats> time_graph(const ir::Graph& graph, Device device, const MeasureOptions& options = {});

// A network timed whole and kernel by kernel in context.
struct InContextTiming {
  TimingStats network;                // the whole graph as one module, as time_graph times it
  TimingStats chained;                // one run of all kernels' modules in turn (the sum of a run)
  std::vector<TimingStats> kernels;   // each kernel inside those runs
};

// Times `graph` as time_graph does and, interleaved with it sample by sample (so both see the
// same load), runs it kernel by kernel: each kernel of `kernels` (a partition of the graph's
// non-input nodes, in node order, e.g. libtorch::eager_partition) is its own module (its
// ir::extract_subgraph) fed the real tensors the kernels before it produced, and a timestamp
// after each kernel times it with its inputs and weights in the state the network leaves them
// (caches, allocator), its dispatch and the freeing of the tensors it read last. A run's kernel
// times sum to that run's time by construction. Kernels timed alone with their inputs and
// weights hot in cache add up to 20-40 % less than the network on a CPU; these do not.
// Errors as time_graph's, and a partition that misses or repeats a node.
Result<InContextTiming> time_graph_in_context(const ir::Graph& graph, const std::vector<hw::Kernel>& kernels,
                                              Device device, const MeasureOptions& options = {});

}  // namespace hwnas::libtorch
