// Helpers of the block tests: a graph with one input, and the cost of everything built on it.
#pragma once

#include <gtest/gtest.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"

namespace hwnas::blocks::testing {

// A graph holding one input of `shape` and a builder on it.
struct BlockBench {
  ir::Graph graph{"block"};
  ir::Builder builder{graph};
  ir::NodeId input;
  explicit BlockBench(ir::Shape shape) : input(builder.input(std::move(shape))) {}

  bool has(const std::string& name) const { return graph.find(name).has_value(); }
  const ir::Node& node(const std::string& name) const {
    auto id = graph.find(name);
    EXPECT_TRUE(id.has_value()) << "no node named " << name;
    return graph.node(id.value_or(0));
  }
  int64_t params() const { return analysis::analyze_cost(graph).params; }
  int64_t macs() const { return analysis::analyze_cost(graph).macs; }
  int count(ir::OpKind kind) const {
    int n = 0;
    for (const ir::Node& node : graph.nodes()) n += node.kind == kind;
    return n;
  }
};

// Trainable parameters of a batch norm over c channels (scale and bias).
inline int64_t bn_params(int64_t c) { return 2 * c; }

}  // namespace hwnas::blocks::testing
