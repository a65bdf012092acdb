// Fitting the per-kernel regressors from timed kernels, from whole timed networks, or from both.
//
//   estimator::TrainOptions options;              // 3 members, 60 shared + 120 per-type rounds
//   estimator::TrainingSummary summary;
//   auto regressors = estimator::fit_regressors(data, options, &summary);
//
// Both kinds of rows are fitted in one boosting loop with custom gradients
// (XGBoosterBoostOneIter), each booster's margin being log(quantity) of a kernel (regressor.h):
//  - a timed kernel: squared error of its log:  g = m - log y,  h = 1;
//  - a timed network n with kernels i: its prediction is S = sum_i exp(m_i) (TVM Ansor's
//    "pack-sum"); the loss 0.5 (log S - log y_n)^2 gives g_i = r w_i with r = log S - log y_n
//    and w_i = exp(m_i) / S, and h_i = w_i, a majorant of the Gauss-Newton hessian that makes a
//    leaf holding all of a network's kernels correct it in one step. Network rows are weighted
//    so that all networks together count as much as all timed kernels (network_weight).
// First the shared booster learns on every row (shared_rounds), then the per-type boosters on
// top of it (type_rounds), all types in the same round, as their predictions add up in a network.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "hwnas/estimator/measurements.h"
#include "hwnas/estimator/regressor.h"

namespace hwnas::estimator {

struct TrainOptions {
  int ensemble = 3;            // members of the latency ensemble (its spread is the uncertainty)
  int energy_ensemble = 1;     // members of the energy ensemble
  int shared_rounds = 60;
  int type_rounds = 120;
  int max_depth = 6;
  double eta = 0.2;
  double subsample = 0.8;      // of rows, per tree
  double colsample = 0.9;      // of columns, per tree
  double min_child_weight = 1;
  double lambda = 1;
  int min_type_rows = 12;      // fewer rows of a type: the shared booster alone predicts it
  double network_weight = 0;   // weight of a timed network; 0: balance networks against kernels
  int threads = 1;             // XGBoost threads
  bool fit_energy = true;      // fit the energy ensemble when energy was measured ...
  int min_energy_rows = 8;     // ... on at least this many kernels and networks together
  uint64_t seed = 1;
};

struct TrainingSummary {
  std::string mode;                         // "kernels", "networks" or "kernels+networks"
  size_t kernel_rows = 0;                   // timed kernels
  size_t networks = 0;                      // timed networks
  size_t member_rows = 0;                   // kernels of the timed networks
  std::map<std::string, size_t> rows_per_type;  // kernel and member rows per kernel type
  std::map<std::string, size_t> energy_rows_per_type;
  TrainOptions options;
};

// Fits the latency ensemble, and the energy ensemble when any energy was measured. An empty set,
// a non-positive latency or bad options give an Error.
Result<RegressorSet> fit_regressors(const MeasurementSet& data, const TrainOptions& options,
                                    TrainingSummary* summary = nullptr);

}  // namespace hwnas::estimator
