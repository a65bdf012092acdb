// Simulator throughput: kernels and networks simulated per second over the zoo, against analyze_cost on the
// same networks.
//
// For every accelerator preset, simulates every zoo model (measure_network: partition, tensor
// placement, per-kernel block search and costs) repeatedly for a fixed time, and reports
// networks/s and kernels/s. The reference, measured in the same run on the same networks, is
// analysis::analyze_cost (MACs, FLOPs and params of every layer): the ratio says how many
// cost analyses one simulation costs. Also reports measure_kernel calls per second (each
// re-derives the network's tensor placement so its result equals the network entry).
//
//   bench_sim_throughput     (no options; --help prints this summary)
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "hwnas/analysis/cost.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/zoo/zoo.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace hwnas;

constexpr double kSecondsPerFigure = 0.5;

// Runs `body` (one pass over the networks, returning the kernels it handled) until at least
// kSecondsPerFigure have passed; returns passes per second and kernels per second.
template <class Body>
std::pair<double, double> rate(Body body) {
  const auto start = Clock::now();
  int64_t passes = 0, kernels = 0;
  double elapsed = 0;
  do {
    kernels += body();
    ++passes;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < kSecondsPerFigure);
  return {static_cast<double>(passes) / elapsed, static_cast<double>(kernels) / elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Simulator throughput: kernels and networks simulated per second over the zoo, against analyze_cost "
      "on the same networks"};
  CLI11_PARSE(app, argc, argv);
  std::vector<ir::Graph> networks;
  for (const std::string& name : zoo::model_names()) {
    auto g = zoo::build_model(name);
    if (!g) {
      std::fprintf(stderr, "bench_sim_throughput: %s\n", g.error().message.c_str());
      return 1;
    }
    networks.push_back(std::move(*g));
  }
  const double n = static_cast<double>(networks.size());
  volatile int64_t sink = 0;

  auto [analyze_passes, unused] = rate([&] {
    int64_t layers = 0;
    for (const ir::Graph& g : networks) {
      auto cost = analysis::analyze_cost(g);
      sink = sink + cost.macs;
      layers += static_cast<int64_t>(cost.layers.size());
    }
    return layers;
  });
  (void)unused;
  const double analyze_networks_per_s = analyze_passes * n;
  std::printf("simulator throughput over %zu zoo networks (%.1f s per figure)\n", networks.size(),
              kSecondsPerFigure);
  std::printf("reference: analysis::analyze_cost  %10.0f networks/s\n\n", analyze_networks_per_s);
  std::printf("%-15s %8s %12s %12s %14s %16s\n", "preset", "kernels", "networks/s", "kernels/s",
              "x analyze_cost", "measure_kernel/s");
  for (const std::string& name : hw::preset_names()) {
    hw::SimulatorTarget target(*hw::load_preset(name));
    int64_t kernels_per_pass = 0;
    for (const ir::Graph& g : networks) kernels_per_pass += static_cast<int64_t>(target.partition(g).size());
    auto [passes, kernels_per_s] = rate([&] {
      int64_t kernels = 0;
      for (const ir::Graph& g : networks) {
        auto m = target.measure_network(g);
        kernels += static_cast<int64_t>(m->kernels.size());
        sink = sink + static_cast<int64_t>(m->latency_us);
      }
      return kernels;
    });
    const double networks_per_s = passes * n;
    // measure_kernel on the first network's kernels, one call each.
    const ir::Graph& first = networks.front();
    const auto first_kernels = target.partition(first);
    auto [kernel_passes, kernel_calls_per_s] = rate([&] {
      for (const hw::Kernel& k : first_kernels) sink = sink + target.measure_kernel(first, k)->cycles;
      return static_cast<int64_t>(first_kernels.size());
    });
    (void)kernel_passes;
    std::printf("%-15s %8lld %12.0f %12.0f %14.1f %16.0f\n", name.c_str(),
                static_cast<long long>(kernels_per_pass), networks_per_s, kernels_per_s,
                analyze_networks_per_s / networks_per_s, kernel_calls_per_s);
  }
  return sink == 42 ? 1 : 0;  // keep the work observable
}
