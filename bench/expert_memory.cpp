// The expert memory route (the seed's Blink classifier): a classifier baseline optimised by the
// expert under a parameter + peak-activation budget, reporting each step and each reduction.
//
//   bench_expert_memory [model=mobilenet_v2] [target=ethos-u55-256] [reduction=0.47] [resolution=224]
// The budget is (1 - reduction) x the baseline's parameters and peak activation memory (int8,
// graph order): the seed reports a 47 % cut of both for its classifier.
#include <CLI/CLI.hpp>

#include "bench_cli.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hwnas/expert/optimize.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/zoo/zoo.h"

using namespace hwnas;

int main(int argc, char** argv) {
  std::string model = "mobilenet_v2";
  std::string preset = "ethos-u55-256";
  double reduction = 0.47;
  zoo::ZooOptions zoo_options;
  zoo_options.resolution = 224;
  CLI::App app{
      "The expert memory route (the seed's Blink classifier): a classifier baseline optimised by the "
      "expert under a parameter + peak-activation budget, reporting each step and each reduction"};
  const CLI::Validator positive = hwnas::bench::positive_number();
  app.option_defaults()->always_capture_default();
  app.add_option("model", model, "zoo model to optimise");
  app.add_option("target", preset, "simulator preset");
  app.add_option("reduction", reduction,
                 "budget = (1 - reduction) x the baseline's parameters and peak activation memory")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("resolution", zoo_options.resolution, "input height and width")->check(positive);
  CLI11_PARSE(app, argc, argv);
  auto graph = zoo::build_model(model, zoo_options);
  auto spec = hw::load_preset(preset);
  if (!graph || !spec) {
    std::fprintf(stderr, "%s\n", (!graph ? graph.error() : spec.error()).message.c_str());
    return 1;
  }
  hw::SimulatorTarget target(*spec);
  auto latency = expert::target_latency(target);
  auto baseline = expert::measure_cost(*graph, latency);
  if (!baseline) return 1;
  expert::OptimizeOptions options;
  options.max_steps = 24;
  options.budget.params = static_cast<int64_t>(static_cast<double>(baseline->params) * (1 - reduction));
  options.budget.peak_activation_bytes =
      static_cast<int64_t>(static_cast<double>(baseline->peak_activation_bytes) * (1 - reduction));
  std::printf("%s %lldx%lld on %s (channel multiple %lld): budget params <= %lld, peak activations <= %lld bytes "
              "(-%.0f%% of each)\n",
              model.c_str(), static_cast<long long>(zoo_options.resolution),
              static_cast<long long>(zoo_options.resolution), preset.c_str(),
              static_cast<long long>(target.channel_multiple()), static_cast<long long>(*options.budget.params),
              static_cast<long long>(*options.budget.peak_activation_bytes), reduction * 100);
  auto start = std::chrono::steady_clock::now();
  auto result = expert::optimize(*graph, latency, expert::default_search_patterns(target.channel_multiple()), options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result) {
    std::fprintf(stderr, "%s\n", result.error().message.c_str());
    return 1;
  }
  std::printf("%4s  %-28s %-26s %12s %12s %12s\n", "step", "rewrite", "at", "params", "peak act B", "latency us");
  std::printf("%4d  %-28s %-26s %12lld %12lld %12.1f\n", 0, "baseline", "", static_cast<long long>(baseline->params),
              static_cast<long long>(baseline->peak_activation_bytes), baseline->latency_us);
  for (size_t i = 0; i < result->steps.size(); ++i) {
    const auto& s = result->steps[i];
    std::printf("%4zu  %-28s %-26s %12lld %12lld %12.1f\n", i + 1, s.record.pattern.c_str(), s.record.location.c_str(),
                static_cast<long long>(s.after.params), static_cast<long long>(s.after.peak_activation_bytes),
                s.after.latency_us);
  }
  const auto& f = result->final_cost;
  auto cut = [](double before, double after) { return 100.0 * (1.0 - after / before); };
  std::printf("reduction: params %.1f%%, peak activations %.1f%%, latency %.1f%%; budget %s; %lld candidates in %.1f s\n",
              cut(static_cast<double>(baseline->params), static_cast<double>(f.params)),
              cut(static_cast<double>(baseline->peak_activation_bytes), static_cast<double>(f.peak_activation_bytes)),
              cut(baseline->latency_us, f.latency_us), result->budget_met ? "met" : "NOT met",
              static_cast<long long>(result->candidates_evaluated), seconds);
  std::printf("seed (Blink classifier): -47%% parameters and intermediate memory; accuracy here is not measured "
              "(changed layers need fine-tuning)\n");
  return 0;
}
