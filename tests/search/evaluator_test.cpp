// Evaluators: hardware metrics against the target and the analyses, the external command
// (good and bad outputs), composition, and the impossible-budget check.
#include <gtest/gtest.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"
#include "hwnas/hw/registry.h"
#include "hwnas/search/search.h"

namespace hwnas::search {
namespace {

const std::string kData = std::string(HWNAS_TEST_DATA) + "/space/";

space::SearchSpace tiny_space(int64_t p = 16) {
  auto space = space::load_space(kData + "tiny_curated.yaml", {.channel_multiple = p});
  EXPECT_TRUE(space.ok()) << (space.ok() ? "" : space.error().message);
  return space.ok() ? std::move(space.value()) : space::SearchSpace{};
}

std::unique_ptr<hw::Target> ethos() {
  auto target = hw::make_target("ethos-u55-256");
  EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().message);
  return std::move(target.value());
}

TEST(HardwareEvaluator, MetricsComeFromTheTargetAndTheAnalyses) {
  const space::SearchSpace space = tiny_space();
  HardwareEvaluator evaluator(ethos());
  EXPECT_EQ(evaluator.name(), "hardware:ethos-u55-256");
  const space::Architecture arch = space.minimal_architecture();
  auto metrics = evaluator.evaluate({.space = space, .arch = arch});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  auto graph = space.decode(arch);
  ASSERT_TRUE(graph.ok());
  auto direct = ethos()->measure_network(*graph);
  ASSERT_TRUE(direct.ok());
  const Metrics& m = *metrics;
  EXPECT_EQ(m.at("latency_us"), direct->latency_us);
  EXPECT_EQ(m.at("energy_uj"), direct->energy_uj);
  EXPECT_EQ(m.at("params"), analysis::analyze_cost(*graph).params);
  EXPECT_EQ(m.at("macs"), analysis::analyze_cost(*graph).macs);
  // int8 target: one byte per weight and per activation element
  EXPECT_EQ(m.at("weight_bytes"), analysis::weight_bytes(*graph, ir::Precision::Int8));
  EXPECT_EQ(m.at("peak_memory_bytes"), analysis::peak_memory_in_graph_order(*graph, ir::Precision::Int8).peak_bytes);
  EXPECT_EQ(m.at("memory_bytes"), m.at("weight_bytes") + m.at("peak_memory_bytes"));
  EXPECT_GT(m.at("latency_us"), 0);
}

TEST(HardwareEvaluator, InvalidArchitectureIsAnErrorWithTheReason) {
  const space::SearchSpace space = tiny_space();
  HardwareEvaluator evaluator(ethos());
  space::Architecture arch = space.minimal_architecture();
  arch[1] = 7;
  auto metrics = evaluator.evaluate({.space = space, .arch = arch});
  ASSERT_FALSE(metrics.ok());
  EXPECT_NE(metrics.error().message.find("depth_multiplier: choice index 7 out of range"), std::string::npos) << metrics.error().message;
}

TEST(ExternalCommandEvaluator, ReceivesTheArchitectureAndPrintsMetrics) {
  const space::SearchSpace space = tiny_space();
  // the script checks its inputs exist and are what they should be, then prints JSON
  ExternalCommandEvaluator evaluator(
      "grep -q 'stage1.block: ibn' {arch} && grep -q 'nodes' {yaml} && test -s {onnx} && test {fidelity} = 0.5 && "
      "echo 'training...' && echo '{\"accuracy\": 0.875, \"train_seconds\": 12}'");
  auto metrics = evaluator.evaluate({.space = space, .arch = space.minimal_architecture(), .fidelity = 0.5, .seed = 3});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  EXPECT_EQ(metrics->at("accuracy"), 0.875);
  EXPECT_EQ(metrics->at("train_seconds"), 12);
}

TEST(ExternalCommandEvaluator, BadOutputsAreErrorsThatSayWhatIsWrong) {
  const space::SearchSpace space = tiny_space();
  struct Case {
    std::string command, expected;
  };
  const std::vector<Case> cases = {
      {"echo 'no json here'", "printed no JSON object"},
      {"echo '{\"loss\": 0.3}'", "has no 'accuracy'"},
      {"echo '{\"accuracy\": \"high\"}'", "'accuracy' must be a number"},
      {"echo '{\"accuracy\": 87}'", "'accuracy' must be a fraction in [0, 1], got 87 (a percentage? print it divided by 100)"},
      {"echo '{\"accuracy\": 0.9, \"miou\": 71.5}'", "'miou' must be a fraction in [0, 1], got 71.5"},
      {"echo 'oops' >&2; exit 3", "exited with status 3; stderr ends with:\noops"},
      {"echo '[0.5]'", "printed no JSON object"},
  };
  for (const Case& c : cases) {
    ExternalCommandEvaluator evaluator(c.command);
    auto metrics = evaluator.evaluate({.space = space, .arch = space.minimal_architecture()});
    ASSERT_FALSE(metrics.ok()) << c.command;
    EXPECT_NE(metrics.error().message.find(c.expected), std::string::npos) << metrics.error().message;
  }
  ExternalCommandEvaluator slow("sleep 5", {.timeout_s = 0.2});
  auto timed_out = slow.evaluate({.space = space, .arch = space.minimal_architecture()});
  ASSERT_FALSE(timed_out.ok());
  EXPECT_NE(timed_out.error().message.find("timed out"), std::string::npos) << timed_out.error().message;
}

TEST(ExternalCommandEvaluator, WorksOnACustomSpaceWithoutANetwork) {
  auto space = space::load_space(kData + "custom.yaml", {});
  ASSERT_TRUE(space.ok());
  ExternalCommandEvaluator evaluator("grep -q 'optimizer: adam' {arch} && echo '{\"accuracy\": 0.5}'");
  auto metrics = evaluator.evaluate({.space = *space, .arch = {0, 1, 2}});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  ExternalCommandEvaluator needs_network("cat {onnx}; echo '{\"accuracy\": 0.5}'");
  auto no_network = needs_network.evaluate({.space = *space, .arch = {0, 1, 2}});
  ASSERT_FALSE(no_network.ok());
  EXPECT_NE(no_network.error().message.find("custom space"), std::string::npos);
}

TEST(CompositeEvaluator, MergesHardwareAndCommandMetrics) {
  const space::SearchSpace space = tiny_space();
  std::vector<std::unique_ptr<Evaluator>> parts;
  parts.push_back(std::make_unique<HardwareEvaluator>(ethos()));
  parts.push_back(std::make_unique<ExternalCommandEvaluator>("echo '{\"accuracy\": 0.9}'"));
  CompositeEvaluator both(std::move(parts));
  auto metrics = both.evaluate({.space = space, .arch = space.minimal_architecture()});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  EXPECT_EQ(metrics->at("accuracy"), 0.9);
  EXPECT_GT(metrics->at("latency_us"), 0);
  EXPECT_EQ(both.name(), "hardware:ethos-u55-256+command:echo '{\"accuracy\": 0.9}'");
}

TEST(Budgets, AnImpossibleBudgetIsAClearError) {
  const space::SearchSpace space = tiny_space();
  HardwareEvaluator evaluator(ethos());
  CostModel model;
  model.objectives = {{"latency_us"}};
  model.budgets = {{"memory_bytes", 1000}};
  Status impossible = check_budgets_reachable(space, evaluator, model);
  ASSERT_FALSE(impossible.ok());
  EXPECT_NE(impossible.error().message.find("budget memory_bytes <= 1000 is out of reach in space 'tiny_curated': with every size "
                                            "decision at its smallest value and each stage's cheapest block type"),
            std::string::npos)
      << impossible.error().message;
  model.budgets = {{"memory_bytes", 1e9}, {"latency_us", 1e9}};
  EXPECT_TRUE(check_budgets_reachable(space, evaluator, model).ok());
  model.budgets = {{"power_mw", 10}};
  EXPECT_FALSE(check_budgets_reachable(space, evaluator, model).ok());  // not measured
}

TEST(EvaluationCache, KeysOnArchitectureAndFidelity) {
  EvaluationCache cache;
  cache.insert("k", 1.0, {true, {{"f", 1}}, ""});
  cache.insert("k", 0.5, {false, {}, "bad"});
  ASSERT_NE(cache.find("k", 1.0), nullptr);
  EXPECT_EQ(cache.find("k", 1.0)->metrics.at("f"), 1);
  EXPECT_FALSE(cache.find("k", 0.5)->ok);
  EXPECT_EQ(cache.find("j", 1.0), nullptr);
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace hwnas::search
