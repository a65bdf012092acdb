// Tests of the accuracy figures: within-tolerance shares, RMSPE, Spearman with ties, and the FLOPs scale fit.
#include "hwnas/estimator/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hwnas::estimator {
namespace {

TEST(Accuracy, CountsSharesAndErrors) {
  const std::vector<double> measured{100, 100, 100, 100};
  const std::vector<double> predicted{104, 92, 100, 130};  // +4 %, -8 %, 0 %, +30 %
  const AccuracyReport r = accuracy(predicted, measured);
  EXPECT_EQ(r.count, 4u);
  EXPECT_DOUBLE_EQ(r.within_10, 0.75);
  EXPECT_DOUBLE_EQ(r.within_5, 0.5);
  EXPECT_NEAR(r.rmspe, std::sqrt((0.04 * 0.04 + 0.08 * 0.08 + 0 + 0.3 * 0.3) / 4), 1e-12);
  EXPECT_NEAR(r.mean_abs_percentage_error, (4 + 8 + 0 + 30) / 4.0, 1e-9);
  EXPECT_NEAR(r.max_abs_percentage_error, 30, 1e-9);
}

TEST(Spearman, KnownValues) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ties get average ranks: a = (1, 2.5, 2.5, 4), b = (1, 2, 3, 4); Pearson of the ranks.
  const double ra[] = {1, 2.5, 2.5, 4}, rb[] = {1, 2, 3, 4};
  double cov = 0, va = 0, vb = 0;
  for (int i = 0; i < 4; ++i) {
    cov += (ra[i] - 2.5) * (rb[i] - 2.5);
    va += (ra[i] - 2.5) * (ra[i] - 2.5);
    vb += (rb[i] - 2.5) * (rb[i] - 2.5);
  }
  EXPECT_NEAR(spearman({1, 5, 5, 9}, {1, 2, 3, 4}), cov / std::sqrt(va * vb), 1e-12);
  EXPECT_EQ(spearman({1, 1, 1}, {1, 2, 3}), 0.0) << "a constant series has no rank correlation";
  EXPECT_EQ(spearman({1}, {1}), 0.0);
  // A monotone but non-linear relation still has Spearman 1.
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4, 5}, {1, 8, 27, 64, 125}), 1.0);
}

TEST(FitRelativeScale, RecoversAProportionalRelation) {
  EXPECT_NEAR(fit_relative_scale({1, 2, 4}, {3, 6, 12}), 3.0, 1e-12);
  // Minimises relative error: for x = (1, 1), y = (1, 2): s = (1 + 0.5) / (1 + 0.25) = 1.2.
  EXPECT_NEAR(fit_relative_scale({1, 1}, {1, 2}), 1.2, 1e-12);
  EXPECT_EQ(fit_relative_scale({0, 0}, {1, 2}), 0.0);
}

}  // namespace
}  // namespace hwnas::estimator
