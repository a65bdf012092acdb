// DraftGraph: an editable copy of an ir::Graph (nodes addressed by name) that rewrites edit and
// then rebuild into a checked ir::Graph, keeping weights whose shapes did not change.
//
//   expert::DraftGraph draft(graph);
//   draft.redirect("b1.dw", "b1.fused");          // readers of b1.dw now read b1.fused
//   draft.erase({"b1.expand", "b1.dw"});
//   auto rebuilt = draft.build(seed);              // shapes inferred again; an Error names the node
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::expert {

struct DraftNode {
  std::string name;
  ir::OpKind kind = ir::OpKind::Input;
  ir::Attrs attrs;
  std::vector<std::string> inputs;  // names of earlier nodes
  std::vector<ir::Param> params;    // weights to keep where the rebuilt shapes match
};

class DraftGraph {
 public:
  explicit DraftGraph(const ir::Graph& graph);

  const std::vector<DraftNode>& nodes() const { return nodes_; }
  // The node called `name`, or nullptr.
  DraftNode* find(std::string_view name);
  // Position of `name` in execution order, or -1.
  int index_of(std::string_view name) const;

  // Every input and graph output that reads `from` reads `to` instead.
  void redirect(const std::string& from, const std::string& to);
  // Removes the named nodes (their readers must have been redirected first).
  void erase(const std::vector<std::string>& names);
  // Inserts `nodes` just before the node `anchor` (at the end when `anchor` is unknown).
  void insert_before(const std::string& anchor, std::vector<DraftNode> nodes);
  // Inserts `nodes` just after the node `anchor`.
  void insert_after(const std::string& anchor, std::vector<DraftNode> nodes);
  // `base`, or `base_2`, `base_3`, ...: a name no node has.
  std::string unique_name(const std::string& base) const;

  // The checked graph. When the source graph had weights, a param keeps its data when a param
  // of the same role and shape was carried; others get a fresh initialisation seeded from
  // (seed, node name): He-uniform conv and linear weights, zero biases, unit batch-norm scale
  // and variance, zero mean. A graph without weights stays without.
  Result<ir::Graph> build(uint64_t seed) const;

 private:
  std::string name_;
  std::vector<DraftNode> nodes_;
  std::vector<std::string> outputs_;
  bool has_weights_ = false;
};

// A node name derived from `base`: its trailing `suffix` replaced by `replacement`, or
// `base + "_" + replacement` when it does not end in `suffix`.
std::string derive_name(const std::string& base, std::string_view suffix, const std::string& replacement);

}  // namespace hwnas::expert
