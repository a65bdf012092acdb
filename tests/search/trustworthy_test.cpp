// The search loop says what it does: objective directions from the table of metrics, trial seeds
// by hash, the hypervolume, failures grouped, and no budget refused in a custom space.
#include <gtest/gtest.h>

#include <set>

#include "hwnas/search/config.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/search.h"

namespace hwnas::search {
namespace {

Direction direction_of(const std::string& objectives) {
  auto config = parse_search_config("objectives: " + objectives + "\n", "o.yaml");
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message);
  return config.ok() ? config->cost_model.objectives.front().direction : Direction::Minimize;
}

TEST(Objectives, EveryFormTakesTheMetricsOwnDirection) {
  EXPECT_EQ(direction_of("[accuracy]"), Direction::Maximize);
  EXPECT_EQ(direction_of("[{metric: accuracy}]"), Direction::Maximize);  // minimised before
  EXPECT_EQ(direction_of("[{metric: miou}]"), Direction::Maximize);
  EXPECT_EQ(direction_of("[{metric: accuracy, direction: minimize}]"), Direction::Minimize);
  EXPECT_EQ(direction_of("[latency_us]"), Direction::Minimize);
  EXPECT_EQ(direction_of("[{metric: memory_bytes}]"), Direction::Minimize);
  EXPECT_EQ(direction_of("[macs]"), Direction::Minimize);  // a cost: a floor on MACs is a budget's min
  EXPECT_EQ(direction_of("[{metric: my_score, direction: maximize}]"), Direction::Maximize);
}

TEST(Objectives, AnUnknownMetricNeedsADirection) {
  auto config = parse_search_config("evaluators: [{command: 'echo'}]\nobjectives: [my_score]\n", "o.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("o.yaml:2: objectives[]: metric 'my_score' is not one of hwnas's own"), std::string::npos)
      << config.error().message;
  EXPECT_NE(config.error().message.find("direction: minimize}"), std::string::npos) << config.error().message;
}

TEST(Objectives, NoneIsAnErrorListingWhatTheEvaluatorsReport) {
  auto hardware = parse_search_config("space: mobilenet_curated\n", "h.yaml");
  ASSERT_FALSE(hardware.ok());  // minimised latency_us silently before
  EXPECT_NE(hardware.error().message.find("h.yaml: objectives: missing"), std::string::npos) << hardware.error().message;
  EXPECT_NE(hardware.error().message.find("latency_us (minimize), energy_uj (minimize)"), std::string::npos) << hardware.error().message;
  auto command = parse_search_config("evaluators: [{command: 'x', required: [accuracy, loss]}]\n", "c.yaml");
  ASSERT_FALSE(command.ok());
  EXPECT_NE(command.error().message.find("The evaluators report: accuracy (maximize), loss, and whatever else the commands print"),
            std::string::npos)
      << command.error().message;
}

TEST(Metrics, TheTableKnowsEveryBuiltInMetricOnce) {
  std::set<std::string> names;
  for (const MetricInfo& m : known_metrics()) EXPECT_TRUE(names.insert(std::string(m.name)).second) << m.name;
  for (const char* n : {"accuracy", "top1", "miou", "map50", "inherited_accuracy", "naswot", "synflow", "grad_norm", "snip", "zen",
                        "latency_us", "energy_uj", "params", "macs", "weight_bytes", "peak_memory_bytes", "memory_bytes"})
    EXPECT_NE(find_metric(n), nullptr) << n;
  EXPECT_TRUE(is_fraction_metric("map50"));
  EXPECT_FALSE(is_fraction_metric("latency_us"));
  EXPECT_FALSE(default_direction("made_up").ok());
}

TEST(TrialSeeds, NeighbouringSearchesShareNoSeed) {
  EXPECT_NE(trial_seed(1, 0), trial_seed(0, 1));  // seed + id made these equal
  EXPECT_EQ(trial_seed(7, 3), trial_seed(7, 3));
  std::set<uint64_t> seen;
  for (uint64_t seed = 0; seed < 10; ++seed)
    for (int64_t id = 0; id < 100; ++id) {
      const uint64_t s = trial_seed(seed, id);
      EXPECT_LT(s, uint64_t{1} << 32);
      seen.insert(s);
    }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Hypervolume, MatchesHandComputedAreasAndVolumes) {
  // a staircase of three points under (4, 4): 1 + 2 + 3
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}}, {4, 4}), 6.0);
  // a dominated point and one outside the reference add nothing
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}, {3, 3}, {5, 0}}, {4, 4}), 6.0);
  EXPECT_DOUBLE_EQ(hypervolume({{1, 1, 1}}, {2, 3, 4}), 6.0);
  // boxes of 2x2x2 and 1x3x3 that share 1x2x2: 8 + 9 - 4
  EXPECT_DOUBLE_EQ(hypervolume({{0, 1, 1}, {1, 0, 0}}, {2, 3, 3}), 2 * 2 * 2 + 1 * 3 * 3 - 1 * 2 * 2);
  EXPECT_DOUBLE_EQ(hypervolume({}, {1, 1}), 0.0);
}

TEST(FailureSummary, GroupsByFirstLineMostFrequentFirst) {
  std::vector<TrialRecord> trials(5);
  const char* errors[] = {"a: bad\ndetail 1", "b: worse", "a: bad\ndetail 2", "", "b: worse"};
  for (int i = 0; i < 5; ++i) {
    trials[i].id = i;
    trials[i].status = *errors[i] ? "failed" : "done";
    trials[i].error = errors[i];
  }
  trials.push_back(trials[1]);
  trials.back().id = 5;
  const auto groups = failure_summary(trials);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].message, "b: worse");
  EXPECT_EQ(groups[0].count, 3);
  EXPECT_EQ(groups[0].first_trial, 1);
  EXPECT_EQ(groups[1].message, "a: bad");
  EXPECT_EQ(groups[1].count, 2);
}

// An evaluator whose latency is the width: index 0, the widest, is the most expensive.
class WidthLatency : public Evaluator {
 public:
  std::string name() const override { return "width"; }
  Result<Metrics> evaluate(const EvaluationRequest& r) override {
    return Metrics{{"latency_us", r.space.decisions()[0].choices[static_cast<size_t>(r.arch[0])].value}};
  }
};

TEST(Budgets, ACustomSpaceIsNeverRefused) {
  auto space = space::parse_space("name: widths\nkind: custom\ndecisions:\n  - {name: width, choices: [64, 32, 16]}\n"
                                  "  - {name: op, choices: [conv, skip]}\n",
                                  "w.yaml", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  WidthLatency evaluator;
  CostModel model;
  model.objectives = {{"latency_us"}};
  model.budgets = {{"latency_us", 20}};  // met by width 16 only, which is not at index 0
  EXPECT_TRUE(check_budgets_reachable(*space, evaluator, model).ok());
  model.budgets = {{"latency_us", 1}};  // met by none: the search says so at the end, not here
  EXPECT_TRUE(check_budgets_reachable(*space, evaluator, model).ok());
}

}  // namespace
}  // namespace hwnas::search
