// Measurement data sets: networks from a prior measured on any target, and adaptive resampling where the estimator errs.
//
//   auto sources = estimator::zoo_sources();                       // the zoo at a few widths
//   auto more = estimator::sampled_sources(42, 200);                // 200 sampled networks
//   auto measured = estimator::measure_sources(npu, info, more);    // kernel + network rows
//   // nn-Meter's adaptive step: around each kernel the estimator misses by > 10 %, new networks
//   // whose stage has its channels scaled by a factor in [0.5, 1.2].
//   auto around = estimator::resample_around_errors(estimator, *measured, {.seed = 7});
//
// A target that reports its kernels (a simulator's measure_network) gives kernel rows from one
// run per network; otherwise each kernel is timed alone (measure_kernel), and a target that
// cannot time kernels gives network rows only (the estimator learns from their sums).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/estimator/estimator.h"
#include "hwnas/estimator/measurements.h"
#include "hwnas/estimator/network_sampler.h"
#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/target.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::estimator {

// A network the data set can rebuild and perturb: a zoo model with options, or a sampled network.
struct NetworkSource {
  std::string zoo_model;                 // set for a zoo model
  zoo::ZooOptions zoo_options;
  std::optional<SampledNetwork> sampled;  // set for a sampled network
  std::string name() const;               // "mobilenet_v2@w0.75-r160" or the sampled network's name
  Result<ir::Graph> build() const;
};

// Every zoo model at each width and resolution.
std::vector<NetworkSource> zoo_sources(const std::vector<double>& widths = {0.5, 1.0},
                                       const std::vector<int64_t>& resolutions = {160, 224});

// `count` sampled networks with seeds derived from `seed` (indices first_index ...).
std::vector<NetworkSource> sampled_sources(uint64_t seed, size_t count, const NetworkSamplerOptions& options = {},
                                           size_t first_index = 0);

struct MeasureOptions {
  bool kernel_rows = true;   // time kernels (from the network run's breakdown, or one by one)
  bool network_rows = true;  // record each network's total with its kernels
};

// Measurements of sources and where each timed kernel came from.
struct MeasuredSources {
  MeasurementSet data;
  std::vector<NetworkSource> sources;
  std::vector<size_t> kernel_source;  // per data.kernels row: index into sources
  std::vector<int> kernel_stage;      // per data.kernels row: stage_of_node of its first node (-1: stem, head, zoo)
};

using Progress = std::function<void(const std::string& what, size_t done, size_t total)>;

// Builds and measures every source on `target`, splitting by info's rules. A network that fails
// to build or measure is an Error naming it.
Result<MeasuredSources> measure_sources(hw::Target& target, const TargetInfo& info,
                                        const std::vector<NetworkSource>& sources, const MeasureOptions& options = {},
                                        const Progress& progress = {});

struct ResampleOptions {
  double error_threshold = 0.10;  // relative error of a kernel that calls for more samples
  size_t max_points = 200;        // worst kernels resampled around, at most
  int per_point = 3;              // new networks per bad kernel
  double low = 0.5, high = 1.2;   // channel scale factors
  uint64_t seed = 1;
};

// New sources around the kernels of `measured` whose estimate is off by more than the
// threshold, worst first and one per stage of a network: for a sampled network, its stage (the last stage for stem and head
// kernels) with channels scaled by a factor uniform in [low, high]; for a zoo model, its width.
std::vector<NetworkSource> resample_around_errors(const Estimator& model, const MeasuredSources& data,
                                                  const ResampleOptions& options = {});

}  // namespace hwnas::estimator
