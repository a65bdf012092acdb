// Accuracy of a latency predictor on networks: share within +-10 % and +-5 %, RMSPE, Spearman rank correlation.
//
//   auto report = estimator::accuracy(predicted_us, measured_us);
//   report.within_10;   // 0.997: share of networks whose prediction is within +-10 % of the measurement
//
// Also the baseline the issue compares against: FLOPs as a predictor, fitted by one scale factor.
#pragma once

#include <cstddef>
#include <vector>

namespace hwnas::estimator {

struct AccuracyReport {
  size_t count = 0;
  double within_10 = 0;   // share of |predicted / measured - 1| <= 0.10
  double within_5 = 0;    // ... <= 0.05
  double rmspe = 0;       // root mean square of (predicted - measured) / measured
  double mean_abs_percentage_error = 0;
  double max_abs_percentage_error = 0;
  double spearman = 0;    // rank correlation of predicted and measured (average ranks for ties)
};

// `predicted` and `measured` of equal length; measured values must be positive.
AccuracyReport accuracy(const std::vector<double>& predicted, const std::vector<double>& measured);

// Spearman's rank correlation (Pearson's of the average ranks); 0 for fewer than two values or a constant series.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// The s minimising sum(((s x_i - y_i) / y_i)^2): s = sum(x/y) / sum((x/y)^2); 0 when all x are 0.
double fit_relative_scale(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace hwnas::estimator
