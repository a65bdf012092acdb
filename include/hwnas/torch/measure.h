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

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/timing.h"

namespace hwnas::libtorch {

enum class Device { Cpu, Cuda };

struct MeasureOptions {
  int threads = 1;                // intra-op threads (torch::set_num_threads) while timing; restored after
  int warmup_runs = 5;            // untimed runs first (allocator, caches, lazy init, clock ramp-up)
  int timed_runs = 50;            // timed samples; the median is the latency
  double min_run_us = 100;        // a sample repeats the execution until it lasts at least this long
                                  // (so microsecond kernels are not lost in clock and call overhead)
  double time_budget_s = 20;      // stop timing after this long, keeping at least 5 samples
  double noisy_cv_percent = 5.0;  // above this coefficient of variation the report says "noisy"
  bool fold_batch_norm = true;    // run conv -> batch_norm pairs folded, as deployed for inference
  uint64_t seed = 0;              // of the weights (when the graph has none) and the random inputs
  int cuda_device = 0;            // which CUDA device (Device::Cuda only)
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

}  // namespace hwnas::libtorch
