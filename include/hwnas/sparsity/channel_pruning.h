// Structured channel pruning: the least important channels of a network's inner widths removed, with
// their weights, so the pruned network is smaller and faster as it stands (no sparse kernels needed).
//
//   auto pruned = sparsity::prune_channels(trained, {.ratio = 0.25, .criterion = sparsity::PruneCriterion::L1,
//                                                    .channel_multiple = 32});
//   if (!pruned) std::cerr << pruned.error().message;
//   pruned->graph;    // a valid graph with the kept weights: fine-tune it with train::train_network
//   pruned->layers;   // per pruned width: the producer's name, channels before and after
//
// A width can be pruned when no skip connection or concatenation reads it: a conv2d (groups 1)
// whose output reaches exactly one reader through channel-wise ops only — an optional batch norm
// and activation, an optional depthwise conv2d (groups = channels) with its own batch norm and
// activation, a global pooling and flatten — and ends at a conv2d (groups 1) or linear that
// reduces over it. That is an inverted bottleneck's expansion width, a fused IBN's, the pair of
// a standard-conv block's convs when nothing else reads the first, and the head's 1x1 conv before
// the classifier. Widths that an add, concat, squeeze-excite gate or graph output reads keep
// every channel.
//
// Importance: the L1 norm of the producer's filter (Li et al. 2017) or the magnitude of the batch
// norm's scale after it (network slimming, Liu et al. 2017). Each width keeps
// round((1 - ratio) x channels) of its most important channels, rounded to the nearest multiple of
// the target's channel multiple P (at least P, at most the width): on an accelerator whose latency
// is a staircase in channels, a width between two multiples of P costs as much as the next one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"

namespace hwnas::sparsity {

enum class PruneCriterion { L1, BatchNormScale };
const char* criterion_name(PruneCriterion criterion);  // "l1", "bn_scale"
Result<PruneCriterion> criterion_from_name(const std::string& name);

struct PruneOptions {
  double ratio = 0.25;  // share of each prunable width to remove, in [0, 1)
  PruneCriterion criterion = PruneCriterion::L1;
  int64_t channel_multiple = 1;  // P: kept widths are multiples of it
};

struct PrunedWidth {
  std::string producer;  // the conv2d whose output channels were pruned
  int64_t before = 0, after = 0;
};

struct PrunedNetwork {
  ir::Graph graph;
  std::vector<PrunedWidth> widths;  // every prunable width, in node order (after == before: kept whole)
};

// The pruned copy of `graph` (which must carry its weights). Errors: a ratio outside [0, 1), a
// graph without weights, bn_scale on a width without a batch norm (naming its producer).
Result<PrunedNetwork> prune_channels(const ir::Graph& graph, const PruneOptions& options);

}  // namespace hwnas::sparsity
