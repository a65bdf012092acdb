// The cost model: budgets, MnasNet's reward, Pareto dominance, non-dominated sorting, crowding.
#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/search/cost_model.h"

namespace hwnas::search {
namespace {

Score point(double a, double b, bool feasible = true, double violation = 0) {
  Score s;
  s.objectives = {a, b};
  s.feasible = feasible;
  s.violation = violation;
  return s;
}

TEST(CostModel, BudgetsMakeCandidatesInfeasibleInOrderOfViolation) {
  CostModel model;
  model.objectives = {{"latency_us", Direction::Minimize}};
  model.budgets = {{"memory_bytes", 1000}, {"macs", std::numeric_limits<double>::infinity(), 50}};
  auto ok = model.score({{"latency_us", 300}, {"memory_bytes", 1000}, {"macs", 60}});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->feasible);
  EXPECT_EQ(ok->cost, 300);
  auto over = model.score({{"latency_us", 100}, {"memory_bytes", 1500}, {"macs", 60}});
  ASSERT_TRUE(over.ok());
  EXPECT_FALSE(over->feasible);
  EXPECT_DOUBLE_EQ(over->violation, 0.5);
  auto far_over = model.score({{"latency_us", 100}, {"memory_bytes", 1500}, {"macs", 25}});
  ASSERT_TRUE(far_over.ok());
  EXPECT_DOUBLE_EQ(far_over->violation, 1.0);
  EXPECT_GT(over->cost, ok->cost);  // every infeasible candidate is worse than every feasible one
  EXPECT_GT(far_over->cost, over->cost);
  auto missing = model.score({{"latency_us", 100}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("'memory_bytes' was not measured"), std::string::npos);
  EXPECT_FALSE(model.score({{"latency_us", NAN}, {"memory_bytes", 1}, {"macs", 60}}).ok());
}

TEST(CostModel, MnasNetRewardMatchesThePaper) {
  // acc x (lat / T)^w, w = -0.07: twice the target latency costs 4.7 % of the reward; half gains 5.0 %.
  EXPECT_NEAR(mnas_reward(0.75, 160, 80), 0.75 * std::pow(2.0, -0.07), 1e-12);
  EXPECT_NEAR(mnas_reward(1.0, 160, 80) / mnas_reward(1.0, 80, 80), 0.9526, 1e-4);
  EXPECT_NEAR(mnas_reward(1.0, 40, 80), 1.0497, 1e-4);
  CostModel model;
  model.objectives = {{"accuracy", Direction::Maximize}, {"latency_us", Direction::Minimize}};
  model.reward = MnasReward{.target = 80};
  auto a = model.score({{"accuracy", 0.76}, {"latency_us", 80}});
  auto b = model.score({{"accuracy", 0.75}, {"latency_us", 60}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(a->cost, -0.76, 1e-12);
  EXPECT_LT(b->cost, a->cost);  // 25 % faster for 1 point of accuracy wins under w = -0.07
  EXPECT_EQ(a->objectives, (std::vector<double>{-0.76, 80}));
  CostModel bad = model;
  bad.reward->target = 0;
  EXPECT_FALSE(bad.validate().ok());
}

TEST(Pareto, DominanceOnAHandMadeSet) {
  EXPECT_TRUE(dominates({1, 2}, {2, 2}));
  EXPECT_FALSE(dominates({1, 2}, {1, 2}));
  EXPECT_FALSE(dominates({1, 3}, {2, 2}));
  //   index:       0       1       2       3       4       5 (infeasible)   6 (duplicate of 0)
  const std::vector<Score> points = {point(1, 5), point(2, 3), point(3, 4), point(4, 1), point(5, 5), point(0, 0, false, 0.2),
                                     point(1, 5)};
  EXPECT_EQ(pareto_front(points), (std::vector<size_t>{0, 1, 3, 6}));
  const auto fronts = non_dominated_sort(points);
  ASSERT_EQ(fronts.size(), 4u);
  EXPECT_EQ(fronts[0], (std::vector<size_t>{0, 1, 3, 6}));
  EXPECT_EQ(fronts[1], (std::vector<size_t>{2}));
  EXPECT_EQ(fronts[2], (std::vector<size_t>{4}));
  EXPECT_EQ(fronts[3], (std::vector<size_t>{5}));  // constrained dominance: infeasible last
  // every point is in exactly one front, and no point of a front dominates another of it
  size_t total = 0;
  for (const auto& front : fronts) {
    total += front.size();
    for (size_t a : front)
      for (size_t b : front) EXPECT_FALSE(constrained_dominates(points[a], points[b]));
  }
  EXPECT_EQ(total, points.size());
}

TEST(Pareto, CrowdingDistanceIsInfiniteAtTheEndsAndSumsNormalisedGaps) {
  const std::vector<Score> points = {point(0, 4), point(1, 2), point(2, 1), point(4, 0)};
  const std::vector<double> d = crowding_distance(points, {0, 1, 2, 3});
  EXPECT_TRUE(std::isinf(d[0]));
  EXPECT_TRUE(std::isinf(d[3]));
  EXPECT_DOUBLE_EQ(d[1], (2.0 - 0.0) / 4 + (4.0 - 1.0) / 4);
  EXPECT_DOUBLE_EQ(d[2], (4.0 - 1.0) / 4 + (2.0 - 0.0) / 4);
}

TEST(CostModel, ValidationRejectsUnusableModels) {
  CostModel none;
  EXPECT_FALSE(none.validate().ok());
  CostModel negative;
  negative.objectives = {{"latency_us"}};
  negative.budgets = {{"latency_us", -5}};
  EXPECT_FALSE(negative.validate().ok());
  CostModel unbounded;
  unbounded.objectives = {{"latency_us"}};
  unbounded.budgets = {{"latency_us"}};
  EXPECT_FALSE(unbounded.validate().ok());
}

}  // namespace
}  // namespace hwnas::search
