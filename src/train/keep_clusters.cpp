// keep_clusters: the after-step hook of a clustered fine-tuning, recentring each layer's weights in the libtorch module.
#include "hwnas/train/keep_clusters.h"

#include <span>

namespace hwnas::train {

std::function<void(libtorch::GraphModule&)> keep_clusters(std::shared_ptr<sparsity::ClusteredNetwork> clusters) {
  return [clusters](libtorch::GraphModule& module) {
    for (sparsity::LayerClusters& layer : clusters->layers) {
      torch::Tensor weight = module->param(layer.node, "weight");
      if (!weight.defined()) continue;
      torch::Tensor values = weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
      sparsity::recenter(layer, std::span<float>(values.data_ptr<float>(), static_cast<size_t>(values.numel())));
      weight.copy_(values.to(weight.device()).view_as(weight));
    }
  };
}

}  // namespace hwnas::train
