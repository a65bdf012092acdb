// Building, measuring and adaptively resampling the networks an estimator learns from.
#include "hwnas/estimator/sampling.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "hwnas/hw/fusion.h"
#include "random.h"

namespace hwnas::estimator {

std::string NetworkSource::name() const {
  if (sampled) return sampled->name;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "@w%g-r%lld", zoo_options.width_multiplier,
                static_cast<long long>(zoo_options.resolution));
  return zoo_model + buffer;
}

Result<ir::Graph> NetworkSource::build() const {
  if (sampled) return build_sampled_network(*sampled);
  auto graph = zoo::build_model(zoo_model, zoo_options);
  if (graph) graph->set_name(name());
  return graph;
}

std::vector<NetworkSource> zoo_sources(const std::vector<double>& widths, const std::vector<int64_t>& resolutions) {
  std::vector<NetworkSource> sources;
  for (const std::string& model : zoo::model_names())
    for (double width : widths)
      for (int64_t resolution : resolutions) {
        NetworkSource source;
        source.zoo_model = model;
        source.zoo_options.width_multiplier = width;
        source.zoo_options.resolution = resolution;
        sources.push_back(std::move(source));
      }
  return sources;
}

std::vector<NetworkSource> sampled_sources(uint64_t seed, size_t count, const NetworkSamplerOptions& options,
                                           size_t first_index) {
  std::vector<NetworkSource> sources;
  sources.reserve(count);
  for (size_t i = first_index; i < first_index + count; ++i) {
    NetworkSource source;
    source.sampled = sample_network(detail::mix_seed(seed, i), options);
    sources.push_back(std::move(source));
  }
  return sources;
}

namespace {

// For each of the estimator's kernels, the run's kernels that make it up, when each is exactly a
// union of them; empty when the run has no breakdown or splits the network otherwise.
std::vector<std::vector<size_t>> run_kernels_of(const ir::Graph& graph, const std::vector<hw::KernelMeasurement>& run,
                                                const std::vector<KernelDescription>& kernels) {
  if (run.empty()) return {};
  std::vector<int> run_of(graph.size(), -1), estimator_of(graph.size(), -1);
  for (size_t r = 0; r < run.size(); ++r)
    for (ir::NodeId id : run[r].nodes) {
      if (id < 0 || static_cast<size_t>(id) >= graph.size() || run_of[static_cast<size_t>(id)] != -1) return {};
      run_of[static_cast<size_t>(id)] = static_cast<int>(r);
    }
  for (size_t k = 0; k < kernels.size(); ++k)
    for (ir::NodeId id : kernels[k].kernel.nodes) estimator_of[static_cast<size_t>(id)] = static_cast<int>(k);
  std::vector<std::vector<size_t>> groups(kernels.size());
  std::vector<bool> used(run.size(), false);
  for (size_t k = 0; k < kernels.size(); ++k)
    for (ir::NodeId id : kernels[k].kernel.nodes) {
      const int r = run_of[static_cast<size_t>(id)];
      if (r < 0) return {};
      if (used[static_cast<size_t>(r)]) continue;
      for (ir::NodeId member : run[static_cast<size_t>(r)].nodes)
        if (estimator_of[static_cast<size_t>(member)] != static_cast<int>(k)) return {};  // straddles two kernels
      used[static_cast<size_t>(r)] = true;
      groups[k].push_back(static_cast<size_t>(r));
    }
  return groups;
}

}  // namespace

Result<MeasuredSources> measure_sources(hw::Target& target, const TargetInfo& info,
                                        const std::vector<NetworkSource>& sources, const MeasureOptions& options,
                                        const Progress& progress) {
  MeasuredSources out;
  out.data.target = info.name;
  out.sources = sources;
  for (size_t s = 0; s < sources.size(); ++s) {
    if (progress) progress("measuring " + sources[s].name(), s, sources.size());
    Result<ir::Graph> graph = sources[s].build();
    if (!graph) return graph.error().within("network '" + sources[s].name() + "'");
    const std::vector<KernelDescription> kernels = describe_kernels(*graph, info);
    Result<hw::NetworkMeasurement> run = target.measure_network(*graph);
    if (!run) return run.error().within("measuring network '" + sources[s].name() + "' on '" + target.name() + "'");
    const std::string name = sources[s].name();
    auto sample_of = [&](const KernelDescription& d) {
      KernelSample k;
      k.label = kernel_type(*graph, d.kernel);
      k.features = d.features;
      k.network = name;
      return k;
    };
    if (options.kernel_rows) {
      // The run's own breakdown, regrouped into the estimator's kernels where each is a union of
      // the run's (a target that fuses less than the rules say, e.g. by a misdetected rule).
      const std::vector<std::vector<size_t>> groups = run_kernels_of(*graph, run->kernels, kernels);
      for (size_t k = 0; k < kernels.size(); ++k) {
        KernelSample sample = sample_of(kernels[k]);
        if (!groups.empty()) {
          sample.latency_us = 0;
          sample.energy_uj = 0;
          for (size_t r : groups[k]) {
            sample.latency_us += run->kernels[r].latency_us;
            sample.energy_uj += run->kernels[r].energy_uj;
          }
          if (info.kind != "simulator") sample.energy_uj = kNotMeasured;
        } else {
          Result<hw::KernelMeasurement> alone = target.measure_kernel(*graph, kernels[k].kernel);
          if (!alone) break;  // this target times networks only
          sample.latency_us = alone->latency_us;
          sample.energy_uj = alone->energy_uj > 0 ? alone->energy_uj : kNotMeasured;
        }
        out.data.kernels.push_back(std::move(sample));
        out.kernel_source.push_back(s);
        out.kernel_stage.push_back(sources[s].sampled ? stage_of_node(graph->node(kernels[k].kernel.nodes.front())) : -1);
      }
    }
    if (options.network_rows) {
      NetworkSample network;
      network.name = name;
      network.latency_us = run->latency_us;
      network.energy_uj = info.kind == "simulator" || run->energy_uj > 0 ? run->energy_uj : kNotMeasured;
      for (const KernelDescription& d : kernels) network.kernels.push_back(sample_of(d));
      out.data.networks.push_back(std::move(network));
    }
  }
  if (progress) progress("measured", sources.size(), sources.size());
  return out;
}

std::vector<NetworkSource> resample_around_errors(const Estimator& model, const MeasuredSources& data,
                                                  const ResampleOptions& options) {
  struct Miss {
    double error;
    size_t row;
  };
  std::vector<Miss> misses;
  for (size_t i = 0; i < data.data.kernels.size(); ++i) {
    const KernelSample& k = data.data.kernels[i];
    if (!measured(k.latency_us) || k.latency_us <= 0) continue;
    const double predicted = model.predict_kernel(k.label, k.features).latency_us();
    const double error = std::abs(predicted - k.latency_us) / k.latency_us;
    if (error > options.error_threshold) misses.push_back({error, i});
  }
  std::stable_sort(misses.begin(), misses.end(), [](const Miss& a, const Miss& b) { return a.error > b.error; });
  // One point per stage of a network: a repeated block's kernels miss together.
  std::vector<Miss> distinct;
  std::set<std::pair<size_t, int>> seen;
  for (const Miss& miss : misses) {
    if (distinct.size() >= options.max_points) break;
    if (seen.insert({data.kernel_source[miss.row], data.kernel_stage[miss.row]}).second) distinct.push_back(miss);
  }
  misses = std::move(distinct);
  detail::Random rng(detail::mix_seed(options.seed, 0x5eed));
  std::vector<NetworkSource> around;
  for (size_t m = 0; m < misses.size(); ++m) {
    const size_t row = misses[m].row;
    const NetworkSource& source = data.sources[data.kernel_source[row]];
    for (int p = 0; p < options.per_point; ++p) {
      const double factor = rng.uniform(options.low, options.high);
      NetworkSource next = source;
      if (source.sampled) {
        int stage = data.kernel_stage[row];
        if (stage < 0) stage = static_cast<int>(source.sampled->stages.size()) - 1;
        next.sampled = scale_stage_channels(*source.sampled, stage, factor);
        next.sampled->name = source.sampled->name + "~" + std::to_string(m) + "." + std::to_string(p);
      } else {
        next.zoo_options.width_multiplier = std::max(0.1, source.zoo_options.width_multiplier * factor);
      }
      around.push_back(std::move(next));
    }
  }
  return around;
}

}  // namespace hwnas::estimator
