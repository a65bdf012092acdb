// The end-to-end estimator build: prior, measurement, fit, adaptive resampling rounds.
#include "hwnas/estimator/build.h"

#include <algorithm>
#include <cmath>

#include "hwnas/estimator/evaluation.h"
#include "random.h"

namespace hwnas::estimator {

Result<BuiltEstimator> build_estimator(hw::Target& target, const TargetInfo& info, const BuildOptions& options,
                                       const Progress& progress) {
  std::vector<NetworkSource> prior;
  if (options.include_zoo) prior = zoo_sources();
  for (NetworkSource& s : sampled_sources(detail::mix_seed(options.seed, 1), options.samples, options.sampler))
    prior.push_back(std::move(s));
  auto stage = [&](const std::string& name) -> Progress {
    if (!progress) return {};
    return [&progress, name](const std::string& what, size_t done, size_t total) { progress(name + ": " + what, done, total); };
  };
  // Kernel rows when the target can time kernels; network rows (pack-sum) only when it cannot,
  // or when asked for, since exact kernel times make network totals redundant.
  MeasureOptions measure = options.measure;
  // On a measured device, kernels timed alone do not add up to the network (dispatch between
  // ops, caches warm from the previous kernel): its totals calibrate the sum.
  if (info.kind != "simulator") measure.network_rows = true;
  auto measured = measure_sources(target, info, prior, measure, stage("prior"));
  if (!measured) return measured.error();
  if (measured->data.kernels.empty() && !measure.network_rows) {
    measure.kernel_rows = false;
    measure.network_rows = true;
    measured = measure_sources(target, info, prior, measure, stage("prior, whole networks"));
    if (!measured) return measured.error();
  }
  MeasurementSet data = std::move(measured->data);
  data.target = info.name;

  TrainOptions between_rounds = options.train;
  between_rounds.ensemble = std::max(1, options.adaptive_ensemble);
  between_rounds.fit_energy = false;
  auto fit = [&](bool last) { return fit_estimator(info, data, last ? options.train : between_rounds); };
  if (progress) progress("fitting", 0, 1);
  auto estimator = fit(options.adaptive_rounds == 0);
  if (!estimator) return estimator.error();
  std::vector<BuildRound> rounds;
  BuildRound first;
  first.kernel_rows = data.kernels.size();
  first.networks = data.networks.size();
  first.networks_measured = prior.size();
  rounds.push_back(first);

  for (int round = 1; round <= options.adaptive_rounds; ++round) {
    const std::string name = "round " + std::to_string(round);
    auto fresh = sampled_sources(detail::mix_seed(options.seed, 100 + static_cast<uint64_t>(round)),
                                 options.validation_samples, options.sampler);
    MeasureOptions validation_measure = measure;
    validation_measure.network_rows = true;  // its totals score the round
    auto validation = measure_sources(target, info, fresh, validation_measure, stage(name + " validation"));
    if (!validation) return validation.error();
    BuildRound record;
    std::vector<double> predicted, truth;
    for (const NetworkSource& s : fresh) {
      auto graph = s.build();
      if (!graph) return graph.error();
      predicted.push_back(estimator->predict(*graph).latency_us);
    }
    for (const NetworkSample& n : validation->data.networks) truth.push_back(n.latency_us);
    if (truth.size() == predicted.size()) record.validation_within_10 = accuracy(predicted, truth).within_10;
    if (!measure.network_rows) validation->data.networks.clear();
    ResampleOptions resample = options.resample;
    resample.seed = detail::mix_seed(options.resample.seed, static_cast<uint64_t>(round));
    const std::vector<NetworkSource> around = resample_around_errors(*estimator, *validation, resample);
    record.validation_kernels = validation->data.kernels.size();
    record.kernels_missed = around.size() / static_cast<size_t>(std::max(1, resample.per_point));
    data.append(validation->data);
    if (!around.empty()) {
      auto more = measure_sources(target, info, around, measure, stage(name + " resampling"));
      if (!more) return more.error();
      data.append(more->data);
    }
    if (progress) progress(name + ": fitting", 0, 1);
    estimator = fit(round == options.adaptive_rounds);
    if (!estimator) return estimator.error();
    record.networks_measured = fresh.size() + around.size();
    record.kernel_rows = data.kernels.size();
    record.networks = data.networks.size();
    rounds.push_back(record);
  }
  return BuiltEstimator{std::move(*estimator), std::move(data), std::move(rounds)};
}

}  // namespace hwnas::estimator
