// Channel groups by union-find over the tensors whose channel counts must agree, and width changes.
#include "hwnas/expert/channel_groups.h"

#include <algorithm>
#include <numeric>

#include "hwnas/expert/draft_graph.h"

namespace hwnas::expert {
namespace {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void unite(size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // the smaller id is the root: deterministic
  }

 private:
  std::vector<size_t> parent_;
};

bool rank4(const ir::Node& node) { return node.shape.rank() == 4; }

}  // namespace

ChannelGroups find_channel_groups(const ir::Graph& graph) {
  const size_t n = graph.size();
  UnionFind sets(n);
  std::vector<std::string> pin(n);
  std::vector<bool> is_source(n, false), is_depthwise(n, false), is_concat(n, false);
  for (const ir::Node& node : graph.nodes()) {
    if (!rank4(node)) {
      for (ir::NodeId in : node.inputs)
        if (rank4(graph.node(in)) && node.kind == ir::OpKind::Reshape)
          pin[static_cast<size_t>(in)] = "read by reshape " + node.describe();
      continue;
    }
    const size_t id = static_cast<size_t>(node.id);
    switch (node.kind) {
      case ir::OpKind::Input:
        pin[id] = "graph input";
        break;
      case ir::OpKind::Conv2d: {
        const auto& a = node.attr<ir::Conv2dAttrs>();
        const ir::Node& in = graph.node(node.inputs[0]);
        if (a.groups == 1) {
          is_source[id] = true;
        } else if (a.groups == a.out_channels && a.groups == in.shape[1]) {
          is_depthwise[id] = true;
          sets.unite(id, static_cast<size_t>(in.id));
        } else {
          pin[id] = "grouped convolution " + node.describe();
          pin[static_cast<size_t>(in.id)] = "read by grouped convolution " + node.describe();
        }
        break;
      }
      case ir::OpKind::Concat:
        if (node.attr<ir::ConcatAttrs>().axis == 1 || node.attr<ir::ConcatAttrs>().axis == -3)
          is_concat[id] = true;
        else
          for (ir::NodeId in : node.inputs) sets.unite(id, static_cast<size_t>(in));
        break;
      default:
        for (ir::NodeId in : node.inputs) {
          const ir::Node& input = graph.node(in);
          if (rank4(input) && input.shape[1] == node.shape[1] && (input.shape[1] > 1 || node.shape[1] == 1))
            sets.unite(id, static_cast<size_t>(in));
        }
        break;
    }
  }
  for (ir::NodeId out : graph.outputs())
    if (rank4(graph.node(out)) && pin[static_cast<size_t>(out)].empty())
      pin[static_cast<size_t>(out)] = "graph output " + graph.node(out).describe();

  ChannelGroups result;
  result.group_of.assign(n, -1);
  std::vector<int> group_of_root(n, -1);
  for (const ir::Node& node : graph.nodes()) {
    if (!rank4(node)) continue;
    size_t root = sets.find(static_cast<size_t>(node.id));
    if (group_of_root[root] < 0) {
      group_of_root[root] = static_cast<int>(result.groups.size());
      result.groups.push_back(ChannelGroup{node.shape[1], {}, {}, {}, false, "", 0, 0});
    }
    int index = group_of_root[root];
    result.group_of[static_cast<size_t>(node.id)] = index;
    ChannelGroup& group = result.groups[static_cast<size_t>(index)];
    group.tensors.push_back(node.id);
    const size_t id = static_cast<size_t>(node.id);
    if (is_source[id]) {
      if (group.sources.empty()) {
        group.height = node.shape[2];
        group.width = node.shape[3];
      }
      group.sources.push_back(node.id);
    }
    if (is_depthwise[id]) group.depthwise.push_back(node.id);
    if (is_concat[id]) group.derived = true;
    if (group.pinned.empty() && !pin[id].empty()) group.pinned = pin[id];
  }
  // A derived (concat) group whose width is fixed, or also set by a conv, fixes its inputs too.
  for (bool changed = true; changed;) {
    changed = false;
    for (const ir::Node& node : graph.nodes()) {
      if (!rank4(node) || !is_concat[static_cast<size_t>(node.id)]) continue;
      const ChannelGroup& group = result.groups[static_cast<size_t>(result.group_of[static_cast<size_t>(node.id)])];
      if (group.pinned.empty() && group.sources.empty()) continue;
      std::string why = "feeds " + node.describe() + ", whose width is fixed";
      for (ir::NodeId in : node.inputs) {
        int g = result.group_of[static_cast<size_t>(in)];
        if (g >= 0 && result.groups[static_cast<size_t>(g)].pinned.empty()) {
          result.groups[static_cast<size_t>(g)].pinned = why;
          changed = true;
        }
      }
    }
  }
  return result;
}

Result<ir::Graph> set_group_channels(const ir::Graph& graph, const ChannelGroups& groups,
                                     const std::map<int, int64_t>& new_channels, uint64_t seed) {
  DraftGraph draft(graph);
  for (const auto& [index, channels] : new_channels) {
    if (index < 0 || static_cast<size_t>(index) >= groups.groups.size())
      return Error{"channel group " + std::to_string(index) + " does not exist"};
    const ChannelGroup& group = groups.groups[static_cast<size_t>(index)];
    std::string where = "channel group " + std::to_string(index) + " (" + std::to_string(group.channels) +
                        " channels, " + graph.node(group.tensors.front()).describe() + ")";
    if (!group.pinned.empty()) return Error{where + " cannot change: " + group.pinned};
    if (group.derived) return Error{where + " is a concat's output; change its inputs instead"};
    if (group.sources.empty()) return Error{where + " is set by no convolution"};
    if (channels < 1) return Error{where + ": width " + std::to_string(channels) + " is below 1"};
    for (ir::NodeId id : group.sources)
      std::get<ir::Conv2dAttrs>(draft.find(graph.node(id).name)->attrs).out_channels = channels;
    for (ir::NodeId id : group.depthwise) {
      auto& attrs = std::get<ir::Conv2dAttrs>(draft.find(graph.node(id).name)->attrs);
      attrs.out_channels = channels;
      attrs.groups = channels;
    }
  }
  return draft.build(seed);
}

std::vector<std::pair<int64_t, int64_t>> stage_sizes(const ChannelGroups& groups) {
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (const ChannelGroup& group : groups.groups) {
    if (!group.alignable()) continue;
    std::pair<int64_t, int64_t> size{group.height, group.width};
    if (std::find(sizes.begin(), sizes.end(), size) == sizes.end()) sizes.push_back(size);
  }
  return sizes;
}

}  // namespace hwnas::expert
