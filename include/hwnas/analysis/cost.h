// Per-layer and total compute and size of a network: MACs, FLOPs, parameters, weight bytes.
//
// Conventions (those of the papers the zoo is checked against):
//  - MACs count multiply-accumulates of conv2d and linear only: a conv's output elements
//    times (in_channels / groups) x kernel_h x kernel_w; a linear's batch x in x out.
//  - FLOPs = 2 x MACs plus the elementwise work of every other op (bias adds, batch norm,
//    activations, add, mul, pooling windows, resize interpolation, softmax), per output element.
//  - Parameters are the trainable weights (conv and linear weights and biases, batch-norm
//    scale and bias); batch-norm running mean and variance are buffers, counted apart.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"

namespace hwnas::analysis {

struct LayerCost {
  ir::NodeId node = ir::kNoNode;
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t params = 0;             // trainable
  int64_t buffers = 0;            // non-trainable (batch-norm statistics)
  int64_t output_elements = 0;    // elements of the node's output tensor
};

struct CostSummary {
  std::vector<LayerCost> layers;  // one per node, in node order
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t params = 0;
  int64_t buffers = 0;
};

LayerCost layer_cost(const ir::Graph& graph, ir::NodeId node);
CostSummary analyze_cost(const ir::Graph& graph);

// Bytes of all trainable weights stored at `precision`.
int64_t weight_bytes(const ir::Graph& graph, ir::Precision precision);

}  // namespace hwnas::analysis
