// Timing a graph's GraphModule on the CPU or a CUDA device: warm-up, calibrated samples, statistics.
#include "hwnas/torch/measure.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "hwnas/torch/module.h"

namespace hwnas::libtorch {
namespace {

using Clock = std::chrono::steady_clock;

// Sets torch's intra-op thread count for its lifetime and restores the previous one.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads) : previous_(at::get_num_threads()) { at::set_num_threads(threads); }
  ~ThreadCountScope() { at::set_num_threads(previous_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int previous_;
};

Status check_options(const MeasureOptions& o) {
  if (o.threads <= 0) return Error{"measure options: threads must be positive, got " + std::to_string(o.threads)};
  if (o.warmup_runs < 0) return Error{"measure options: warmup_runs must not be negative"};
  if (o.timed_runs <= 0) return Error{"measure options: timed_runs must be positive"};
  if (!(o.min_run_us >= 0)) return Error{"measure options: min_run_us must not be negative"};
  if (!(o.time_budget_s > 0)) return Error{"measure options: time_budget_s must be positive"};
  if (o.cuda_device < 0) return Error{"measure options: cuda_device must not be negative"};
  return {};
}

// Inputs uniform in [-1, 1) from the seed, one per Input node, made on the CPU then moved.
std::vector<at::Tensor> random_inputs(const ir::Graph& graph, uint64_t seed, const at::Device& device) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<at::Tensor> inputs;
  for (ir::NodeId id : graph.inputs()) {
    at::Tensor x = at::rand(graph.node(id).shape.dims, generator, at::TensorOptions().dtype(at::kFloat));
    inputs.push_back((x * 2 - 1).to(device));
  }
  return inputs;
}

double microseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

}  // namespace

Status device_available(Device device, int cuda_device) {
  if (device == Device::Cpu) return {};
  const char* prefix = "CUDA is not available in this libtorch build / on this machine: ";
  if (!at::hasCUDA()) return Error{std::string(prefix) + "this libtorch was built without CUDA support"};
  if (!::torch::cuda::is_available()) return Error{std::string(prefix) + "no CUDA device was found"};
  auto count = static_cast<int>(::torch::cuda::device_count());
  if (cuda_device >= count)
    return Error{"CUDA device " + std::to_string(cuda_device) + " does not exist: this machine has " +
                 std::to_string(count)};
  return {};
}

std::string describe_device(Device device, const MeasureOptions& options) {
  if (device == Device::Cuda) return "cuda:" + std::to_string(options.cuda_device);
  return "cpu, " + std::to_string(options.threads) + (options.threads == 1 ? " thread" : " threads");
}

Result<TimingStats> time_graph(const ir::Graph& graph, Device device, const MeasureOptions& options) {
  const std::string where = "timing graph '" + graph.name() + "' on " + describe_device(device, options);
  if (Status valid = check_options(options); !valid) return valid.error().within(where);
  if (Status available = device_available(device, options.cuda_device); !available)
    return available.error().within(where);

  ModuleOptions module_options;
  module_options.seed = options.seed;
  module_options.fold_batch_norm = options.fold_batch_norm;
  auto module = make_graph_module(graph, module_options);
  if (!module) return module.error().within(where);

  const at::Device target = device == Device::Cuda ? at::Device(at::kCUDA, static_cast<int8_t>(options.cuda_device))
                                                   : at::Device(at::kCPU);
  const bool cuda = device == Device::Cuda;
  ThreadCountScope threads(options.threads);
  std::vector<at::Tensor> inputs;
  try {
    (*module)->eval();
    (*module)->to(target);
    inputs = random_inputs(graph, options.seed, target);
  } catch (const c10::Error& e) {
    return Error{where + ": libtorch: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{where + ": " + e.what()};
  }

  c10::InferenceMode inference;
  GraphModuleImpl& impl = **module;
  auto synchronise = [&] {
    if (cuda) ::torch::cuda::synchronize(options.cuda_device);
  };
  // The first run is checked: it reports a graph libtorch cannot run by node.
  if (auto first = impl.run(inputs); !first) return first.error().within(where);

  const Clock::time_point start_all = Clock::now();
  try {
    // Warm-up; its fastest run sizes the samples.
    double fastest_us = std::numeric_limits<double>::infinity();
    for (int i = 0; i < std::max(1, options.warmup_runs); ++i) {
      synchronise();
      Clock::time_point start = Clock::now();
      impl.forward_all(inputs);
      synchronise();
      fastest_us = std::min(fastest_us, microseconds_since(start));
    }
    int64_t iterations = 1;
    if (fastest_us < options.min_run_us)
      iterations = std::min<int64_t>(100000, static_cast<int64_t>(std::ceil(options.min_run_us / std::max(fastest_us, 0.01))));

    std::vector<double> samples;
    samples.reserve(static_cast<size_t>(options.timed_runs));
    const double budget_us = options.time_budget_s * 1e6;
    for (int r = 0; r < options.timed_runs; ++r) {
      synchronise();
      Clock::time_point start = Clock::now();
      for (int64_t i = 0; i < iterations; ++i) impl.forward_all(inputs);
      synchronise();
      samples.push_back(microseconds_since(start) / static_cast<double>(iterations));
      if (samples.size() >= 5 && microseconds_since(start_all) > budget_us) break;
    }
    TimingStats stats = summarise_timings(std::move(samples));
    stats.iterations_per_run = iterations;
    return stats;
  } catch (const c10::Error& e) {
    return Error{where + ": libtorch: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{where + ": " + e.what()};
  }
}

}  // namespace hwnas::libtorch
