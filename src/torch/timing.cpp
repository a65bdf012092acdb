// Median, quartiles, coefficient of variation and the noise report of repeated timings.
#include "hwnas/torch/timing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <thread>

namespace hwnas::libtorch {

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  double position = q * static_cast<double>(sorted.size() - 1);
  auto below = static_cast<size_t>(std::floor(position));
  size_t above = std::min(below + 1, sorted.size() - 1);
  double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

TimingStats summarise_timings(std::vector<double> samples_us, double latency_quantile) {
  TimingStats stats;
  stats.latency_quantile = std::clamp(latency_quantile, 0.0, 1.0);
  if (samples_us.empty()) return stats;
  std::sort(samples_us.begin(), samples_us.end());
  const auto n = static_cast<double>(samples_us.size());
  stats.runs = static_cast<int64_t>(samples_us.size());
  stats.median_us = quantile_of_sorted(samples_us, 0.5);
  stats.q1_us = quantile_of_sorted(samples_us, 0.25);
  stats.q3_us = quantile_of_sorted(samples_us, 0.75);
  stats.iqr_us = stats.q3_us - stats.q1_us;
  stats.latency_us = quantile_of_sorted(samples_us, stats.latency_quantile);
  stats.min_us = samples_us.front();
  stats.max_us = samples_us.back();
  stats.mean_us = std::accumulate(samples_us.begin(), samples_us.end(), 0.0) / n;
  if (samples_us.size() > 1) {
    double squares = 0;
    for (double s : samples_us) squares += (s - stats.mean_us) * (s - stats.mean_us);
    stats.stddev_us = std::sqrt(squares / (n - 1));
  }
  stats.cv_percent = stats.mean_us > 0 ? 100.0 * stats.stddev_us / stats.mean_us : 0.0;
  return stats;
}

namespace {
std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}
}  // namespace

std::string noise_report(const TimingStats& stats, const std::string& what, double noisy_cv_percent) {
  std::string report = what + ": median " + fixed(stats.median_us, 1) + " us, IQR " + fixed(stats.iqr_us, 1) +
                       " us, cv " + fixed(stats.cv_percent, 1) + " % over " + std::to_string(stats.runs) + " runs";
  if (stats.iterations_per_run > 1)
    report += " of " + std::to_string(stats.iterations_per_run) + " executions each";
  if (stats.latency_quantile != 0.5)
    report += "; latency reported: " +
              (stats.latency_quantile == 0 ? std::string("the fastest run") : "the " + fixed(stats.latency_quantile, 2) + " quantile") +
              ", " + fixed(stats.latency_us, 1) + " us";
  if (stats.cv_percent > noisy_cv_percent) {
    report += "; noisy (cv above " + fixed(noisy_cv_percent, 0) + " %): ";
    report +=
        "pin the process to an idle core (taskset -c 2 ...), fix the CPU frequency (cpupower "
        "frequency-set -g performance; disable turbo), stop other load, or raise the repeats";
  } else {
    report += "; stable";
  }
  return report;
}

std::string load_warning() {
  double load[1] = {0};
  unsigned cpus = std::thread::hardware_concurrency();
  if (getloadavg(load, 1) != 1 || cpus == 0 || load[0] < static_cast<double>(cpus)) return "";
  return "; load average " + fixed(load[0], 1) + " on " + std::to_string(cpus) +
         " CPUs: other processes compete for them";
}

}  // namespace hwnas::libtorch
