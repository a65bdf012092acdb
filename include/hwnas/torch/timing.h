// Statistics of repeated latency measurements: median, quartiles, coefficient of variation, noise report.
//
//   auto stats = libtorch::summarise_timings({812.0, 799.5, 805.1, 1210.0, 803.3});
//   stats.median_us;   // 805.1 -- robust to the one outlier
//   stats.cv_percent;  // stddev / mean, in percent
//   libtorch::noise_report(stats, "cpu, 1 thread", 5.0);
//   // "cpu, 1 thread: median 805.1 us, IQR 8.8 us, cv 21.5 % over 5 runs; noisy (cv above 5 %): ..."
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hwnas::libtorch {

struct TimingStats {
  int64_t runs = 0;              // timed samples
  int64_t iterations_per_run = 1;  // executions averaged inside one sample (short kernels)
  double median_us = 0;
  double q1_us = 0;              // first quartile (linear interpolation between order statistics)
  double q3_us = 0;              // third quartile
  double iqr_us = 0;             // q3 - q1: the spread reported as KernelMeasurement::spread_us
  double mean_us = 0;
  double stddev_us = 0;          // sample standard deviation (n - 1)
  double cv_percent = 0;         // 100 * stddev / mean
  double min_us = 0;
  double max_us = 0;
  // The latency a target reports: the quantile latency_quantile of the samples (summarise_timings;
  // MeasureOptions::latency_quantile), the median unless told otherwise.
  double latency_quantile = 0.5;
  double latency_us = 0;
};

// Summarises per-run times in microseconds; latency_us is their `latency_quantile` (0..1, clamped).
// An empty list gives all zeros.
TimingStats summarise_timings(std::vector<double> samples_us, double latency_quantile = 0.5);

// The q-quantile (0..1) of sorted values, interpolating linearly between order statistics
// (numpy's default "linear" method). 0 for an empty list.
double quantile_of_sorted(const std::vector<double>& sorted, double q);

// One line for NetworkMeasurement::notes: "<what>: median M us, IQR S us, cv C % over N runs"
// followed by "; stable" or, when cv exceeds `noisy_cv_percent`, "; noisy (cv above T %): " and
// advice to pin the process to a core (taskset -c) and fix the CPU frequency.
std::string noise_report(const TimingStats& stats, const std::string& what, double noisy_cv_percent);

// "; load average 7.3 on 2 CPUs: other processes compete for them" when the 1-minute load
// average (getloadavg) is at least the number of CPUs, else "" (also where it cannot be read).
std::string load_warning();

}  // namespace hwnas::libtorch
