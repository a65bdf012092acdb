// Weight clustering: one-dimensional k-means per layer over its sorted weights, and the re-centring step of a fine-tuning.
#include "hwnas/sparsity/weight_clustering.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace hwnas::sparsity {
namespace {

bool clusters_weights(ir::OpKind kind) {
  return kind == ir::OpKind::Conv2d || kind == ir::OpKind::ConvTranspose2d || kind == ir::OpKind::Linear;
}

}  // namespace

LayerClusters cluster_values(std::span<const float> values, int k, int iterations) {
  LayerClusters result;
  const size_t n = values.size();
  result.assignment.assign(n, 0);
  if (n == 0 || k < 1) return result;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
  std::vector<float> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = values[order[i]];

  // end[j]: one past the last sorted position of cluster j (contiguous in sorted order).
  std::vector<double> centroids;
  std::vector<size_t> end;
  std::vector<float> unique_values(sorted);
  unique_values.erase(std::unique(unique_values.begin(), unique_values.end()), unique_values.end());
  if (unique_values.size() <= static_cast<size_t>(k)) {  // exact: one centroid per distinct value
    centroids.assign(unique_values.begin(), unique_values.end());
    for (size_t j = 0, i = 0; j < unique_values.size(); ++j) {
      while (i < n && sorted[i] == unique_values[j]) ++i;
      end.push_back(i);
    }
  } else {
    const double lo = sorted.front(), hi = sorted.back();
    for (int j = 0; j < k; ++j) centroids.push_back(lo + (hi - lo) * j / (k - 1));
    for (int round = 0; round < std::max(1, iterations); ++round) {
      // Assign: a value goes to the centroid below the first midpoint at or above it.
      std::vector<size_t> next_end;
      size_t i = 0;
      for (size_t j = 0; j < centroids.size(); ++j) {
        if (j + 1 < centroids.size()) {
          const double boundary = 0.5 * (centroids[j] + centroids[j + 1]);
          while (i < n && sorted[i] <= boundary) ++i;
        } else {
          i = n;
        }
        next_end.push_back(i);
      }
      // Update: each non-empty cluster's mean; empty clusters go.
      std::vector<double> next_centroids;
      std::vector<size_t> kept_end;
      size_t begin = 0;
      for (size_t j = 0; j < centroids.size(); ++j) {
        if (next_end[j] > begin) {
          double sum = 0;
          for (size_t p = begin; p < next_end[j]; ++p) sum += sorted[p];
          next_centroids.push_back(sum / static_cast<double>(next_end[j] - begin));
          kept_end.push_back(next_end[j]);
        }
        begin = next_end[j];
      }
      const bool settled = kept_end == end;
      centroids = std::move(next_centroids);
      end = std::move(kept_end);
      result.rounds = round + 1;
      if (settled) break;
    }
  }
  result.centroids.assign(centroids.begin(), centroids.end());
  for (size_t j = 0, begin = 0; j < end.size(); begin = end[j], ++j)
    for (size_t p = begin; p < end[j]; ++p) result.assignment[order[p]] = static_cast<uint8_t>(j);
  return result;
}

void recenter(LayerClusters& clusters, std::span<float> weights) {
  const size_t k = clusters.centroids.size();
  std::vector<double> sum(k, 0.0);
  std::vector<int64_t> count(k, 0);
  for (size_t i = 0; i < weights.size() && i < clusters.assignment.size(); ++i) {
    sum[clusters.assignment[i]] += weights[i];
    ++count[clusters.assignment[i]];
  }
  for (size_t j = 0; j < k; ++j)
    if (count[j] > 0) clusters.centroids[j] = static_cast<float>(sum[j] / static_cast<double>(count[j]));
  for (size_t i = 0; i < weights.size() && i < clusters.assignment.size(); ++i) weights[i] = clusters.centroids[clusters.assignment[i]];
}

Result<ClusteredNetwork> cluster_weights(ir::Graph& graph, const ClusteringOptions& options) {
  if (options.centroids < 2 || options.centroids > 256)
    return Error{"weight clustering: " + std::to_string(options.centroids) + " centroids; a layer takes 2 to 256 (an index of at most 8 bits)"};
  ClusteredNetwork network;
  for (const ir::Node& node : graph.nodes()) {
    if (!clusters_weights(node.kind) || node.params.empty()) continue;
    ir::Param& weight = graph.param(node.id, 0);
    if (weight.data.empty())
      return Error{"weight clustering: graph '" + graph.name() + "': " + node.describe() + " has no weights to cluster (train it first)"};
    if (static_cast<int64_t>(weight.data.size()) < options.min_weights) continue;
    LayerClusters clusters = cluster_values(weight.data, options.centroids, options.iterations);
    clusters.node = node.id;
    for (size_t i = 0; i < weight.data.size(); ++i) weight.data[i] = clusters.centroids[clusters.assignment[i]];
    network.weights += static_cast<int64_t>(weight.data.size());
    network.rounds = std::max(network.rounds, clusters.rounds);
    network.layers.push_back(std::move(clusters));
  }
  if (network.layers.empty()) return Error{"weight clustering: graph '" + graph.name() + "' has no conv or linear layer to cluster"};
  return network;
}

}  // namespace hwnas::sparsity
