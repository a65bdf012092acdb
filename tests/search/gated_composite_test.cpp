// A gated CompositeEvaluator skips the expensive parts for an architecture already over budget,
// and the cost model rates such partial metrics infeasible.
#include <gtest/gtest.h>

#include "hwnas/search/evaluator.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

class FixedEvaluator : public Evaluator {
 public:
  FixedEvaluator(std::string name, Metrics metrics, int* calls) : name_(std::move(name)), metrics_(std::move(metrics)), calls_(calls) {}
  std::string name() const override { return name_; }
  Result<Metrics> evaluate(const EvaluationRequest&) override {
    ++*calls_;
    return metrics_;
  }

 private:
  std::string name_;
  Metrics metrics_;
  int* calls_;
};

TEST(GatedComposite, SkipsLaterPartsOnceABudgetIsBroken) {
  const space::SearchSpace space = testing::synthetic_space(1, 2);
  int cheap = 0, expensive = 0;
  auto make = [&](double latency) {
    std::vector<std::unique_ptr<Evaluator>> parts;
    parts.push_back(std::make_unique<FixedEvaluator>("cheap", Metrics{{"latency_us", latency}}, &cheap));
    parts.push_back(std::make_unique<FixedEvaluator>("training", Metrics{{"accuracy", 0.9}}, &expensive));
    return CompositeEvaluator(std::move(parts), {Budget{.metric = "latency_us", .max = 100}});
  };
  auto within = make(80).evaluate({.space = space, .arch = {0}});
  ASSERT_TRUE(within.ok());
  EXPECT_EQ(within->at("accuracy"), 0.9);
  EXPECT_FALSE(within->count("skipped_evaluators"));
  EXPECT_EQ(expensive, 1);

  auto over = make(150).evaluate({.space = space, .arch = {0}});
  ASSERT_TRUE(over.ok());
  EXPECT_FALSE(over->count("accuracy"));
  EXPECT_EQ(over->at("skipped_evaluators"), 1);
  EXPECT_EQ(expensive, 1);  // not trained
  EXPECT_EQ(cheap, 2);
  auto ungated = make(150).evaluate({.space = space, .arch = {0}, .gate = false});  // a baseline
  ASSERT_TRUE(ungated.ok());
  EXPECT_EQ(ungated->at("accuracy"), 0.9);
  EXPECT_EQ(expensive, 2);

  CostModel model;
  model.objectives = {{"accuracy", Direction::Maximize}};
  model.budgets = {Budget{.metric = "latency_us", .max = 100}};
  auto score = model.score(*over);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_FALSE(score->feasible);
  EXPECT_DOUBLE_EQ(score->violation, 0.5);
  EXPECT_DOUBLE_EQ(score->cost, CostModel::kInfeasibleCost * 1.5);
  EXPECT_EQ(score->objectives[0], std::numeric_limits<double>::infinity());
  // Within budget, a missing metric is still an error.
  EXPECT_FALSE(model.score(Metrics{{"latency_us", 80}}).ok());
}

}  // namespace
}  // namespace hwnas::search
