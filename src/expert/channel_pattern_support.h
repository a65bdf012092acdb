// Helpers the channel patterns (align_channels, even_channels, depth_multiplier) share: rounding
// to a multiple, stage anchors, the channel change a pattern's groups make, and ChannelPattern.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hwnas/expert/channel_groups.h"
#include "hwnas/expert/pattern.h"

namespace hwnas::expert::detail {

enum class Rounding { Up, Down, Nearest };

inline Result<Rounding> parse_rounding(const std::string& pattern, const std::string& text) {
  if (text == "up") return Rounding::Up;
  if (text == "down") return Rounding::Down;
  if (text == "nearest") return Rounding::Nearest;
  return Error{"pattern '" + pattern + "': parameter 'round' must be up, down or nearest, not '" + text + "'"};
}

inline const char* rounding_name(Rounding r) {
  return r == Rounding::Up ? "up" : r == Rounding::Down ? "down" : "nearest";
}

// `value` rounded to a multiple of `multiple` (at least one multiple).
inline int64_t round_to_multiple(double value, int64_t multiple, Rounding rounding) {
  double units = value / static_cast<double>(multiple);
  double rounded = rounding == Rounding::Up     ? std::ceil(units - 1e-9)
                   : rounding == Rounding::Down ? std::floor(units + 1e-9)
                                                : std::floor(units + 0.5);
  return std::max<int64_t>(1, static_cast<int64_t>(rounded)) * multiple;
}

// The first source conv of each alignable group whose spatial size is first seen there: one
// anchor per stage.
inline std::vector<ir::NodeId> stage_anchors(const ChannelGroups& groups) {
  std::vector<ir::NodeId> anchors;
  std::vector<std::pair<int64_t, int64_t>> seen;
  for (const ChannelGroup& group : groups.groups) {
    if (!group.alignable()) continue;
    std::pair<int64_t, int64_t> size{group.height, group.width};
    if (std::find(seen.begin(), seen.end(), size) != seen.end()) continue;
    seen.push_back(size);
    anchors.push_back(group.sources.front());
  }
  std::sort(anchors.begin(), anchors.end());
  return anchors;
}

// The group of node `anchor`'s output, or an Error naming why there is none.
inline Result<int> group_of_anchor(const ir::Graph& graph, const ChannelGroups& groups, ir::NodeId anchor) {
  int index = groups.group_of[static_cast<size_t>(anchor)];
  if (index < 0) return Error{graph.node(anchor).describe() + " has no channel dimension (its output is not 4-D)"};
  return index;
}

// The Match of a channel change: the anchor and every node of the changed groups.
inline Match channel_match(ir::NodeId anchor, const ChannelGroups& groups, const std::map<int, int64_t>& change) {
  Match match{anchor, {}};
  for (const auto& [index, channels] : change) {
    const ChannelGroup& group = groups.groups[static_cast<size_t>(index)];
    match.nodes.insert(match.nodes.end(), group.sources.begin(), group.sources.end());
    match.nodes.insert(match.nodes.end(), group.depthwise.begin(), group.depthwise.end());
  }
  std::sort(match.nodes.begin(), match.nodes.end());
  return match;
}

inline std::string size_text(int64_t h, int64_t w) { return std::to_string(h) + "x" + std::to_string(w); }

// A pattern that only changes the channel counts of groups: it plans the new count of each group
// (by group index) from an anchor; match and apply follow from the plan.
class ChannelPattern : public Pattern {
 public:
  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    auto change = plan(graph, anchor);
    if (!change) return change.error();
    return channel_match(anchor, find_channel_groups(graph), *change);
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    auto change = plan(graph, match.anchor);
    if (!change) return change.error();
    return set_group_channels(graph, find_channel_groups(graph), *change, seed);
  }

 protected:
  // The new channel count of each changed group, or the reason the pattern does not apply.
  virtual Result<std::map<int, int64_t>> plan(const ir::Graph& graph, ir::NodeId anchor) const = 0;
};

}  // namespace hwnas::expert::detail
