// CPU measurement stability (cv within a session, drift of the median between sessions) and the
// latency of every zoo model on the "cpu" target, beside its FLOPs and each simulator preset's.
//
//   bench_cpu_stability [threads]     (default 1; about a minute on 2 cores)
//
// Part 1 measures three models three times each (a "session" = warm-up + timed runs) and prints
// the coefficient of variation inside each session and the drift (max - min over the middle) of
// the three sessions' medians and of their fastest runs. Part 2
// prints one row per zoo model: FLOPs, CPU median and cv, and the simulated latency per preset.
#include <CLI/CLI.hpp>

#include "bench_cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hwnas/analysis/cost.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/registry.h"
#include "hwnas/torch/measure.h"
#include "hwnas/zoo/zoo.h"

using namespace hwnas;

namespace {

Result<ir::Graph> model(const std::string& name) {
  zoo::ZooOptions options;
  options.resolution = 224;
  return zoo::build_model(name, options);
}

void stability(const libtorch::MeasureOptions& options) {
  std::printf("== CPU stability: %s, %d warm-up + %d timed runs per session, 3 sessions%s ==\n",
              libtorch::describe_device(libtorch::Device::Cpu, options).c_str(), options.warmup_runs,
              options.timed_runs, libtorch::load_warning().c_str());
  std::printf("%-20s %11s %10s %7s %7s %7s %9s %11s %9s\n", "model@224", "median us", "IQR us", "cv1 %", "cv2 %",
              "cv3 %", "drift %", "min us", "drift %");
  for (const char* name : {"mobilenet_v2", "resnet18", "mobilenet_v3_small"}) {
    auto graph = model(name);
    if (!graph) {
      std::printf("%-20s %s\n", name, graph.error().message.c_str());
      continue;
    }
    std::vector<libtorch::TimingStats> sessions;
    for (int s = 0; s < 3; ++s) {
      libtorch::MeasureOptions session = options;
      session.seed = static_cast<uint64_t>(s);
      auto timing = libtorch::time_graph(*graph, libtorch::Device::Cpu, session);
      if (!timing) {
        std::printf("%-20s %s\n", name, timing.error().message.c_str());
        break;
      }
      sessions.push_back(*timing);
    }
    if (sessions.size() != 3) continue;
    // The middle of the three sessions' medians (and minima), and their spread relative to it.
    auto middle_and_drift = [&](double libtorch::TimingStats::*field) {
      std::vector<double> values;
      for (const auto& s : sessions) values.push_back(s.*field);
      std::sort(values.begin(), values.end());
      return std::pair<double, double>{values[1], 100.0 * (values[2] - values[0]) / values[1]};
    };
    auto [median, median_drift] = middle_and_drift(&libtorch::TimingStats::median_us);
    auto [fastest, fastest_drift] = middle_and_drift(&libtorch::TimingStats::min_us);
    std::printf("%-20s %11.1f %10.1f %7.2f %7.2f %7.2f %9.2f %11.1f %9.2f\n", name, median, sessions[0].iqr_us,
                sessions[0].cv_percent, sessions[1].cv_percent, sessions[2].cv_percent, median_drift, fastest,
                fastest_drift);
    std::printf("  %s\n", libtorch::noise_report(sessions[0], "session 1", options.noisy_cv_percent).c_str());
  }
}

void zoo_latency(const libtorch::MeasureOptions& options) {
  std::vector<std::string> presets = hw::preset_names();
  std::printf("\n== Zoo latency at 224x224, batch 1: CPU (%s, batch norm folded) and simulated presets ==\n",
              libtorch::describe_device(libtorch::Device::Cpu, options).c_str());
  std::printf("%-28s %9s %11s %7s", "model", "GFLOPs", "cpu ms", "cv %");
  for (const auto& p : presets) std::printf(" %15s", (p + " ms").c_str());
  std::printf("\n");
  for (const std::string& name : zoo::model_names()) {
    auto graph = model(name);
    if (!graph) {
      std::printf("%-28s %s\n", name.c_str(), graph.error().message.c_str());
      continue;
    }
    double gflops = static_cast<double>(analysis::analyze_cost(*graph).flops) / 1e9;
    auto timing = libtorch::time_graph(*graph, libtorch::Device::Cpu, options);
    if (!timing) {
      std::printf("%-28s %s\n", name.c_str(), timing.error().message.c_str());
      continue;
    }
    std::printf("%-28s %9.3f %11.2f %7.2f", name.c_str(), gflops, timing->median_us / 1000, timing->cv_percent);
    for (const auto& p : presets) {
      auto target = hw::make_target(p);
      auto simulated = target ? (*target)->measure_network(*graph) : Result<hw::NetworkMeasurement>(target.error());
      if (simulated)
        std::printf(" %15.3f", simulated->latency_us / 1000);
      else
        std::printf(" %15s", "error");
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::string load = libtorch::load_warning();
  std::printf("after the table: %s\n", load.empty() ? "load average below the CPU count" : load.substr(2).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  libtorch::MeasureOptions options;
  options.threads = 1;
  CLI::App app{
      "CPU measurement stability (cv within a session, drift of the median between sessions) and the "
      "latency of every zoo model on the \"cpu\" target, beside its FLOPs and each simulator preset's"};
  const CLI::Validator positive = hwnas::bench::positive_number();
  app.option_defaults()->always_capture_default();
  app.add_option("threads", options.threads, "torch threads of every measurement")->check(positive);
  CLI11_PARSE(app, argc, argv);
  options.warmup_runs = 3;
  options.timed_runs = 30;
  options.time_budget_s = 3;  // per session; at least 5 timed runs are kept
  stability(options);
  options.warmup_runs = 2;
  options.timed_runs = 15;
  options.time_budget_s = 2;
  zoo_latency(options);
  return 0;
}
