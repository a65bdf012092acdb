// Timing a graph's GraphModule on the CPU or a CUDA device, whole or kernel by kernel in context.
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

#include "hwnas/ir/subgraph.h"
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
  if (!(o.latency_quantile >= 0 && o.latency_quantile <= 1))
    return Error{"measure options: latency_quantile must be in [0, 1]"};
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

// The modules of the graph to time, set up alike by both timings.
ModuleOptions module_options_of(const MeasureOptions& options) {
  ModuleOptions module_options;
  module_options.seed = options.seed;
  module_options.fold_batch_norm = options.fold_batch_norm;
  return module_options;
}

// Runs `body`, turning a libtorch or standard exception into an Error naming `where`.
template <class Body>
auto guarded(const std::string& where, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const c10::Error& e) {
    return Error{where + ": libtorch: " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{where + ": " + e.what()};
  }
}

// The device a timing runs on, and the wait for its queued work.
struct TimingDevice {
  at::Device device;
  bool cuda;
  int cuda_device;

  TimingDevice(Device kind, const MeasureOptions& options)
      : device(kind == Device::Cuda ? at::Device(at::kCUDA, static_cast<int8_t>(options.cuda_device)) : at::Device(at::kCPU)),
        cuda(kind == Device::Cuda),
        cuda_device(options.cuda_device) {}
  void synchronise() const {
    if (cuda) ::torch::cuda::synchronize(cuda_device);
  }
};

// Valid options and an available device, or the Error (naming `where`) a timing returns.
Status check_timing(const std::string& where, Device device, const MeasureOptions& options) {
  if (Status valid = check_options(options); !valid) return valid.error().within(where);
  if (Status available = device_available(device, options.cuda_device); !available)
    return available.error().within(where);
  return {};
}

// Forward passes per timed sample, so that a sample lasts at least min_run_us.
int64_t iterations_per_sample(double fastest_us, const MeasureOptions& options) {
  if (fastest_us >= options.min_run_us) return 1;
  return std::min<int64_t>(100000, static_cast<int64_t>(std::ceil(options.min_run_us / std::max(fastest_us, 0.01))));
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
  if (Status ok = check_timing(where, device, options); !ok) return ok.error();
  auto module = make_graph_module(graph, module_options_of(options));
  if (!module) return module.error().within(where);

  const TimingDevice target(device, options);
  ThreadCountScope threads(options.threads);
  auto inputs = guarded(where, [&]() -> Result<std::vector<at::Tensor>> {
    (*module)->eval();
    (*module)->to(target.device);
    return random_inputs(graph, options.seed, target.device);
  });
  if (!inputs) return inputs.error();

  c10::InferenceMode inference;
  GraphModuleImpl& impl = **module;
  auto synchronise = [&] { target.synchronise(); };
  // The first run is checked: it reports a graph libtorch cannot run by node.
  if (auto first = impl.run(*inputs); !first) return first.error().within(where);

  const Clock::time_point start_all = Clock::now();
  return guarded(where, [&]() -> Result<TimingStats> {
    // Warm-up; its fastest run sizes the samples.
    double fastest_us = std::numeric_limits<double>::infinity();
    for (int i = 0; i < std::max(1, options.warmup_runs); ++i) {
      synchronise();
      Clock::time_point start = Clock::now();
      impl.forward_all(*inputs);
      synchronise();
      fastest_us = std::min(fastest_us, microseconds_since(start));
    }
    const int64_t iterations = iterations_per_sample(fastest_us, options);

    std::vector<double> samples;
    samples.reserve(static_cast<size_t>(options.timed_runs));
    const double budget_us = options.time_budget_s * 1e6;
    for (int r = 0; r < options.timed_runs; ++r) {
      synchronise();
      Clock::time_point start = Clock::now();
      for (int64_t i = 0; i < iterations; ++i) impl.forward_all(*inputs);
      synchronise();
      samples.push_back(microseconds_since(start) / static_cast<double>(iterations));
      if (samples.size() >= 5 && microseconds_since(start_all) > budget_us) break;
    }
    TimingStats stats = summarise_timings(std::move(samples), options.latency_quantile);
    stats.iterations_per_run = iterations;
    return stats;
  });
}

namespace {

// One kernel of a network as its own module, and where its tensors come from and go.
struct ChainedKernel {
  GraphModule module{nullptr};
  std::vector<ir::NodeId> inputs;   // the graph's tensors it reads, in its subgraph's input order
  std::vector<ir::NodeId> outputs;  // the graph's nodes its subgraph's outputs are, in order
  std::vector<ir::NodeId> freed;    // tensors it reads last (dropped after it runs)
};

// The kernels' modules and their wiring, as ir::extract_subgraph builds each kernel's graph:
// external tensors in order of first use; outputs the nodes read outside the kernel, graph
// outputs or nodes read by nobody (else the last node).
Result<std::vector<ChainedKernel>> chain_kernels(const ir::Graph& graph, const std::vector<hw::Kernel>& kernels,
                                                 const ModuleOptions& module_options) {
  std::vector<int> kernel_of(graph.size(), -1);
  for (size_t k = 0; k < kernels.size(); ++k)
    for (ir::NodeId id : kernels[k].nodes) {
      if (id < 0 || static_cast<size_t>(id) >= graph.size())
        return Error{"kernel " + std::to_string(k) + ": node id " + std::to_string(id) + " is not a node of the graph"};
      if (graph.node(id).kind == ir::OpKind::Input)
        return Error{"kernel " + std::to_string(k) + ": " + graph.node(id).describe() + " is an input, not work"};
      if (kernel_of[static_cast<size_t>(id)] != -1)
        return Error{graph.node(id).describe() + " is in two kernels"};
      kernel_of[static_cast<size_t>(id)] = static_cast<int>(k);
    }
  for (const ir::Node& node : graph.nodes())
    if (node.kind != ir::OpKind::Input && kernel_of[static_cast<size_t>(node.id)] == -1)
      return Error{node.describe() + " is in no kernel"};

  std::vector<bool> is_output(graph.size(), false);
  for (ir::NodeId id : graph.outputs()) is_output[static_cast<size_t>(id)] = true;
  const auto consumers = graph.consumers();
  std::vector<int> last_kernel_reading(graph.size(), -1);
  std::vector<ChainedKernel> chain(kernels.size());
  for (size_t k = 0; k < kernels.size(); ++k) {
    std::vector<ir::NodeId> nodes = kernels[k].nodes;
    std::sort(nodes.begin(), nodes.end());
    ChainedKernel& c = chain[k];
    for (ir::NodeId id : nodes)
      for (ir::NodeId producer : graph.node(id).inputs) {
        if (kernel_of[static_cast<size_t>(producer)] == static_cast<int>(k)) continue;
        if (kernel_of[static_cast<size_t>(producer)] > static_cast<int>(k))
          return Error{"kernel " + std::to_string(k) + " reads " + graph.node(producer).describe() +
                       " of a later kernel: the kernels are not in node order"};
        if (std::find(c.inputs.begin(), c.inputs.end(), producer) == c.inputs.end()) c.inputs.push_back(producer);
        last_kernel_reading[static_cast<size_t>(producer)] = static_cast<int>(k);
      }
    for (ir::NodeId id : nodes) {
      const auto& users = consumers[static_cast<size_t>(id)];
      const bool read_outside = std::any_of(users.begin(), users.end(), [&](ir::NodeId user) {
        return kernel_of[static_cast<size_t>(user)] != static_cast<int>(k);
      });
      if (read_outside || users.empty() || is_output[static_cast<size_t>(id)]) c.outputs.push_back(id);
    }
    if (c.outputs.empty()) c.outputs.push_back(nodes.back());
    auto subgraph = ir::extract_subgraph(graph, nodes);
    if (!subgraph) return subgraph.error();
    if (subgraph->inputs().size() != c.inputs.size() || subgraph->outputs().size() != c.outputs.size())
      return Error{"kernel " + std::to_string(k) + ": its subgraph's inputs or outputs are not those expected"};
    auto module = make_graph_module(*subgraph, module_options);
    if (!module) return module.error().within("kernel " + std::to_string(k));
    c.module = std::move(*module);
  }
  for (const ir::Node& node : graph.nodes()) {
    const int last = last_kernel_reading[static_cast<size_t>(node.id)];
    if (last >= 0 && !is_output[static_cast<size_t>(node.id)]) chain[static_cast<size_t>(last)].freed.push_back(node.id);
  }
  return chain;
}

}  // namespace

Result<InContextTiming> time_graph_in_context(const ir::Graph& graph, const std::vector<hw::Kernel>& kernels,
                                              Device device, const MeasureOptions& options) {
  const std::string where =
      "timing graph '" + graph.name() + "' kernel by kernel on " + describe_device(device, options);
  if (Status ok = check_timing(where, device, options); !ok) return ok.error();
  if (kernels.empty()) return Error{where + ": no kernels"};

  auto whole = make_graph_module(graph, module_options_of(options));
  if (!whole) return whole.error().within(where);
  auto chain = chain_kernels(graph, kernels, module_options_of(options));
  if (!chain) return chain.error().within(where);

  const TimingDevice target(device, options);
  ThreadCountScope threads(options.threads);
  auto placed = guarded(where, [&]() -> Result<std::vector<at::Tensor>> {
    (*whole)->eval();
    (*whole)->to(target.device);
    for (ChainedKernel& c : *chain) {
      c.module->eval();
      c.module->to(target.device);
    }
    return random_inputs(graph, options.seed, target.device);
  });
  if (!placed) return placed.error();
  const std::vector<at::Tensor>& inputs = *placed;

  c10::InferenceMode inference;
  if (auto first = (*whole)->run(inputs); !first) return first.error().within(where);
  auto synchronise = [&] { target.synchronise(); };
  const std::vector<ir::NodeId> input_ids = graph.inputs();
  std::vector<at::Tensor> values(graph.size());
  std::vector<at::Tensor> kernel_inputs;
  std::vector<double> kernel_us(chain->size(), 0.0);
  // One run kernel by kernel; adds each kernel's time to kernel_us.
  auto run_chained = [&] {
    for (size_t i = 0; i < input_ids.size(); ++i) values[static_cast<size_t>(input_ids[i])] = inputs[i];
    synchronise();
    Clock::time_point before = Clock::now();
    for (size_t k = 0; k < chain->size(); ++k) {
      ChainedKernel& c = (*chain)[k];
      kernel_inputs.clear();
      for (ir::NodeId id : c.inputs) kernel_inputs.push_back(values[static_cast<size_t>(id)]);
      std::vector<at::Tensor> produced = c.module->forward_all(kernel_inputs);
      for (size_t o = 0; o < produced.size(); ++o) values[static_cast<size_t>(c.outputs[o])] = std::move(produced[o]);
      kernel_inputs.clear();
      for (ir::NodeId id : c.freed) values[static_cast<size_t>(id)].reset();
      synchronise();
      const Clock::time_point after = Clock::now();
      kernel_us[k] += std::chrono::duration<double, std::micro>(after - before).count();
      before = after;
    }
    for (at::Tensor& v : values) v.reset();
  };

  const Clock::time_point start_all = Clock::now();
  return guarded(where, [&]() -> Result<InContextTiming> {
    double fastest_us = std::numeric_limits<double>::infinity();
    for (int i = 0; i < std::max(1, options.warmup_runs); ++i) {
      synchronise();
      Clock::time_point start = Clock::now();
      (*whole)->forward_all(inputs);
      synchronise();
      fastest_us = std::min(fastest_us, microseconds_since(start));
      run_chained();
    }
    const int64_t iterations = iterations_per_sample(fastest_us, options);

    std::vector<double> network_samples, chained_samples;
    std::vector<std::vector<double>> kernel_samples(chain->size());
    const double budget_us = options.time_budget_s * 1e6;
    for (int r = 0; r < options.timed_runs; ++r) {
      synchronise();
      Clock::time_point start = Clock::now();
      for (int64_t i = 0; i < iterations; ++i) (*whole)->forward_all(inputs);
      synchronise();
      network_samples.push_back(microseconds_since(start) / static_cast<double>(iterations));
      std::fill(kernel_us.begin(), kernel_us.end(), 0.0);
      for (int64_t i = 0; i < iterations; ++i) run_chained();
      double chained_us = 0;
      for (size_t k = 0; k < chain->size(); ++k) {
        kernel_samples[k].push_back(kernel_us[k] / static_cast<double>(iterations));
        chained_us += kernel_samples[k].back();
      }
      chained_samples.push_back(chained_us);
      if (network_samples.size() >= 5 && microseconds_since(start_all) > budget_us) break;
    }
    InContextTiming timing;
    timing.network = summarise_timings(std::move(network_samples), options.latency_quantile);
    timing.network.iterations_per_run = iterations;
    timing.chained = summarise_timings(std::move(chained_samples), options.latency_quantile);
    timing.chained.iterations_per_run = iterations;
    for (std::vector<double>& samples : kernel_samples) {
      timing.kernels.push_back(summarise_timings(std::move(samples), options.latency_quantile));
      timing.kernels.back().iterations_per_run = iterations;
    }
    return timing;
  });
}

}  // namespace hwnas::libtorch
