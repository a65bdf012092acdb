// The "cpu" and "cuda" targets: eager partition, kernels timed as subgraphs or in context, networks timed whole.
#include "hwnas/torch/targets.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/subgraph.h"
#include "hwnas/torch/partition.h"

namespace hwnas::libtorch {
namespace {

class TorchTarget : public hw::Target {
 public:
  TorchTarget(Device device, const MeasureOptions& options) : device_(device), options_(options) {}

  std::string name() const override {
    if (device_ == Device::Cpu) return "cpu";
    return options_.cuda_device == 0 ? "cuda" : "cuda:" + std::to_string(options_.cuda_device);
  }
  std::string kind() const override { return device_ == Device::Cpu ? "cpu" : "cuda"; }

  std::vector<hw::Kernel> partition(const ir::Graph& graph) const override {
    return eager_partition(graph, options_.fold_batch_norm);
  }

  Result<hw::KernelMeasurement> measure_kernel(const ir::Graph& graph, const hw::Kernel& kernel) override {
    const std::string where = "target '" + name() + "': kernel of graph '" + graph.name() + "'";
    if (kernel.nodes.empty()) return Error{where + ": has no nodes"};
    hw::KernelMeasurement measurement;
    measurement.nodes = kernel.nodes;
    for (ir::NodeId id : kernel.nodes) {
      if (id < 0 || static_cast<size_t>(id) >= graph.size())
        return Error{where + ": node id " + std::to_string(id) + " is not a node of the graph"};
      const ir::Node& node = graph.node(id);
      if (node.kind == ir::OpKind::Input) return Error{where + ": " + node.describe() + " is an input, not work"};
      measurement.label += (measurement.label.empty() ? "" : "+") + std::string(ir::op_name(node.kind));
      measurement.macs += analysis::layer_cost(graph, id).macs;
    }
    auto subgraph = ir::extract_subgraph(graph, kernel.nodes);
    if (!subgraph) return subgraph.error().within(where);
    auto timing = time_graph(*subgraph, device_, options_);
    if (!timing) return timing.error().within("target '" + name() + "'");
    measurement.latency_us = timing->latency_us;
    measurement.spread_us = timing->iqr_us;
    return measurement;
  }

  Result<hw::NetworkMeasurement> measure_network(const ir::Graph& graph) override {
    if (device_ == Device::Cpu && options_.kernels_in_context) return measure_in_context(graph);
    auto timing = time_graph(graph, device_, options_);
    if (!timing) return timing.error().within("target '" + name() + "'");
    hw::NetworkMeasurement measurement;
    measurement.latency_us = timing->latency_us;
    measurement.spread_us = timing->iqr_us;
    std::string what = describe_device(device_, options_);
    if (options_.fold_batch_norm) what += ", batch norm folded";
    measurement.notes = noise_report(*timing, what, options_.noisy_cv_percent);
    if (device_ == Device::Cpu) measurement.notes += load_warning();
    return measurement;
  }

 private:
  // The network and, interleaved with it, its kernels in context (time_graph_in_context). The
  // kernels' latencies are scaled by one factor so that they sum to the network's: what a
  // kernel costs inside this network, with the network's own dispatch and caches.
  Result<hw::NetworkMeasurement> measure_in_context(const ir::Graph& graph) {
    const std::vector<hw::Kernel> kernels = partition(graph);
    auto timing = time_graph_in_context(graph, kernels, device_, options_);
    if (!timing) return timing.error().within("target '" + name() + "'");
    hw::NetworkMeasurement measurement;
    measurement.latency_us = timing->network.latency_us;
    measurement.spread_us = timing->network.iqr_us;
    double kernel_sum_us = 0;
    for (const TimingStats& k : timing->kernels) kernel_sum_us += k.latency_us;
    const double scale = kernel_sum_us > 0 ? measurement.latency_us / kernel_sum_us : 1.0;
    for (size_t k = 0; k < kernels.size(); ++k) {
      hw::KernelMeasurement km;
      km.nodes = kernels[k].nodes;
      for (ir::NodeId id : km.nodes) {
        if (!km.label.empty()) km.label += '+';
        km.label += ir::op_name(graph.node(id).kind);
        km.macs += analysis::layer_cost(graph, id).macs;
      }
      km.latency_us = scale * timing->kernels[k].latency_us;
      km.spread_us = scale * timing->kernels[k].iqr_us;
      measurement.kernels.push_back(std::move(km));
    }
    std::string what = describe_device(device_, options_);
    if (options_.fold_batch_norm) what += ", batch norm folded";
    measurement.notes = noise_report(timing->network, what, options_.noisy_cv_percent);
    char ratio[96];
    std::snprintf(ratio, sizeof ratio, "; kernels timed in context (before scaling they sum to %.1f %% of the network)",
                  100.0 * kernel_sum_us / std::max(measurement.latency_us, 1e-9));
    measurement.notes += ratio;
    measurement.notes += load_warning();
    return measurement;
  }

  Device device_;
  MeasureOptions options_;
};

// The N of "name:N" as a non-negative int; -1 when there is no ":N", -2 when N is malformed.
int argument_number(std::string_view name_colon_argument) {
  size_t colon = name_colon_argument.find(':');
  if (colon == std::string_view::npos) return -1;
  std::string_view text = name_colon_argument.substr(colon + 1);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0) return -2;
  return value;
}

}  // namespace

std::unique_ptr<hw::Target> make_cpu_target(const MeasureOptions& options) {
  return std::make_unique<TorchTarget>(Device::Cpu, options);
}

std::unique_ptr<hw::Target> make_cuda_target(const MeasureOptions& options) {
  return std::make_unique<TorchTarget>(Device::Cuda, options);
}

MeasureOptions measure_options_from(const hw::TargetOptions& options) {
  MeasureOptions measure;
  if (options.threads > 0) measure.threads = options.threads;
  if (options.warmup_runs >= 0) measure.warmup_runs = options.warmup_runs;
  if (options.timed_runs > 0) measure.timed_runs = options.timed_runs;
  measure.seed = options.seed;
  return measure;
}

Status register_torch_targets(hw::TargetRegistry& registry) {
  Status cpu = registry.add(
      {"cpu", "cpu", "this machine's CPU measured through libtorch (cpu:N for N threads; default 1)"},
      [](std::string_view name, const hw::TargetOptions& options) -> Result<std::unique_ptr<hw::Target>> {
        MeasureOptions measure = measure_options_from(options);
        int threads = argument_number(name);
        if (threads == -2 || threads == 0)
          return Error{"target '" + std::string(name) + "': expected cpu or cpu:N with N threads, N >= 1"};
        if (threads > 0) measure.threads = threads;
        return make_cpu_target(measure);
      });
  if (!cpu) return cpu;
  return registry.add(
      {"cuda", "cuda", "a CUDA GPU measured through libtorch (cuda:N for device N; default 0)"},
      [](std::string_view name, const hw::TargetOptions& options) -> Result<std::unique_ptr<hw::Target>> {
        MeasureOptions measure = measure_options_from(options);
        int device = argument_number(name);
        if (device == -2) return Error{"target '" + std::string(name) + "': expected cuda or cuda:N with device N >= 0"};
        if (device > 0) measure.cuda_device = device;
        return make_cuda_target(measure);
      });
}

}  // namespace hwnas::libtorch
