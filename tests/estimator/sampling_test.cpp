// Tests of the network sampler, of measuring sources on a target, and of adaptive resampling around errors.
#include "hwnas/estimator/sampling.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "hwnas/hw/fusion.h"
#include "small_estimator.h"

namespace hwnas::estimator {
namespace {

using testing::u55;

TEST(NetworkSampler, EqualSeedsGiveEqualNetworksAndEveryNetworkBuilds) {
  std::set<std::string> descriptions;
  std::map<HeadKind, int> heads;
  std::map<StageKind, int> kinds;
  int dilated_networks = 0;
  for (uint64_t seed = 0; seed < 150; ++seed) {
    const SampledNetwork net = sample_network(seed);
    EXPECT_EQ(describe(net), describe(sample_network(seed)));
    descriptions.insert(describe(net));
    ++heads[net.head];
    for (const SampledStage& s : net.stages) ++kinds[s.kind];
    Result<ir::Graph> graph = build_sampled_network(net);
    ASSERT_TRUE(graph) << describe(net) << ": " << graph.error().message;
    Result<ir::Graph> again = build_sampled_network(net);
    EXPECT_TRUE(*graph == *again);
    // Output stride 32, or 16 for a segmentation network whose tail is dilated.
    int64_t stride = net.stem_max_pool ? 4 : 2;
    bool dilated = false;
    for (const SampledStage& s : net.stages) {
      stride *= s.stride;
      dilated = dilated || s.dilation > 1;
    }
    EXPECT_EQ(stride, dilated ? 16 : 32) << describe(net);
    if (dilated) {
      EXPECT_EQ(net.head, HeadKind::Segmentation);
      ++dilated_networks;
    }
  }
  EXPECT_EQ(descriptions.size(), 150u) << "distinct seeds give distinct networks";
  EXPECT_EQ(heads.size(), 3u) << "classification, segmentation and detection heads all occur";
  EXPECT_EQ(kinds.size(), 6u) << "every stage kind occurs";
  EXPECT_GT(dilated_networks, 0) << "segmentation networks with a dilated tail occur";
}

TEST(NetworkSampler, StageOfNodeAndChannelScaling) {
  const SampledNetwork net = sample_network(5);
  Result<ir::Graph> graph = build_sampled_network(net);
  ASSERT_TRUE(graph);
  std::set<int> stages;
  for (const ir::Node& node : graph->nodes()) stages.insert(stage_of_node(node));
  EXPECT_EQ(*stages.begin(), -1) << "stem and head";
  EXPECT_EQ(*stages.rbegin(), static_cast<int>(net.stages.size()) - 1);
  const SampledNetwork wider = scale_stage_channels(net, 1, 1.2);
  for (size_t s = 0; s < net.stages.size(); ++s) {
    if (s == 1) {
      EXPECT_NEAR(static_cast<double>(wider.stages[s].channels), 1.2 * static_cast<double>(net.stages[s].channels), 4.0);
    } else {
      EXPECT_EQ(wider.stages[s].channels, net.stages[s].channels);
    }
  }
  EXPECT_TRUE(build_sampled_network(scale_stage_channels(net, 1, 0.5)));
}

TEST(MeasureSources, KernelRowsAddUpToTheNetworkRow) {
  std::vector<NetworkSource> sources = sampled_sources(31, 3);
  NetworkSource zoo_model;
  zoo_model.zoo_model = "mobilenet_v2";
  zoo_model.zoo_options.width_multiplier = 0.5;
  zoo_model.zoo_options.resolution = 128;
  sources.push_back(zoo_model);
  Result<MeasuredSources> measured = measure_sources(u55(), describe_target(u55()), sources);
  ASSERT_TRUE(measured) << measured.error().message;
  EXPECT_EQ(measured->data.target, "ethos-u55-256");
  ASSERT_EQ(measured->data.networks.size(), 4u);
  EXPECT_EQ(measured->data.networks[3].name, "mobilenet_v2@w0.5-r128");
  size_t row = 0;
  for (size_t n = 0; n < 4; ++n) {
    const NetworkSample& network = measured->data.networks[n];
    Result<ir::Graph> graph = sources[n].build();
    ASSERT_TRUE(graph);
    EXPECT_EQ(network.kernels.size(), hw::partition_by_fusion(*graph, u55().spec().fusion).size());
    double sum = 0, energy = 0;
    for (size_t k = 0; k < network.kernels.size(); ++k, ++row) {
      ASSERT_LT(row, measured->data.kernels.size());
      const KernelSample& timed = measured->data.kernels[row];
      EXPECT_EQ(timed.label, network.kernels[k].label);
      EXPECT_EQ(measured->kernel_source[row], n);
      sum += timed.latency_us;
      energy += timed.energy_uj;
    }
    EXPECT_NEAR(sum, network.latency_us, 1e-9 * sum);
    EXPECT_NEAR(energy, network.energy_uj, 1e-9 * energy);
    EXPECT_EQ(network.latency_us, u55().measure_network(*graph)->latency_us);
  }
  EXPECT_EQ(row, measured->data.kernels.size());
}

TEST(MeasureSources, ATargetThatTimesNetworksOnlyGivesNetworkRows) {
  class NetworksOnly : public hw::SimulatorTarget {
   public:
    using SimulatorTarget::SimulatorTarget;
    Result<hw::KernelMeasurement> measure_kernel(const ir::Graph&, const hw::Kernel&) override {
      return Error{"cannot time a kernel"};
    }
    Result<hw::NetworkMeasurement> measure_network(const ir::Graph& graph) override {
      auto m = SimulatorTarget::measure_network(graph);
      if (m) m->kernels.clear();
      return m;
    }
  };
  NetworksOnly target(*hw::load_preset("htp-like"));
  Result<MeasuredSources> measured = measure_sources(target, describe_target(target), sampled_sources(32, 2));
  ASSERT_TRUE(measured) << measured.error().message;
  EXPECT_TRUE(measured->data.kernels.empty());
  EXPECT_EQ(measured->data.networks.size(), 2u);
}

TEST(ResampleAroundErrors, ScalesTheStageOfEachMissedKernel) {
  // An estimator from a handful of rounds misses many kernels of fresh networks.
  TrainOptions weak = testing::small_options();
  weak.shared_rounds = 2;
  weak.type_rounds = 0;
  weak.ensemble = 1;
  auto estimator = fit_estimator(describe_target(u55()), testing::small_training_data().data, weak);
  ASSERT_TRUE(estimator);
  MeasureOptions kernels_only;
  kernels_only.network_rows = false;
  Result<MeasuredSources> fresh = measure_sources(u55(), describe_target(u55()), sampled_sources(33, 6), kernels_only);
  ASSERT_TRUE(fresh);
  ResampleOptions options;
  options.max_points = 10;
  options.per_point = 2;
  const std::vector<NetworkSource> around = resample_around_errors(*estimator, *fresh, options);
  ASSERT_EQ(around.size(), 20u) << "ten worst kernels, two networks each";
  for (const NetworkSource& source : around) {
    ASSERT_TRUE(source.sampled.has_value());
    // The perturbed network comes from one of the fresh ones with one stage's channels scaled.
    const std::string base = source.sampled->name.substr(0, source.sampled->name.find('~'));
    const NetworkSource* original = nullptr;
    for (const NetworkSource& f : fresh->sources)
      if (f.sampled->name == base) original = &f;
    ASSERT_NE(original, nullptr) << source.sampled->name;
    int changed = 0;
    for (size_t s = 0; s < original->sampled->stages.size(); ++s) {
      const double before = static_cast<double>(original->sampled->stages[s].channels);
      const double after = static_cast<double>(source.sampled->stages[s].channels);
      if (before == after) continue;
      ++changed;
      EXPECT_GE(after, std::max(8.0, 0.5 * before) - 2) << source.sampled->name;
      EXPECT_LE(after, 1.2 * before + 2) << source.sampled->name;
    }
    EXPECT_LE(changed, 1);
    EXPECT_TRUE(source.build()) << source.sampled->name;
  }
  // A threshold nothing exceeds gives nothing to resample.
  options.error_threshold = 1e9;
  EXPECT_TRUE(resample_around_errors(*estimator, *fresh, options).empty());
}

}  // namespace
}  // namespace hwnas::estimator
