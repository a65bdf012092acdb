// Fine-tuning a clustered network: the TrainOptions::after_step hook that keeps every layer on its clusters.
//
//   auto clusters = std::make_shared<sparsity::ClusteredNetwork>(*sparsity::cluster_weights(graph, {.centroids = 16}));
//   train::TrainOptions options;
//   options.after_step = train::keep_clusters(clusters);   // recentres after every optimizer step
//   auto tuned = train::train_network(graph, task, train_set, &held_out, options);
//   // every conv / linear weight of tuned->graph still takes at most 16 values
#pragma once

#include <functional>
#include <memory>

#include "hwnas/sparsity/weight_clustering.h"
#include "hwnas/torch/module.h"

namespace hwnas::train {

// After each step, sparsity::recenter on each clustered layer's weight in the module (its
// centroids, held in `clusters`, follow the training).
std::function<void(libtorch::GraphModule&)> keep_clusters(std::shared_ptr<sparsity::ClusteredNetwork> clusters);

}  // namespace hwnas::train
