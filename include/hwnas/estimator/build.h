// Building an estimator for a target end to end: sample a prior, measure, fit, resample where it errs, refit.
//
//   hw::SimulatorTarget npu(*hw::load_preset("ethos-u55-256"));
//   estimator::BuildOptions options;            // 1,000 sampled networks + the zoo, 3 adaptive rounds
//   auto built = estimator::build_estimator(npu, estimator::describe_target(npu), options,
//                                           [](const std::string& what, size_t done, size_t total) { ... });
//   estimator::save_estimator(built->estimator, "u55.estimator.json");
//
// Round 0 measures the prior (the zoo at a few widths and resolutions, and `samples` sampled
// networks) and fits. Each adaptive round measures `validation_samples` fresh networks, finds
// the kernels the current estimator misses by more than resample.error_threshold, measures
// networks around them (sampling.h), adds both to the data and refits (nn-Meter's scheme). The
// fits between rounds are smaller (adaptive_ensemble members, no energy); the last is the full one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/estimator/estimator.h"
#include "hwnas/estimator/sampling.h"

namespace hwnas::estimator {

struct BuildOptions {
  size_t samples = 1000;           // sampled networks of the prior
  bool include_zoo = true;         // the zoo models of zoo_sources() in the prior
  int adaptive_rounds = 3;
  size_t validation_samples = 200; // fresh networks per adaptive round
  ResampleOptions resample;
  NetworkSamplerOptions sampler;
  // Kernel rows; network rows too on a measured device (not a simulator), whose kernels timed
  // alone do not add up to the network, and alone when no kernel can be timed.
  MeasureOptions measure{.kernel_rows = true, .network_rows = false};
  TrainOptions train;              // the final fit
  int adaptive_ensemble = 1;       // the fits that only find errors between rounds: smaller, latency only
  uint64_t seed = 1;
};

struct BuildRound {
  size_t kernel_rows = 0;          // timed kernels after the round
  size_t networks = 0;             // timed networks (network rows) after the round
  size_t networks_measured = 0;    // networks run on the target in the round
  size_t kernels_missed = 0;       // validation kernels beyond the threshold (adaptive rounds)
  size_t validation_kernels = 0;
  double validation_within_10 = 0; // share of validation networks within +-10 % before the refit
};

struct BuiltEstimator {
  Estimator estimator;
  MeasurementSet data;             // everything measured
  std::vector<BuildRound> rounds;
};

Result<BuiltEstimator> build_estimator(hw::Target& target, const TargetInfo& info, const BuildOptions& options,
                                       const Progress& progress = {});

}  // namespace hwnas::estimator
