// Weight clustering: each layer's weights replaced by the nearest of k shared values (k-means), so a
// weight decoder with a palette stores an index of ceil(log2 k) bits per weight.
//
//   auto clusters = sparsity::cluster_weights(graph, {.centroids = 16});   // graph with weights
//   if (!clusters) std::cerr << clusters.error().message;
//   // graph's conv / linear weights now hold at most 16 distinct values per layer
//   sparsity::recenter(clusters->layers[0], weights);  // after a fine-tuning step: centroid = mean of its weights
//
// k-means is one-dimensional and exact per iteration: the values sorted once, each assignment a
// split at the midpoints between adjacent centroids, each centroid the mean of its values, until
// no assignment changes (at most `iterations` rounds). Centroids start evenly spaced between the
// layer's smallest and largest weight (TF-MOT's "linear" initialisation, which keeps the few large
// weights that matter most), so the result needs no seed and is the same on every run.
// Fine-tuning keeps the clusters: after each optimiser step `recenter` moves every centroid to
// the mean of its (updated) weights and writes it back to them, which for SGD is a step of the
// centroid along the mean of its weights' gradients (the shared-weight gradient of Han et al.'s
// Deep Compression, up to the learning rate's scale).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"

namespace hwnas::sparsity {

struct ClusteringOptions {
  int centroids = 16;     // per layer, 2 to 256
  int iterations = 100;   // Lloyd rounds at most
  int64_t min_weights = 0;  // layers with fewer weights are left as they are (0: cluster every layer)
};

// One layer's clusters: its centroids (ascending as clustered) and each weight's centroid, in the weight's order.
struct LayerClusters {
  ir::NodeId node = ir::kNoNode;
  std::vector<float> centroids;
  std::vector<uint8_t> assignment;
  int rounds = 0;  // Lloyd rounds taken (0: no more distinct values than centroids, assigned exactly)
};

struct ClusteredNetwork {
  std::vector<LayerClusters> layers;  // in node order: every conv2d, conv_transpose2d and linear clustered
  int64_t weights = 0;                // weights clustered
  int rounds = 0;                     // the most Lloyd rounds a layer took
};

// Clusters the weights (param 0) of every conv2d, conv_transpose2d and linear node of `graph` in
// place. Errors: a centroid count outside [2, 256], or a graph without weights (naming it).
Result<ClusteredNetwork> cluster_weights(ir::Graph& graph, const ClusteringOptions& options = {});

// k-means of `values` into at most `k` clusters (fewer when there are fewer distinct values).
LayerClusters cluster_values(std::span<const float> values, int k, int iterations);

// Moves each centroid of `clusters` to the mean of the weights assigned to it and writes the
// centroids back into `weights` (a centroid that lost its every weight keeps its value).
void recenter(LayerClusters& clusters, std::span<float> weights);

}  // namespace hwnas::sparsity
