// The expert latency route: a baseline optimised by the expert on a simulator preset, then its
// rewrites mined as rules and applied to a second model, against optimising that model directly;
// latency reduction and wall-clock time of each route.
//
//   bench_expert_latency [first=mobilenet_v2] [second=mnasnet_a1] [target=edge-tpu-like] [resolution=224]
// The seed: expert rewrites cut latency by 50 % where a full search cut 53 %.
#include <CLI/CLI.hpp>

#include "bench_cli.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hwnas/expert/optimize.h"
#include "hwnas/expert/rules.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/zoo/zoo.h"

using namespace hwnas;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string first = "mobilenet_v2";
  std::string second = "mnasnet_a1";
  std::string preset = "edge-tpu-like";
  zoo::ZooOptions zoo_options;
  zoo_options.resolution = 224;
  CLI::App app{
      "The expert latency route: a baseline optimised by the expert on a simulator preset, then its "
      "rewrites mined as rules and applied to a second model, against optimising that model directly"};
  const CLI::Validator positive = hwnas::bench::positive_number();
  app.option_defaults()->always_capture_default();
  app.add_option("first", first, "zoo model the expert optimises and the rules are mined from");
  app.add_option("second", second, "zoo model the mined rules are applied to (and optimised directly)");
  app.add_option("target", preset, "simulator preset");
  app.add_option("resolution", zoo_options.resolution, "input height and width of both models")
      ->check(positive);
  CLI11_PARSE(app, argc, argv);
  auto a = zoo::build_model(first, zoo_options);
  auto b = zoo::build_model(second, zoo_options);
  auto spec = hw::load_preset(preset);
  if (!a || !b || !spec) {
    std::fprintf(stderr, "%s\n", (!a ? a.error() : !b ? b.error() : spec.error()).message.c_str());
    return 1;
  }
  hw::SimulatorTarget target(*spec);
  auto latency = expert::target_latency(target);
  auto patterns = expert::default_search_patterns(target.channel_multiple());
  expert::OptimizeOptions options;
  options.max_steps = 16;
  std::printf("target %s (channel multiple %lld), %lldx%lld, greedy, at most %d rewrites\n", preset.c_str(),
              static_cast<long long>(target.channel_multiple()), static_cast<long long>(zoo_options.resolution),
              static_cast<long long>(zoo_options.resolution), options.max_steps);

  auto start = std::chrono::steady_clock::now();
  auto optimized_a = expert::optimize(*a, latency, patterns, options);
  double time_a = seconds_since(start);
  if (!optimized_a) return 1;
  std::printf("\n%s optimised: %.1f -> %.1f us (-%.1f%%) in %zu rewrites, %.2f s\n", first.c_str(),
              optimized_a->baseline.latency_us, optimized_a->final_cost.latency_us,
              100 * (1 - optimized_a->final_cost.latency_us / optimized_a->baseline.latency_us),
              optimized_a->steps.size(), time_a);
  for (const auto& s : optimized_a->steps)
    std::printf("  %-28s %-28s %10.1f -> %10.1f us\n", s.record.pattern.c_str(), s.record.location.c_str(),
                s.before.latency_us, s.after.latency_us);

  start = std::chrono::steady_clock::now();
  expert::MineOptions mine_options;
  mine_options.channel_multiple = target.channel_multiple();
  expert::RuleFile rules = expert::mine_rules(*a, optimized_a->graph, mine_options);
  auto applied = expert::apply_rules(*b, rules, 1);
  double time_rules = seconds_since(start);
  if (!applied) {
    std::fprintf(stderr, "%s\n", applied.error().message.c_str());
    return 1;
  }
  auto base_b = latency(*b);
  auto ruled_b = latency(applied->graph);
  if (!base_b || !ruled_b) return 1;
  std::printf("\nmined %zu rules from %s; applied to %s: %zu rewrites, %.1f -> %.1f us (-%.1f%%), %.3f s\n",
              rules.rules.size(), first.c_str(), second.c_str(), applied->log.records.size(), *base_b, *ruled_b,
              100 * (1 - *ruled_b / *base_b), time_rules);

  start = std::chrono::steady_clock::now();
  auto optimized_b = expert::optimize(*b, latency, patterns, options);
  double time_b = seconds_since(start);
  if (!optimized_b) return 1;
  std::printf("%s optimised directly: %.1f -> %.1f us (-%.1f%%) in %zu rewrites, %.2f s\n", second.c_str(),
              optimized_b->baseline.latency_us, optimized_b->final_cost.latency_us,
              100 * (1 - optimized_b->final_cost.latency_us / optimized_b->baseline.latency_us),
              optimized_b->steps.size(), time_b);
  std::printf("\nrules route reaches %.0f%% of the direct optimiser's latency cut in %.1f%% of its time\n",
              100 * (1 - *ruled_b / *base_b) / (1 - optimized_b->final_cost.latency_us / optimized_b->baseline.latency_us),
              100 * time_rules / time_b);
  std::printf("seed: expert rewrites -50%% latency vs full NAS -53%%; accuracy is not measured here\n");
  return 0;
}
