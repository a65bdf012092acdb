// Pattern scale_channels: scales the widths of one stage (every changeable channel group whose
// spatial size is the anchor group's) by a factor and aligns them to a multiple of the target's
// parallelism factor (nearest multiple, at least one; a factor below 1 never widens, above 1
// never narrows). The channel groups keep residual adds, SE multiplies, depthwise convs and
// concats consistent; an anchor whose own group cannot change is refused with the reason.
#include <memory>

#include "channel_pattern_support.h"

namespace hwnas::expert {
namespace {

class ScaleChannels : public detail::ChannelPattern {
 public:
  ScaleChannels(double factor, int64_t multiple) : factor_(factor), multiple_(multiple) {}
  std::string name() const override { return "scale_channels"; }
  std::string summary() const override {
    return "scale the channel widths of a stage by a factor, aligned to a multiple (anchor: a node of the stage)";
  }
  PatternParams params() const override {
    std::string factor = std::to_string(factor_);
    while (factor.size() > 1 && factor.back() == '0') factor.pop_back();
    if (factor.back() == '.') factor.pop_back();
    return {{"factor", factor}, {"multiple", std::to_string(multiple_)}};
  }
  // One anchor per stage (spatial size of changeable groups): the first source conv of the
  // stage that reads a tensor of that size (so a rule's `where` sees the stage's own resolution),
  // else the stage's first source.
  std::vector<ir::NodeId> anchors(const ir::Graph& graph) const override {
    ChannelGroups groups = find_channel_groups(graph);
    std::vector<ir::NodeId> anchors;
    for (ir::NodeId first : detail::stage_anchors(groups)) {
      const ChannelGroup& stage = groups.groups[static_cast<size_t>(groups.group_of[static_cast<size_t>(first)])];
      ir::NodeId chosen = ir::kNoNode;
      for (const ChannelGroup& g : groups.groups) {
        if (!g.alignable() || g.height != stage.height || g.width != stage.width) continue;
        for (ir::NodeId source : g.sources) {
          const ir::Shape& in = graph.node(graph.node(source).inputs[0]).shape;
          if (in.rank() == 4 && in[2] == stage.height && in[3] == stage.width && (chosen == ir::kNoNode || source < chosen))
            chosen = source;
        }
      }
      anchors.push_back(chosen == ir::kNoNode ? first : chosen);
    }
    std::sort(anchors.begin(), anchors.end());
    return anchors;
  }

 protected:
  Result<std::map<int, int64_t>> plan(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"scale_channels needs a node of the stage to scale"};
    ChannelGroups groups = find_channel_groups(graph);
    auto index = detail::group_of_anchor(graph, groups, anchor);
    if (!index) return index.error();
    const ChannelGroup& own = groups.groups[static_cast<size_t>(*index)];
    std::string where = graph.node(anchor).describe() + " (" + std::to_string(own.channels) + " channels)";
    if (!own.pinned.empty()) return Error{where + " cannot be scaled: " + own.pinned};
    if (own.derived) return Error{where + " is a concat's output; scale its inputs' stage instead"};
    if (own.sources.empty()) return Error{where + " has its width set by no convolution"};
    std::map<int, int64_t> change;
    for (size_t i = 0; i < groups.groups.size(); ++i) {
      const ChannelGroup& g = groups.groups[i];
      if (!g.alignable() || g.height != own.height || g.width != own.width) continue;
      int64_t scaled =
          detail::round_to_multiple(static_cast<double>(g.channels) * factor_, multiple_, detail::Rounding::Nearest);
      if (factor_ < 1) scaled = std::min(scaled, g.channels);
      if (factor_ > 1) scaled = std::max(scaled, g.channels);
      if (scaled != g.channels) change[static_cast<int>(i)] = scaled;
    }
    if (change.empty())
      return Error{"a factor of " + params().get("factor") + " aligned to " + std::to_string(multiple_) +
                   " changes no width of the " + detail::size_text(own.height, own.width) + " stage"};
    return change;
  }

 private:
  double factor_;
  int64_t multiple_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_scale_channels(const PatternParams& params) {
  const std::string name = "scale_channels";
  if (Status s = check_param_keys(name, params, {"factor", "multiple"}); !s) return s.error();
  auto factor = double_param(name, params, "factor", 0.75, 0.0, 8.0);
  if (!factor) return factor.error();
  auto multiple = int_param(name, params, "multiple", 8, 1);
  if (!multiple) return multiple.error();
  return std::unique_ptr<Pattern>(std::make_unique<ScaleChannels>(*factor, *multiple));
}

}  // namespace hwnas::expert
