// The measured hardware targets "cpu" and "cuda": real wall-clock latency through libtorch.
//
//   auto cpu = libtorch::make_cpu_target();              // 1 thread; see MeasureOptions
//   auto net = cpu->measure_network(graph);             // median, IQR, noise report in notes
//   for (const hw::Kernel& k : cpu->partition(graph))   // one op each, conv+bn folded
//     auto km = cpu->measure_kernel(graph, k);          // the kernel alone, as a subgraph
//
// Kernels are libtorch's eager units: one ATen call per op (see libtorch::eager_partition).
// measure_kernel times a kernel alone as ir::extract_subgraph of its nodes, fed random inputs,
// with its inputs and weights hot in cache. The cpu target's measure_network also reports every
// kernel timed in context (MeasureOptions::kernels_in_context, time_graph_in_context): inside
// runs of the whole network, scaled to sum to the network's median; these are what an estimator
// learns from, since kernels timed alone add up to 20-40 % less than the network. The "cuda" target always exists; without a usable
// device its measurements return the Error "CUDA is not available in this libtorch build / on
// this machine: ...".
#pragma once

#include <memory>

#include "hwnas/hw/registry.h"
#include "hwnas/hw/target.h"
#include "hwnas/torch/measure.h"

namespace hwnas::libtorch {

// Target "cpu" (kind "cpu"): this machine's CPU with options.threads intra-op threads.
std::unique_ptr<hw::Target> make_cpu_target(const MeasureOptions& options = {});

// Target "cuda" (kind "cuda"; "cuda:N" for options.cuda_device N > 0).
std::unique_ptr<hw::Target> make_cuda_target(const MeasureOptions& options = {});

// MeasureOptions from the registry's TargetOptions: threads, warmup_runs, timed_runs and seed
// where set, the MeasureOptions defaults elsewhere.
MeasureOptions measure_options_from(const hw::TargetOptions& options);

// Adds "cpu" and "cuda" to `registry`. Names it then accepts: "cpu" (TargetOptions::threads
// threads, default 1), "cpu:N" (N threads), "cuda" (device 0), "cuda:N" (device N). "cuda" is
// registered even where CUDA is missing; its measurements then return the Error above.
Status register_torch_targets(hw::TargetRegistry& registry);

}  // namespace hwnas::libtorch
