// Weight clustering: k-means by hand, every layer of a zoo network at k values, determinism, re-centring, errors.
#include "hwnas/sparsity/weight_clustering.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hwnas/reference/reference.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::sparsity {
namespace {

TEST(WeightClustering, TwoGroupsByHand) {
  const std::vector<float> values{10.2f, 0.0f, 10.0f, 0.2f, 0.1f, 10.1f};
  LayerClusters c = cluster_values(values, 2, 100);
  ASSERT_EQ(c.centroids.size(), 2u);
  EXPECT_NEAR(c.centroids[0], 0.1f, 1e-6f);
  EXPECT_NEAR(c.centroids[1], 10.1f, 1e-5f);
  EXPECT_EQ(c.assignment, (std::vector<uint8_t>{1, 0, 1, 0, 0, 1}));
  // linear initialisation: 0 and 10.2; the first assignment already settles
  EXPECT_LE(c.rounds, 2);
}

TEST(WeightClustering, FewerDistinctValuesThanCentroidsAreExact) {
  const std::vector<float> values{-1.0f, 2.0f, -1.0f, 0.5f};
  LayerClusters c = cluster_values(values, 16, 100);
  EXPECT_EQ(c.centroids, (std::vector<float>{-1.0f, 0.5f, 2.0f}));
  EXPECT_EQ(c.assignment, (std::vector<uint8_t>{0, 2, 0, 1}));
  EXPECT_EQ(c.rounds, 0);
}

double squared_error(const ir::Graph& a, const ir::Graph& b) {
  double e = 0;
  for (const ir::Node& n : a.nodes())
    if (!n.params.empty() && (n.kind == ir::OpKind::Conv2d || n.kind == ir::OpKind::Linear))
      for (size_t i = 0; i < n.params[0].data.size(); ++i) {
        const double d = n.params[0].data[i] - b.node(n.id).params[0].data[i];
        e += d * d;
      }
  return e;
}

TEST(WeightClustering, EveryLayerOfAZooNetworkHoldsAtMostKValues) {
  auto model = zoo::build_model("mobilenet_v2", {.width_multiplier = 0.35, .resolution = 32, .num_classes = 10, .in_channels = 1});
  ASSERT_TRUE(model.ok()) << model.error().message;
  ir::Graph original = *model;
  reference::fill_random_weights(original, 5);
  ir::Graph k16 = original, k32 = original, again = original;
  auto c16 = cluster_weights(k16, {.centroids = 16});
  ASSERT_TRUE(c16.ok()) << c16.error().message;
  ASSERT_TRUE(cluster_weights(k32, {.centroids = 32}).ok());
  ASSERT_TRUE(cluster_weights(again, {.centroids = 16}).ok());
  EXPECT_TRUE(again == k16) << "no seed: the same clusters every run";
  int64_t layers = 0;
  for (const ir::Node& n : k16.nodes()) {
    if (n.kind != ir::OpKind::Conv2d && n.kind != ir::OpKind::Linear) continue;
    ++layers;
    const std::set<float> distinct(n.params[0].data.begin(), n.params[0].data.end());
    EXPECT_LE(distinct.size(), 16u) << n.name;
  }
  EXPECT_EQ(static_cast<int64_t>(c16->layers.size()), layers);
  EXPECT_GT(c16->weights, 10000);
  // more centroids, closer weights
  const double e16 = squared_error(original, k16), e32 = squared_error(original, k32);
  EXPECT_GT(e16, 0);
  EXPECT_LT(e32, 0.5 * e16);
  // k-means beats the evenly spaced grid it starts from
  double grid_error = 0;
  for (const LayerClusters& layer : c16->layers) {
    const std::vector<float>& w = original.node(layer.node).params[0].data;
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    for (float v : w) {
      const double step = (*hi - *lo) / 15.0;
      const double q = *lo + std::round((v - *lo) / step) * step;
      grid_error += (v - q) * (v - q);
    }
  }
  EXPECT_LT(e16, grid_error);
}

TEST(WeightClustering, RecenterMovesCentroidsToTheMeanOfTheirWeights) {
  std::vector<float> weights{0.0f, 0.2f, 10.0f, 10.4f};
  LayerClusters c = cluster_values(weights, 2, 100);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = c.centroids[c.assignment[i]];
  weights = {0.1f, 0.3f, 10.0f, 10.4f};  // after an optimiser step
  recenter(c, weights);
  EXPECT_NEAR(c.centroids[0], 0.2f, 1e-6f);
  EXPECT_NEAR(c.centroids[1], 10.2f, 1e-5f);
  EXPECT_EQ(weights[0], weights[1]);
  EXPECT_EQ(weights[2], weights[3]);
}

TEST(WeightClustering, ErrorsSayWhy) {
  auto model = zoo::build_model("mobilenet_v2", {.width_multiplier = 0.35, .resolution = 32, .num_classes = 10, .in_channels = 1});
  ASSERT_TRUE(model.ok());
  ir::Graph g = *model;
  auto no_weights = cluster_weights(g, {});
  ASSERT_FALSE(no_weights.ok());
  EXPECT_NE(no_weights.error().message.find("has no weights to cluster"), std::string::npos) << no_weights.error().message;
  reference::fill_random_weights(g, 1);
  for (int k : {1, 257}) {
    auto bad = cluster_weights(g, {.centroids = k});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("2 to 256"), std::string::npos) << bad.error().message;
  }
}

}  // namespace
}  // namespace hwnas::sparsity
