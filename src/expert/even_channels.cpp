// Pattern even_channels: makes the widths of a stage even (the seed's "make channels even across
// the model"). The stage is the spatial size of the anchor's channel group; its changeable
// groups split into expanded widths (groups that hold a depthwise conv) and the rest, and each
// part gets one width: the mean of its widths rounded to a multiple (round: nearest, up, down).
#include <memory>

#include "channel_pattern_support.h"

namespace hwnas::expert {
namespace {

using detail::Rounding;

class EvenChannels : public detail::ChannelPattern {
 public:
  EvenChannels(int64_t multiple, Rounding rounding) : multiple_(multiple), rounding_(rounding) {}
  std::string name() const override { return "even_channels"; }
  std::string summary() const override {
    return "give the layers of a stage one width (per role), the mean rounded to a multiple";
  }
  PatternParams params() const override {
    return {{"multiple", std::to_string(multiple_)}, {"round", detail::rounding_name(rounding_)}};
  }
  std::vector<ir::NodeId> anchors(const ir::Graph& graph) const override {
    return detail::stage_anchors(find_channel_groups(graph));
  }

 protected:
  Result<std::map<int, int64_t>> plan(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"even_channels needs a node (its stage is evened)"};
    ChannelGroups groups = find_channel_groups(graph);
    auto index = detail::group_of_anchor(graph, groups, anchor);
    if (!index) return index.error();
    const ChannelGroup& anchor_group = groups.groups[static_cast<size_t>(*index)];
    if (!anchor_group.alignable())
      return Error{graph.node(anchor).describe() + " belongs to no changeable channel group"};
    std::string stage = detail::size_text(anchor_group.height, anchor_group.width);
    std::map<int, int64_t> change;
    for (bool expanded : {true, false}) {
      std::vector<int> members;
      double sum = 0;
      for (size_t i = 0; i < groups.groups.size(); ++i) {
        const ChannelGroup& g = groups.groups[i];
        if (!g.alignable() || g.height != anchor_group.height || g.width != anchor_group.width) continue;
        if (g.depthwise.empty() == expanded) continue;
        members.push_back(static_cast<int>(i));
        sum += static_cast<double>(g.channels);
      }
      if (members.size() < 2) continue;
      int64_t target = detail::round_to_multiple(sum / static_cast<double>(members.size()), multiple_, rounding_);
      for (int i : members)
        if (groups.groups[static_cast<size_t>(i)].channels != target) change[i] = target;
    }
    if (change.empty()) return Error{"the channels of stage " + stage + " are already even"};
    return change;
  }

  int64_t multiple_;
  Rounding rounding_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_even_channels(const PatternParams& params) {
  const std::string name = "even_channels";
  if (Status s = check_param_keys(name, params, {"multiple", "round"}); !s) return s.error();
  auto multiple = int_param(name, params, "multiple", 8, 1);
  if (!multiple) return multiple.error();
  auto rounding = detail::parse_rounding(name, params.get("round", "nearest"));
  if (!rounding) return rounding.error();
  return std::unique_ptr<Pattern>(std::make_unique<EvenChannels>(*multiple, *rounding));
}

}  // namespace hwnas::expert
