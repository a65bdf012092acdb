// Tests of fitting and prediction: accuracy on held-out networks, pack-sum learning from totals, uncertainty, memo, breakdown.
#include "hwnas/estimator/estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"
#include "hwnas/estimator/evaluation.h"
#include "hwnas/estimator/sampling.h"
#include "hwnas/hw/fusion.h"
#include "small_estimator.h"

namespace hwnas::estimator {
namespace {

using testing::small_estimator;
using testing::small_options;
using testing::u55;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(Estimator, PredictsHeldOutNetworksFromKernelMeasurements) {
  const Estimator& estimator = small_estimator();
  std::vector<double> predicted, truth, errors;
  for (const NetworkSource& source : sampled_sources(12, 30)) {  // another seed: held out
    Result<ir::Graph> graph = source.build();
    ASSERT_TRUE(graph);
    predicted.push_back(estimator.predict(*graph).latency_us);
    truth.push_back(u55().measure_network(*graph)->latency_us);
    errors.push_back(std::abs(predicted.back() / truth.back() - 1));
  }
  const AccuracyReport report = accuracy(predicted, truth);
  // A small model (40 networks, 40 rounds): loose bounds; bench/estimator_accuracy measures the real one.
  EXPECT_LT(median(errors), 0.08);
  EXPECT_GT(report.spearman, 0.97);
  EXPECT_GT(report.within_10, 0.6);
}

TEST(Estimator, BreakdownSumsToTheTotalAndMatchesPredictKernel) {
  const Estimator& estimator = small_estimator();
  Result<ir::Graph> graph = zoo::build_model("mobilenet_v2");
  ASSERT_TRUE(graph);
  const NetworkPrediction total = estimator.predict(*graph, {.breakdown = true, .peak_memory = true});
  const std::vector<hw::Kernel> kernels = hw::partition_by_fusion(*graph, describe_target(u55()).fusion);
  ASSERT_EQ(total.kernels.size(), kernels.size());
  EXPECT_EQ(total.kernel_count, kernels.size());
  double sum = 0, energy = 0;
  const auto described = describe_kernels(*graph, describe_target(u55()));
  for (size_t k = 0; k < kernels.size(); ++k) {
    const KernelPrediction& kp = total.kernels[k];
    EXPECT_EQ(kp.kernel.nodes, kernels[k].nodes);
    EXPECT_EQ(kp.label, kernel_type(*graph, kernels[k]));
    const KernelEstimate alone = estimator.predict_kernel(kp.label, described[k].features);
    EXPECT_DOUBLE_EQ(kp.latency_us, alone.latency_us());
    EXPECT_DOUBLE_EQ(kp.latency_std_us, alone.latency_std_us());
    EXPECT_DOUBLE_EQ(kp.energy_uj, alone.energy_uj);
    EXPECT_GT(kp.latency_us, 0);
    sum += kp.latency_us;
    energy += kp.energy_uj;
  }
  EXPECT_NEAR(total.latency_us, sum, 1e-9 * sum);
  EXPECT_NEAR(total.energy_uj, energy, 1e-9 * energy);
  EXPECT_GT(total.energy_uj, 0) << "the simulator measures energy, so the estimator predicts it";
  EXPECT_EQ(total.params, analysis::analyze_cost(*graph).params);
  EXPECT_EQ(total.peak_activation_bytes, analysis::peak_memory_in_graph_order(*graph, ir::Precision::Int8).peak_bytes);
  EXPECT_EQ(estimator.predict(*graph).peak_activation_bytes, -1) << "only when asked for";
}

// predict() memoises kernels by a raw key of what their features are computed from and skips
// the features on a hit; it must answer exactly what the features give, on every preset
// (memory contexts differ) and for kernels seen before and new.
TEST(Estimator, RawMemoGivesWhatTheFeaturesGive) {
  std::vector<ir::Graph> graphs;
  for (const NetworkSource& source : sampled_sources(14, 25)) graphs.push_back(*source.build());
  for (const std::string& model : zoo::model_names()) graphs.push_back(*zoo::build_model(model));
  TrainOptions tiny = small_options();
  tiny.shared_rounds = 3;
  tiny.type_rounds = 3;
  for (const std::string& preset : hw::preset_names()) {
    hw::SimulatorTarget target(*hw::load_preset(preset));
    const TargetInfo info = describe_target(target);
    MeasureOptions measure;
    measure.network_rows = false;
    auto data = measure_sources(target, info, sampled_sources(15, 8), measure);
    ASSERT_TRUE(data);
    auto estimator = fit_estimator(info, data->data, tiny);
    ASSERT_TRUE(estimator) << estimator.error().message;
    for (int pass = 0; pass < 2; ++pass)
      for (const ir::Graph& graph : graphs) {
        const NetworkPrediction p = estimator->predict(graph, {.breakdown = true});
        const auto described = describe_kernels(graph, info);
        ASSERT_EQ(p.kernels.size(), described.size());
        double params = 0;
        for (size_t k = 0; k < described.size(); ++k) {
          const KernelEstimate truth = estimator->predict_kernel(kernel_type(graph, described[k].kernel), described[k].features);
          ASSERT_EQ(p.kernels[k].latency_us, truth.latency_us()) << preset << " " << graph.name() << " kernel " << k;
          ASSERT_EQ(p.kernels[k].energy_uj, truth.energy_uj);
          params += described[k].features[kParams];
        }
        EXPECT_EQ(p.params, static_cast<int64_t>(std::llround(params)));
      }
  }
}

TEST(Estimator, EnsembleSpreadIsTheUncertainty) {
  const Estimator& estimator = small_estimator();
  Result<ir::Graph> graph = zoo::build_model("efficientnet_b0");
  ASSERT_TRUE(graph);
  const NetworkPrediction p = estimator.predict(*graph);
  EXPECT_GT(p.latency_std_us, 0);
  EXPECT_LT(p.latency_std_us, 0.5 * p.latency_us);
  TrainOptions single = small_options();
  single.ensemble = 1;
  single.type_rounds = 5;
  auto one = fit_estimator(describe_target(u55()), testing::small_training_data().data, single);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->predict(*graph).latency_std_us, 0) << "one member has no spread";
}

TEST(Estimator, MemoisesKernelsAndGivesTheSameAnswerTwice) {
  Estimator estimator = small_estimator();  // a copy starts with an empty memo
  EXPECT_EQ(estimator.memoised_kernels(), 0u);
  std::vector<ir::Graph> graphs;
  for (const NetworkSource& source : sampled_sources(13, 10)) graphs.push_back(*source.build());
  std::vector<NetworkPrediction> first;
  for (const ir::Graph& g : graphs) first.push_back(estimator.predict(g));
  const size_t memoised = estimator.memoised_kernels();
  EXPECT_GT(memoised, 50u);
  size_t kernels = 0;
  for (const NetworkPrediction& p : first) kernels += p.kernel_count;
  EXPECT_LT(memoised, kernels) << "networks share kernels (repeated blocks)";
  for (size_t i = 0; i < graphs.size(); ++i) {
    const NetworkPrediction again = estimator.predict(graphs[i]);
    EXPECT_EQ(again.latency_us, first[i].latency_us);
    EXPECT_EQ(again.latency_std_us, first[i].latency_std_us);
    EXPECT_EQ(again.energy_uj, first[i].energy_uj);
  }
  EXPECT_EQ(estimator.memoised_kernels(), memoised);
  estimator.clear_memo();
  EXPECT_EQ(estimator.memoised_kernels(), 0u);
  EXPECT_EQ(estimator.predict(graphs[0]).latency_us, first[0].latency_us) << "the memo changes speed, not answers";
}

TEST(Estimator, AnUnseenKernelTypeFallsBackToTheSharedBooster) {
  const Estimator& estimator = small_estimator();
  FeatureVector features = testing::small_training_data().data.kernels.front().features;
  const KernelEstimate unseen = estimator.predict_kernel("conv2d+batch_norm+sigmoid+softmax", features);
  EXPECT_TRUE(unseen.shared_only);
  EXPECT_GT(unseen.latency_us(), 0);
  const KernelEstimate seen = estimator.predict_kernel(testing::small_training_data().data.kernels.front().label, features);
  EXPECT_FALSE(seen.shared_only);
}

// Ground truth known per kernel: a type-dependent rate times a power of a size, three times
// slower on small feature maps (which the additive cost prior cannot express). The estimator
// sees only network totals (pack-sum) and must recover the kernels' shares.
double synthetic_latency(const KernelSample& k) {
  double rate = 0.002;
  if (k.features[kDepthwise] == 1) rate = 0.02;  // depthwise ten times slower per unit of work
  if (k.label == "add" || k.label == "mul") rate = 0.004;
  if (k.features[kOutPixels] < 100) rate *= 3;
  const double work = std::max(1.0f, k.features[kPaddedMacs] + k.features[kOutputElements] + k.features[kInputBytes]);
  return rate * std::pow(work, 0.95) + 3.0;  // + a fixed cost per kernel
}

MeasurementSet synthetic_networks(uint64_t seed, size_t count) {
  MeasureOptions measure;
  measure.kernel_rows = false;
  auto measured = measure_sources(u55(), describe_target(u55()), sampled_sources(seed, count), measure);
  EXPECT_TRUE(measured);
  MeasurementSet data = measured->data;
  for (NetworkSample& n : data.networks) {
    n.latency_us = 0;
    for (const KernelSample& k : n.kernels) n.latency_us += synthetic_latency(k);
    n.energy_uj = kNotMeasured;
  }
  return data;
}

TEST(PackSum, LearnsKernelTimesFromNetworkTotalsAlone) {
  const MeasurementSet train = synthetic_networks(21, 80), test = synthetic_networks(22, 25);
  TrainOptions options = small_options();
  options.ensemble = 1;
  options.shared_rounds = 100;
  options.type_rounds = 0;
  options.eta = 0.3;
  options.max_depth = 4;
  auto estimator = fit_estimator(describe_target(u55()), train, options);
  ASSERT_TRUE(estimator) << estimator.error().message;
  EXPECT_EQ(estimator->metadata().training.mode, "networks");
  EXPECT_EQ(estimator->metadata().training.networks, 80u);
  // The cost prior alone (no trees, in effect) for comparison.
  TrainOptions prior_only = options;
  prior_only.shared_rounds = 1;
  prior_only.eta = 1e-6;
  auto prior = fit_estimator(describe_target(u55()), train, prior_only);
  ASSERT_TRUE(prior);
  std::vector<double> fitted_errors, prior_errors;
  double kernel_error = 0, kernel_time = 0;
  for (const NetworkSample& n : test.networks) {
    double fitted = 0, guess = 0;
    for (const KernelSample& k : n.kernels) {
      const double predicted = estimator->predict_kernel(k.label, k.features).latency_us();
      fitted += predicted;
      guess += prior->predict_kernel(k.label, k.features).latency_us();
      kernel_error += std::abs(predicted - synthetic_latency(k));
      kernel_time += synthetic_latency(k);
    }
    fitted_errors.push_back(std::abs(fitted / n.latency_us - 1));
    prior_errors.push_back(std::abs(guess / n.latency_us - 1));
  }
  EXPECT_LT(median(fitted_errors), 0.08);
  EXPECT_GT(median(prior_errors), 0.08) << "the prior alone cannot fit this truth";
  EXPECT_LT(median(fitted_errors), 0.75 * median(prior_errors)) << "boosting on totals must beat the cost prior";
  // The time goes to the right kernels: the kernels' errors add up to a small part of the time.
  EXPECT_LT(kernel_error / kernel_time, 0.15);
}

TEST(PackSum, MixesKernelAndNetworkRows) {
  MeasurementSet data = testing::small_training_data().data;
  MeasureOptions measure;
  measure.kernel_rows = false;
  auto networks = measure_sources(u55(), describe_target(u55()), sampled_sources(23, 10), measure);
  ASSERT_TRUE(networks);
  data.append(networks->data);
  TrainOptions options = small_options();
  options.type_rounds = 10;
  TrainingSummary summary;
  auto regressors = fit_regressors(data, options, &summary);
  ASSERT_TRUE(regressors) << regressors.error().message;
  EXPECT_EQ(summary.mode, "kernels+networks");
  EXPECT_EQ(summary.networks, 10u);
  EXPECT_GT(summary.member_rows, 100u);
  EXPECT_FALSE(regressors->energy.empty());
}

TEST(FitEstimator, RejectsBadInput) {
  const TargetInfo info = describe_target(u55());
  MeasurementSet empty;
  auto fitted = fit_estimator(info, empty, small_options());
  ASSERT_FALSE(fitted);
  EXPECT_NE(fitted.error().message.find("no timed kernels or networks"), std::string::npos);
  MeasurementSet other = testing::small_training_data().data;
  other.target = "htp-like";
  fitted = fit_estimator(info, other, small_options());
  ASSERT_FALSE(fitted);
  EXPECT_NE(fitted.error().message.find("target 'htp-like'"), std::string::npos) << fitted.error().message;
  TrainOptions bad = small_options();
  bad.eta = 0;
  fitted = fit_estimator(info, testing::small_training_data().data, bad);
  ASSERT_FALSE(fitted);
  EXPECT_NE(fitted.error().message.find("eta"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::estimator
