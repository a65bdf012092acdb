// Graph construction with shape checking, lookup and structural queries.
#include "hwnas/ir/graph.h"

#include "hwnas/ir/infer_shape.h"

namespace hwnas::ir {

std::string Node::describe() const {
  return "node '" + name + "' (" + std::string(op_name(kind)) + ")";
}

Result<NodeId> Graph::add(OpKind kind, Attrs attrs, std::vector<NodeId> inputs, std::string name) {
  auto id = static_cast<NodeId>(nodes_.size());
  if (name.empty()) name = std::string(op_name(kind)) + "_" + std::to_string(id);
  std::string where = "node '" + name + "' (" + std::string(op_name(kind)) + ")";
  if (by_name_.count(name)) return Error{where + ": a node of that name already exists"};
  std::vector<Shape> input_shapes;
  input_shapes.reserve(inputs.size());
  for (NodeId input : inputs) {
    if (input < 0 || input >= id) return Error{where + ": input id " + std::to_string(input) + " is not an earlier node"};
    input_shapes.push_back(nodes_[static_cast<size_t>(input)].shape);
  }
  auto shape = infer_shape(kind, attrs, input_shapes);
  if (!shape) return shape.error().within(where);
  Node node;
  node.id = id;
  node.name = std::move(name);
  node.kind = kind;
  node.params = make_params(kind, attrs, input_shapes);
  node.attrs = std::move(attrs);
  node.inputs = std::move(inputs);
  node.shape = std::move(shape.value());
  by_name_.emplace(node.name, id);
  nodes_.push_back(std::move(node));
  return id;
}

Status Graph::set_outputs(std::vector<NodeId> outputs) {
  if (outputs.empty()) return Error{"graph '" + name_ + "': needs at least one output"};
  for (NodeId id : outputs)
    if (id < 0 || static_cast<size_t>(id) >= nodes_.size())
      return Error{"graph '" + name_ + "': output id " + std::to_string(id) + " is not a node"};
  outputs_ = std::move(outputs);
  return {};
}

std::vector<NodeId> Graph::outputs() const {
  if (!outputs_.empty() || nodes_.empty()) return outputs_;
  return {static_cast<NodeId>(nodes_.size() - 1)};
}

std::optional<NodeId> Graph::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<NodeId> Graph::inputs() const {
  std::vector<NodeId> ids;
  for (const Node& n : nodes_)
    if (n.kind == OpKind::Input) ids.push_back(n.id);
  return ids;
}

std::vector<std::vector<NodeId>> Graph::consumers() const {
  std::vector<std::vector<NodeId>> users(nodes_.size());
  for (const Node& n : nodes_)
    for (NodeId input : n.inputs)
      if (users[static_cast<size_t>(input)].empty() || users[static_cast<size_t>(input)].back() != n.id)
        users[static_cast<size_t>(input)].push_back(n.id);
  return users;
}

bool Graph::has_weights() const {
  for (const Node& n : nodes_)
    for (const Param& p : n.params)
      if (static_cast<int64_t>(p.data.size()) != p.shape.numel()) return false;
  return true;
}

bool Graph::operator==(const Graph& other) const {
  return name_ == other.name_ && nodes_ == other.nodes_ && outputs() == other.outputs();
}

}  // namespace hwnas::ir
