// Tests of explain and optimize on a simulator preset: lane waste and low-utilisation depthwise
// found with a measured gain, greedy and beam search lowering latency, budgets, and replay.
#include <gtest/gtest.h>

#include "expert_test_support.h"
#include "hwnas/expert/explain.h"
#include "hwnas/expert/optimize.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

hw::SimulatorTarget u55() {
  auto spec = hw::load_preset("ethos-u55-256");
  EXPECT_TRUE(spec.ok());
  return hw::SimulatorTarget(*spec);
}

ir::Graph small_mobilenet_v2() {
  zoo::ZooOptions options;
  options.resolution = 32;
  options.width_multiplier = 0.35;
  options.num_classes = 10;
  auto graph = zoo::build_model("mobilenet_v2", options);
  EXPECT_TRUE(graph.ok());
  return *graph;
}

TEST(Explain, FindsLaneWasteAndMeasuresTheRewrite) {
  hw::SimulatorTarget target = u55();
  ir::Graph graph = testing::load("residual_concat.yaml");
  auto report = explain(graph, target, default_search_patterns(target.channel_multiple()));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->channel_multiple, 32);
  ASSERT_FALSE(report->kernels.empty());
  bool found_waste = false;
  for (const KernelFinding& k : report->kernels) {
    if (k.lane_waste > 0) found_waste = true;
    EXPECT_GE(k.gain_us, 0.0);
    if (!k.rewrite.empty()) EXPECT_GT(k.gain_us, 0.0) << k.rewrite;
  }
  EXPECT_TRUE(found_waste);
  // Sorted by latency, largest first.
  for (size_t i = 1; i < report->kernels.size(); ++i)
    EXPECT_GE(report->kernels[i - 1].latency_us, report->kernels[i].latency_us);
}

TEST(Optimize, GreedyLowersLatencyAndReplays) {
  hw::SimulatorTarget target = u55();
  ir::Graph graph = small_mobilenet_v2();
  OptimizeOptions options;
  options.max_steps = 3;
  options.seed = 9;
  options.min_params_fraction = 0.9;
  auto result = optimize(graph, target_latency(target), default_search_patterns(target.channel_multiple()), options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_FALSE(result->steps.empty());
  EXPECT_LT(result->final_cost.latency_us, result->baseline.latency_us);
  EXPECT_GE(static_cast<double>(result->final_cost.params), 0.9 * static_cast<double>(result->baseline.params));
  for (size_t i = 0; i < result->steps.size(); ++i) {
    EXPECT_LT(result->steps[i].after.latency_us, result->steps[i].before.latency_us);
    if (i > 0) EXPECT_EQ(result->steps[i].before.latency_us, result->steps[i - 1].after.latency_us);
  }
  auto measured = target.measure_network(result->graph);
  ASSERT_TRUE(measured.ok());
  EXPECT_DOUBLE_EQ(measured->latency_us, result->final_cost.latency_us);
  auto replayed = replay(graph, result->log);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, result->graph);
}

TEST(Optimize, BudgetComesFirstAndBeamIsNoWorseThanGreedy) {
  hw::SimulatorTarget target = u55();
  ir::Graph graph = small_mobilenet_v2();
  auto baseline = measure_cost(graph, target_latency(target));
  ASSERT_TRUE(baseline.ok());
  OptimizeOptions options;
  options.max_steps = 2;
  options.budget.params = baseline->params * 7 / 10;
  auto greedy = optimize(graph, target_latency(target), default_search_patterns(32), options);
  ASSERT_TRUE(greedy.ok()) << greedy.error().message;
  EXPECT_LT(greedy->final_cost.params, baseline->params);
  EXPECT_LE(budget_excess(greedy->final_cost, options.budget), budget_excess(*baseline, options.budget));
  options.beam = 2;
  auto beam = optimize(graph, target_latency(target), default_search_patterns(32), options);
  ASSERT_TRUE(beam.ok());
  EXPECT_LE(budget_excess(beam->final_cost, options.budget), budget_excess(greedy->final_cost, options.budget) + 1e-12);
}

TEST(Budget, ParsesUnitsAndRejectsBadEntries) {
  auto budget = parse_budget("latency=1.5ms,params=2.5M,memory=512KiB");
  ASSERT_TRUE(budget.ok()) << budget.error().message;
  EXPECT_DOUBLE_EQ(*budget->latency_us, 1500.0);
  EXPECT_EQ(*budget->params, 2500000);
  EXPECT_EQ(*budget->peak_activation_bytes, 512 * 1024);
  EXPECT_FALSE(parse_budget("latency=-1").ok());
  auto unknown = parse_budget("energy=3");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown budget 'energy'"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::expert
