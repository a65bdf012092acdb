// Pattern remove_squeeze_excite: drops a squeeze-excite (pool -> reduce -> act -> expand -> gate
// -> mul); its readers read the tensor it gated. SE costs little compute but a global pool and
// a broadcast multiply that accelerators often run as slow, memory-bound kernels.
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

class RemoveSqueezeExcite : public Pattern {
 public:
  std::string name() const override { return "remove_squeeze_excite"; }
  std::string summary() const override { return "remove a squeeze-excite block (anchor: its global pool)"; }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"remove_squeeze_excite needs a node (the SE's global pool)"};
    GraphView view(graph);
    auto se = squeeze_excite_at_pool(view, anchor);
    if (!se) return se.error();
    return Match{anchor, se->nodes()};
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    GraphView view(graph);
    auto se = squeeze_excite_at_pool(view, match.anchor);
    if (!se) return se.error();
    DraftGraph draft(graph);
    draft.redirect(graph.node(se->scale).name, graph.node(se->input).name);
    std::vector<std::string> erased;
    for (ir::NodeId id : se->nodes()) erased.push_back(graph.node(id).name);
    draft.erase(erased);
    return draft.build(seed);
  }
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_remove_squeeze_excite(const PatternParams& params) {
  if (Status s = check_param_keys("remove_squeeze_excite", params, {}); !s) return s.error();
  return std::unique_ptr<Pattern>(std::make_unique<RemoveSqueezeExcite>());
}

}  // namespace hwnas::expert
