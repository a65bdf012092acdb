// Graph: a network as a vector of nodes in execution order, each with one output tensor.
//
//   ir::Graph g("tiny");
//   auto x = g.add(ir::OpKind::Input, ir::InputAttrs{{1, 3, 32, 32}}, {}, "image");
//   auto y = g.add(ir::OpKind::Conv2d, ir::Conv2dAttrs::make(16, 3, 2), {*x}, "stem");
//   if (!y) std::cerr << y.error().message;   // shapes are inferred and checked at once
//   g.set_outputs({*y});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hwnas/ir/ops.h"
#include "hwnas/ir/precision.h"
#include "hwnas/ir/result.h"
#include "hwnas/ir/shape.h"

namespace hwnas::ir {

// A node's id is its index in Graph::nodes(); the node's output tensor has the same id.
using NodeId = int32_t;
inline constexpr NodeId kNoNode = -1;

// A weight tensor of a node. `data` is empty when the graph carries shapes only.
struct Param {
  std::string role;  // "weight", "bias", "scale", "mean", "var"
  Shape shape;
  bool trainable = true;  // false for batch-norm running statistics
  std::vector<float> data;
  bool operator==(const Param&) const = default;
};

struct Node {
  NodeId id = kNoNode;
  std::string name;
  OpKind kind = OpKind::Input;
  Attrs attrs;
  std::vector<NodeId> inputs;
  Shape shape;                // inferred output shape
  std::vector<Param> params;  // in the fixed order the op defines
  // The precision the accelerator computes this node's output in (mixed precision: a space's
  // per-stage `precision` decision). Unset: the target's own precision.
  std::optional<Precision> precision;
  bool operator==(const Node&) const = default;

  template <class A>
  const A& attr() const { return std::get<A>(attrs); }
  // "node 'stem' (conv2d)": the prefix of messages about this node.
  std::string describe() const;
};

class Graph {
 public:
  explicit Graph(std::string name = "network") : name_(std::move(name)) {}

  // Appends a node after inferring and checking its shape. An empty name gets "<op>_<id>".
  // Inputs must already be in the graph, so node order is always a valid execution order.
  Result<NodeId> add(OpKind kind, Attrs attrs, std::vector<NodeId> inputs, std::string name = "");

  // The tensors the network returns, in order. Defaults to the last node when never set.
  Status set_outputs(std::vector<NodeId> outputs);
  std::vector<NodeId> outputs() const;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }
  const Node& node(NodeId id) const { return nodes_.at(static_cast<size_t>(id)); }
  const Node& operator[](NodeId id) const { return node(id); }
  // For filling weights; the structure (kind, attrs, inputs, shape) must not be edited.
  Param& param(NodeId id, size_t index) { return nodes_.at(static_cast<size_t>(id)).params.at(index); }
  // Sets the precision a node's output is computed in (unset: the target's).
  void set_precision(NodeId id, std::optional<Precision> precision) {
    nodes_.at(static_cast<size_t>(id)).precision = precision;
  }

  std::optional<NodeId> find(std::string_view name) const;
  // The graph's Input nodes, in order.
  std::vector<NodeId> inputs() const;
  // consumers()[id] lists the nodes that read node id's output, in node order.
  std::vector<std::vector<NodeId>> consumers() const;
  // True when every param of every node has its data.
  bool has_weights() const;

  bool operator==(const Graph& other) const;

 private:
  std::string name_;
  std::vector<Node> nodes_;
  std::vector<NodeId> outputs_;
  std::unordered_map<std::string, NodeId> by_name_;
};

}  // namespace hwnas::ir
