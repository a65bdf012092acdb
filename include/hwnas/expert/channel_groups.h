// Channel groups: the sets of 4-D tensors whose channel counts must agree (found by union-find
// over batch norms, activations, pools, depthwise convs, residual adds and SE multiplies), what
// sets each group's width, and a checked way to change widths that keeps every shape consistent.
//
//   auto groups = expert::find_channel_groups(graph);
//   for (const auto& g : groups.groups) if (g.alignable()) std::cout << g.channels << "\n";
//   auto wider = expert::set_group_channels(graph, groups, {{3, 32}}, seed);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::expert {

struct ChannelGroup {
  int64_t channels = 0;
  std::vector<ir::NodeId> tensors;    // producers of the group's tensors, ascending
  std::vector<ir::NodeId> sources;    // full or 1x1 convs (groups 1) whose out_channels set the width
  std::vector<ir::NodeId> depthwise;  // depthwise convs that follow the width
  bool derived = false;               // a concat's output: its width is the sum of its inputs
  std::string pinned;                 // why the width cannot change ("" when it can)
  int64_t height = 0, width = 0;      // spatial size of the first source's output (the stage)
  // True when the width may be set: not pinned, not derived, set by at least one conv.
  bool alignable() const { return pinned.empty() && !derived && !sources.empty(); }
};

struct ChannelGroups {
  std::vector<ChannelGroup> groups;
  std::vector<int> group_of;  // per node: its output's group, -1 below rank 4
};

ChannelGroups find_channel_groups(const ir::Graph& graph);

// Rewrites the widths of the groups in `new_channels` (group index -> channels): the source
// convs' out_channels, the depthwise convs' out_channels and groups. Pinned or derived groups,
// and widths below 1, are Errors; the rebuilt graph is shape-checked.
Result<ir::Graph> set_group_channels(const ir::Graph& graph, const ChannelGroups& groups,
                                     const std::map<int, int64_t>& new_channels, uint64_t seed);

// The stages of a network: the distinct spatial sizes (height, width) of alignable groups in
// order of first appearance. stage_of_size gives the index, -1 when none.
std::vector<std::pair<int64_t, int64_t>> stage_sizes(const ChannelGroups& groups);

}  // namespace hwnas::expert
