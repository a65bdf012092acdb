// Timing statistics (median, quartiles, cv) and the noise report's wording.
#include "hwnas/torch/timing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hwnas::libtorch {
namespace {

TEST(Timing, SummariseKnownSamples) {
  TimingStats s = summarise_timings({5, 1, 4, 2, 3});
  EXPECT_EQ(s.runs, 5);
  EXPECT_DOUBLE_EQ(s.median_us, 3);
  EXPECT_DOUBLE_EQ(s.q1_us, 2);
  EXPECT_DOUBLE_EQ(s.q3_us, 4);
  EXPECT_DOUBLE_EQ(s.iqr_us, 2);
  EXPECT_DOUBLE_EQ(s.mean_us, 3);
  EXPECT_DOUBLE_EQ(s.stddev_us, std::sqrt(2.5));  // sample standard deviation: 10 / (5 - 1)
  EXPECT_DOUBLE_EQ(s.cv_percent, 100 * std::sqrt(2.5) / 3);
  EXPECT_DOUBLE_EQ(s.min_us, 1);
  EXPECT_DOUBLE_EQ(s.max_us, 5);
}

TEST(Timing, MedianResistsAnOutlierThatTheMeanDoesNot) {
  TimingStats s = summarise_timings({100, 101, 99, 100, 1000});
  EXPECT_DOUBLE_EQ(s.median_us, 100);
  EXPECT_DOUBLE_EQ(s.iqr_us, 1);
  EXPECT_GT(s.mean_us, 250);
  EXPECT_GT(s.cv_percent, 100);
}

TEST(Timing, TheReportedLatencyIsTheChosenQuantile) {
  EXPECT_DOUBLE_EQ(summarise_timings({5, 1, 4, 2, 3}).latency_us, 3) << "the median by default";
  TimingStats fastest = summarise_timings({100, 180, 99, 450, 120}, 0.0);
  EXPECT_DOUBLE_EQ(fastest.latency_us, 99);
  EXPECT_DOUBLE_EQ(fastest.median_us, 120);
  EXPECT_DOUBLE_EQ(summarise_timings({10, 20, 30, 40}, 0.25).latency_us, 17.5);
  EXPECT_DOUBLE_EQ(summarise_timings({10, 20}, 7.0).latency_us, 20) << "clamped to [0, 1]";
  const std::string text = noise_report(fastest, "cpu, 1 thread", 5.0);
  EXPECT_NE(text.find("over 5 runs; latency reported: the fastest run, 99.0 us; noisy"), std::string::npos) << text;
}

TEST(Timing, QuantilesInterpolateBetweenOrderStatistics) {
  std::vector<double> sorted{10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(quantile_of_sorted(sorted, 0.5), 25);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(sorted, 0.25), 17.5);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(sorted, 0), 10);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(sorted, 1), 40);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({}, 0.5), 0);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({7}, 0.75), 7);
}

TEST(Timing, EmptyAndSingleSamples) {
  TimingStats empty = summarise_timings({});
  EXPECT_EQ(empty.runs, 0);
  EXPECT_EQ(empty.median_us, 0);
  TimingStats one = summarise_timings({42});
  EXPECT_EQ(one.median_us, 42);
  EXPECT_EQ(one.stddev_us, 0);
  EXPECT_EQ(one.cv_percent, 0);
}

TEST(Timing, NoiseReportSaysStableOrNoisyWithAdvice) {
  TimingStats stable = summarise_timings({100, 101, 99, 100, 100});
  std::string text = noise_report(stable, "cpu, 1 thread", 5.0);
  EXPECT_EQ(text.rfind("cpu, 1 thread: median 100.0 us, IQR 0.0 us, cv 0.7 % over 5 runs; stable", 0), 0u) << text;

  TimingStats noisy = summarise_timings({100, 130, 80, 100, 160});
  noisy.iterations_per_run = 4;
  text = noise_report(noisy, "cpu, 2 threads", 5.0);
  EXPECT_NE(text.find("over 5 runs of 4 executions each; noisy (cv above 5 %)"), std::string::npos) << text;
  EXPECT_NE(text.find("taskset"), std::string::npos);
  EXPECT_NE(text.find("frequency"), std::string::npos);
}

TEST(Timing, LoadWarningIsEmptyOrNamesTheLoad) {
  std::string warning = load_warning();
  if (!warning.empty()) {
    EXPECT_EQ(warning.rfind("; load average ", 0), 0u) << warning;
    EXPECT_NE(warning.find(" CPUs: other processes compete for them"), std::string::npos) << warning;
  }
}

}  // namespace
}  // namespace hwnas::libtorch
