// Accuracy figures of latency predictors: within-tolerance shares, RMSPE, Spearman, and a FLOPs scale fit.
#include "hwnas/estimator/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hwnas::estimator {
namespace {

std::vector<double> average_ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 2) return 0;
  const std::vector<double> ra = average_ranks(std::vector<double>(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n)));
  const std::vector<double> rb = average_ranks(std::vector<double>(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)));
  const double mean = (static_cast<double>(n) + 1.0) / 2.0;
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < n; ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (va == 0 || vb == 0) return 0;
  return cov / std::sqrt(va * vb);
}

AccuracyReport accuracy(const std::vector<double>& predicted, const std::vector<double>& measured) {
  AccuracyReport report;
  const size_t n = std::min(predicted.size(), measured.size());
  report.count = n;
  if (n == 0) return report;
  size_t within_10 = 0, within_5 = 0;
  double squares = 0, absolute = 0;
  for (size_t i = 0; i < n; ++i) {
    const double error = (predicted[i] - measured[i]) / measured[i];
    within_10 += std::abs(error) <= 0.10 ? 1 : 0;
    within_5 += std::abs(error) <= 0.05 ? 1 : 0;
    squares += error * error;
    absolute += std::abs(error);
    report.max_abs_percentage_error = std::max(report.max_abs_percentage_error, 100 * std::abs(error));
  }
  const auto count = static_cast<double>(n);
  report.within_10 = static_cast<double>(within_10) / count;
  report.within_5 = static_cast<double>(within_5) / count;
  report.rmspe = std::sqrt(squares / count);
  report.mean_abs_percentage_error = 100 * absolute / count;
  report.spearman = spearman(predicted, measured);
  return report;
}

double fit_relative_scale(const std::vector<double>& x, const std::vector<double>& y) {
  double num = 0, den = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    const double r = x[i] / y[i];
    num += r;
    den += r * r;
  }
  return den > 0 ? num / den : 0;
}

}  // namespace hwnas::estimator
