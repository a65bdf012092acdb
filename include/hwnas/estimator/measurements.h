// Measurements an estimator learns from: timed kernels, and whole networks timed as one number.
//
//   estimator::MeasurementSet data;
//   data.target = "ethos-u55-256";
//   data.kernels.push_back({"conv2d+batch_norm+relu6", features, 41.5, 0.83});   // a timed kernel
//   data.networks.push_back({"net-7", members, 2150.0, kNotMeasured});          // a timed network
//
// A network row carries its kernels (type and features) untimed: the estimator learns kernel
// regressors whose predictions sum to the network's measured total (measurement_csv.h stores
// both kinds in one CSV file).
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "hwnas/estimator/features.h"

namespace hwnas::estimator {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();
inline bool measured(double value) { return !std::isnan(value); }

struct KernelSample {
  std::string label;          // kernel type, e.g. "conv2d+batch_norm+relu6"
  FeatureVector features{};
  double latency_us = kNotMeasured;
  double energy_uj = kNotMeasured;
  std::string network;        // where it came from (optional provenance)
};

struct NetworkSample {
  std::string name;                   // unique within a set
  std::vector<KernelSample> kernels;  // its kernels, untimed
  double latency_us = kNotMeasured;
  double energy_uj = kNotMeasured;
};

struct MeasurementSet {
  std::string target;                 // the target every row was measured on
  int feature_version = kFeatureVersion;
  std::vector<KernelSample> kernels;  // timed kernels
  std::vector<NetworkSample> networks;

  // Appends `other`'s rows (same target and feature version assumed).
  void append(const MeasurementSet& other);
  // Timed kernels per kernel type.
  std::map<std::string, size_t> kernel_counts() const;
};

}  // namespace hwnas::estimator
