// Fusion rules: how a target splits a graph into kernels (maximal fused chains of operators).
//
//   hw::FusionRules rules;                 // conv + batch_norm + activation fuse by default
//   auto kernels = hw::partition_by_fusion(graph, rules);
//   hw::kernel_label(graph, kernels[0]);   // "conv2d+batch_norm+relu6"
#pragma once

#include <string>
#include <vector>

#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::hw {

// Which chains of operators run as one command (one kernel). A chain grows from its first
// operator through nodes read only by the next; a tensor that is a graph output or read by
// several nodes ends it. Flatten and reshape (views) always join their producer, and a pad
// joins the convolution or pooling it feeds (as the command's explicit padding).
struct FusionRules {
  bool batch_norm = true;           // conv/linear -> batch_norm: folded into weights and bias
  bool activation = true;           // one activation into the producing kernel's output stage
  bool residual_add = false;        // conv -> add(other tensor) as the conv's output stage
  bool elementwise_chains = false;  // consecutive elementwise ops in one vector-unit pass
  bool cascade = true;              // between kernels: keep stripes of a tensor in SRAM when the
                                    // whole tensor does not fit (used by the memory model)
};

// The kernels of `graph` under `rules`: every non-input node exactly once, each kernel's nodes
// in node order, kernels in an order that is a valid execution order.
std::vector<Kernel> partition_by_fusion(const ir::Graph& graph, const FusionRules& rules);

// The op names of a kernel's nodes joined by '+', e.g. "conv2d+batch_norm+relu6".
std::string kernel_label(const ir::Graph& graph, const Kernel& kernel);

}  // namespace hwnas::hw
