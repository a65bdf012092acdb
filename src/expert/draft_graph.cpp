// DraftGraph: edit a network by node names, then rebuild it with shape inference and kept weights.
#include "hwnas/expert/draft_graph.h"

#include <algorithm>

#include "hwnas/expert/weight_transfer.h"

namespace hwnas::expert {

std::string derive_name(const std::string& base, std::string_view suffix, const std::string& replacement) {
  if (base.size() >= suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0)
    return base.substr(0, base.size() - suffix.size()) + replacement;
  return base + "_" + replacement;
}

DraftGraph::DraftGraph(const ir::Graph& graph) : name_(graph.name()), has_weights_(graph.has_weights()) {
  for (const ir::Node& node : graph.nodes()) {
    DraftNode draft{node.name, node.kind, node.attrs, {}, node.params};
    for (ir::NodeId input : node.inputs) draft.inputs.push_back(graph.node(input).name);
    nodes_.push_back(std::move(draft));
  }
  for (ir::NodeId output : graph.outputs()) outputs_.push_back(graph.node(output).name);
  if (graph.empty()) has_weights_ = false;
}

DraftNode* DraftGraph::find(std::string_view name) {
  int index = index_of(name);
  return index < 0 ? nullptr : &nodes_[static_cast<size_t>(index)];
}

int DraftGraph::index_of(std::string_view name) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].name == name) return static_cast<int>(i);
  return -1;
}

void DraftGraph::redirect(const std::string& from, const std::string& to) {
  for (DraftNode& node : nodes_)
    for (std::string& input : node.inputs)
      if (input == from && node.name != to) input = to;
  for (std::string& output : outputs_)
    if (output == from) output = to;
}

void DraftGraph::erase(const std::vector<std::string>& names) {
  std::erase_if(nodes_, [&](const DraftNode& node) {
    return std::find(names.begin(), names.end(), node.name) != names.end();
  });
}

void DraftGraph::insert_before(const std::string& anchor, std::vector<DraftNode> nodes) {
  int index = index_of(anchor);
  auto at = index < 0 ? nodes_.end() : nodes_.begin() + index;
  nodes_.insert(at, std::make_move_iterator(nodes.begin()), std::make_move_iterator(nodes.end()));
}

void DraftGraph::insert_after(const std::string& anchor, std::vector<DraftNode> nodes) {
  int index = index_of(anchor);
  auto at = index < 0 ? nodes_.end() : nodes_.begin() + index + 1;
  nodes_.insert(at, std::make_move_iterator(nodes.begin()), std::make_move_iterator(nodes.end()));
}

std::string DraftGraph::unique_name(const std::string& base) const {
  if (index_of(base) < 0) return base;
  for (int k = 2;; ++k) {
    std::string candidate = base + "_" + std::to_string(k);
    if (index_of(candidate) < 0) return candidate;
  }
}

Result<ir::Graph> DraftGraph::build(uint64_t seed) const {
  ir::Graph graph(name_);
  for (const DraftNode& draft : nodes_) {
    std::vector<ir::NodeId> inputs;
    for (const std::string& input : draft.inputs) {
      auto id = graph.find(input);
      if (!id) return Error{"node '" + draft.name + "' reads '" + input + "', which is not an earlier node"};
      inputs.push_back(*id);
    }
    auto id = graph.add(draft.kind, draft.attrs, std::move(inputs), draft.name);
    if (!id) return id.error();
    if (!has_weights_) continue;
    const ir::Node& node = graph.node(*id);
    for (size_t i = 0; i < node.params.size(); ++i) {
      ir::Param& param = graph.param(*id, i);
      auto kept = std::find_if(draft.params.begin(), draft.params.end(), [&](const ir::Param& old) {
        return old.role == param.role && old.shape == param.shape && !old.data.empty();
      });
      if (kept != draft.params.end())
        param.data = kept->data;
      else
        initialise_param(param, node, seed);
    }
  }
  std::vector<ir::NodeId> outputs;
  for (const std::string& output : outputs_) {
    auto id = graph.find(output);
    if (!id) return Error{"graph output '" + output + "' is not a node"};
    outputs.push_back(*id);
  }
  if (!outputs.empty()) {
    Status set = graph.set_outputs(outputs);
    if (!set) return set.error();
  }
  return graph;
}

}  // namespace hwnas::expert
