// Pattern drop_block: removes a repeated residual block (the depth a search takes out of a
// stage): a residual add whose two inputs have its output's shape, one being the block's input x
// and the other a branch computed from x alone, is replaced by x (the add's readers read x; the
// branch is erased). `keep` N leaves the first N residual blocks of each tensor shape in place,
// so "keep 1 per stage" is one rule however deep the stage is.
#include <algorithm>
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

struct ResidualBlock {
  ir::NodeId add = ir::kNoNode;
  ir::NodeId skip = ir::kNoNode;    // x: the block's input, read by the add directly
  std::vector<ir::NodeId> branch;   // the nodes computing the other summand from x, ascending
};

// The branch of `add` that starts at `skip` and ends at `out`, or the reason there is none.
Result<std::vector<ir::NodeId>> branch_from(const GraphView& view, ir::NodeId add, ir::NodeId skip, ir::NodeId out) {
  const ir::Graph& g = view.graph();
  std::vector<ir::NodeId> branch, stack{out};
  std::vector<bool> seen(g.size(), false);
  while (!stack.empty()) {
    ir::NodeId id = stack.back();
    stack.pop_back();
    if (id == skip || seen[static_cast<size_t>(id)]) continue;
    seen[static_cast<size_t>(id)] = true;
    const ir::Node& node = g.node(id);
    if (id < skip || node.kind == ir::OpKind::Input)
      return Error{g.node(add).describe() + " adds a branch that reads " + node.describe() +
                   ", not only the block's input " + g.node(skip).describe()};
    branch.push_back(id);
    stack.insert(stack.end(), node.inputs.begin(), node.inputs.end());
  }
  std::sort(branch.begin(), branch.end());
  for (ir::NodeId id : branch) {
    if (view.is_output(id))
      return Error{g.node(id).describe() + " in the branch of " + g.node(add).describe() + " is a graph output"};
    for (ir::NodeId reader : view.readers(id))
      if (reader != add && !std::binary_search(branch.begin(), branch.end(), reader))
        return Error{g.node(id).describe() + " in the branch of " + g.node(add).describe() + " is also read by " +
                     g.node(reader).describe() + ", outside the block"};
  }
  return branch;
}

Result<ResidualBlock> residual_block_at(const GraphView& view, ir::NodeId add) {
  const ir::Graph& g = view.graph();
  const ir::Node& node = g.node(add);
  if (node.kind != ir::OpKind::Add || node.inputs.size() != 2)
    return Error{node.describe() + " is not a residual add (no residual block to drop)"};
  const ir::NodeId a = node.inputs[0], b = node.inputs[1];
  if (node.shape.rank() != 4 || g.node(a).shape != node.shape || g.node(b).shape != node.shape)
    return Error{node.describe() + " adds tensors of different shapes: the block's input and output differ"};
  if (a == b) return Error{node.describe() + " adds a tensor to itself: there is no branch to drop"};
  // The skip is the earlier input (the branch is computed from it).
  const ir::NodeId skip = std::min(a, b), out = std::max(a, b);
  auto branch = branch_from(view, add, skip, out);
  if (!branch) return branch.error();
  return ResidualBlock{add, skip, std::move(*branch)};
}

class DropBlock : public Pattern {
 public:
  explicit DropBlock(int64_t keep) : keep_(keep) {}
  std::string name() const override { return "drop_block"; }
  std::string summary() const override {
    return "replace a residual block (input and output of one shape) by the identity, keeping the first `keep` "
           "of each shape";
  }
  PatternParams params() const override { return {{"keep", std::to_string(keep_)}}; }

  std::vector<ir::NodeId> anchors(const ir::Graph& graph) const override {
    std::vector<ir::NodeId> ids;
    for (const ir::Node& node : graph.nodes())
      if (node.kind == ir::OpKind::Add) ids.push_back(node.id);
    return ids;
  }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"drop_block needs a node (the residual add)"};
    GraphView view(graph);
    auto block = residual_block_at(view, anchor);
    if (!block) return block.error();
    // The block's index among the residual blocks of its shape that come before it.
    int64_t index = 0;
    for (const ir::Node& node : graph.nodes()) {
      if (node.id >= anchor) break;
      if (node.kind == ir::OpKind::Add && node.shape == graph.node(anchor).shape && residual_block_at(view, node.id))
        ++index;
    }
    if (index < keep_)
      return Error{graph.node(anchor).describe() + " is residual block " + std::to_string(index + 1) + " of its shape " +
                   graph.node(anchor).shape.to_string() + "; keep=" + std::to_string(keep_) + " keeps it"};
    Match m{anchor, block->branch};
    m.nodes.push_back(anchor);
    return m;
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    GraphView view(graph);
    auto block = residual_block_at(view, match.anchor);
    if (!block) return block.error();
    DraftGraph draft(graph);
    draft.redirect(graph.node(block->add).name, graph.node(block->skip).name);
    std::vector<std::string> erased;
    for (ir::NodeId id : block->branch) erased.push_back(graph.node(id).name);
    erased.push_back(graph.node(block->add).name);
    draft.erase(erased);
    return draft.build(seed);
  }

 private:
  int64_t keep_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_drop_block(const PatternParams& params) {
  const std::string name = "drop_block";
  if (Status s = check_param_keys(name, params, {"keep"}); !s) return s.error();
  auto keep = int_param(name, params, "keep", 0, 0);
  if (!keep) return keep.error();
  return std::unique_ptr<Pattern>(std::make_unique<DropBlock>(*keep));
}

}  // namespace hwnas::expert
