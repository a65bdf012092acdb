// Pattern align_channels: rounds the width of one channel group (scope=layer, anchor: a node of
// the group) or of every group (scope=model) to a multiple of the target's parallelism factor,
// up, down or to the nearest multiple. Groups tie the widths of residual adds, SE multiplies and
// depthwise convs; concat inputs are aligned one by one, so concat outputs stay consistent.
#include <memory>

#include "channel_pattern_support.h"
#include "hwnas/expert/draft_graph.h"

namespace hwnas::expert {
namespace {

using detail::Rounding;

class AlignChannels : public detail::ChannelPattern {
 public:
  AlignChannels(int64_t multiple, Rounding rounding, bool model) : multiple_(multiple), rounding_(rounding), model_(model) {}
  std::string name() const override { return "align_channels"; }
  std::string summary() const override {
    return "round channel counts of a layer (scope=layer) or the model (scope=model) to a multiple of P";
  }
  PatternParams params() const override {
    return {{"multiple", std::to_string(multiple_)}, {"round", detail::rounding_name(rounding_)},
            {"scope", model_ ? "model" : "layer"}};
  }
  bool whole_model() const override { return model_; }

  std::vector<ir::NodeId> anchors(const ir::Graph& graph) const override {
    if (model_) return {ir::kNoNode};
    std::vector<ir::NodeId> ids;
    for (const ChannelGroup& group : find_channel_groups(graph).groups)
      if (group.alignable()) ids.push_back(group.sources.front());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 protected:
  Result<std::map<int, int64_t>> plan(const ir::Graph& graph, ir::NodeId anchor) const override {
    ChannelGroups groups = find_channel_groups(graph);
    std::map<int, int64_t> change;
    std::string multiple_text = "a multiple of " + std::to_string(multiple_);
    if (model_ != (anchor == ir::kNoNode))
      return Error{model_ ? "align_channels scope=model takes the whole model, not a node"
                          : "align_channels scope=layer needs a node"};
    if (model_) {
      for (size_t i = 0; i < groups.groups.size(); ++i) {
        const ChannelGroup& g = groups.groups[i];
        if (g.alignable() && g.channels % multiple_ != 0)
          change[static_cast<int>(i)] = detail::round_to_multiple(static_cast<double>(g.channels), multiple_, rounding_);
      }
      if (change.empty()) return Error{"every changeable channel count is already " + multiple_text};
      return change;
    }
    auto index = detail::group_of_anchor(graph, groups, anchor);
    if (!index) return index.error();
    const ChannelGroup& g = groups.groups[static_cast<size_t>(*index)];
    std::string where = graph.node(anchor).describe() + " (" + std::to_string(g.channels) + " channels)";
    if (!g.pinned.empty()) return Error{where + " cannot change width: " + g.pinned};
    if (g.derived) return Error{where + " is a concat's output; align its inputs instead"};
    if (g.sources.empty()) return Error{where + " has its width set by no convolution"};
    if (g.channels % multiple_ == 0) return Error{where + " is already " + multiple_text};
    change[*index] = detail::round_to_multiple(static_cast<double>(g.channels), multiple_, rounding_);
    return change;
  }

  int64_t multiple_;
  Rounding rounding_;
  bool model_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_align_channels(const PatternParams& params) {
  const std::string name = "align_channels";
  if (Status s = check_param_keys(name, params, {"multiple", "round", "scope"}); !s) return s.error();
  auto multiple = int_param(name, params, "multiple", 8, 2);
  if (!multiple) return multiple.error();
  auto rounding = detail::parse_rounding(name, params.get("round", "nearest"));
  if (!rounding) return rounding.error();
  std::string scope = params.get("scope", "layer");
  if (scope != "layer" && scope != "model")
    return Error{"pattern 'align_channels': parameter 'scope' must be layer or model, not '" + scope + "'"};
  return std::unique_ptr<Pattern>(std::make_unique<AlignChannels>(*multiple, *rounding, scope == "model"));
}

}  // namespace hwnas::expert
