// Builder: a convenience layer over Graph::add that scopes names and keeps the first error,
// so block and model code reads as a script and checks once at the end.
//
//   ir::Builder b(graph);
//   auto x = b.input({1, 3, 224, 224});
//   { auto scope = b.scope("stem"); x = b.conv_bn_act(x, 32, 3, 2, ir::OpKind::Relu6); }
//   if (!b.ok()) return b.error();
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::ir {

class Builder {
 public:
  explicit Builder(Graph& graph) : graph_(graph) {}

  // RAII name scope: nodes built inside get "<outer>.<name>." prefixed to their names.
  class Scope {
   public:
    Scope(Builder& b, const std::string& name);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Builder& builder_;
    size_t previous_size_;
  };
  [[nodiscard]] Scope scope(const std::string& name) { return Scope(*this, name); }

  // Adds a node named "<prefix><name>". After the first error every call returns kNoNode.
  NodeId op(OpKind kind, Attrs attrs, std::vector<NodeId> inputs, const std::string& name = "");

  NodeId input(Shape shape, const std::string& name = "input");
  NodeId conv(NodeId x, const Conv2dAttrs& attrs, const std::string& name = "conv");
  NodeId batch_norm(NodeId x, const std::string& name = "bn");
  // Activation of `kind` (relu, relu6, hard_swish, hard_sigmoid, sigmoid, swish).
  NodeId act(NodeId x, OpKind kind, const std::string& name = "");
  // conv (no bias) -> batch norm -> activation; `activation` Input means none.
  NodeId conv_bn_act(NodeId x, int64_t out_channels, int64_t kernel, int64_t stride,
                     OpKind activation, int64_t groups = 1, const std::string& name = "conv");
  NodeId linear(NodeId x, int64_t out_features, bool bias = true, const std::string& name = "fc");
  NodeId add(NodeId a, NodeId b, const std::string& name = "add");
  NodeId mul(NodeId a, NodeId b, const std::string& name = "mul");
  NodeId concat(std::vector<NodeId> xs, int64_t axis = 1, const std::string& name = "concat");
  NodeId global_avg_pool(NodeId x, const std::string& name = "pool");
  NodeId flatten(NodeId x, const std::string& name = "flatten");

  const Shape& shape(NodeId x) const { return graph_.node(x).shape; }
  int64_t channels(NodeId x) const { return graph_.node(x).shape[1]; }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  Graph& graph() { return graph_; }

 private:
  Graph& graph_;
  std::string prefix_;
  std::optional<Error> error_;
};

}  // namespace hwnas::ir
