// Mining rules: the rewrites a search winner applies relative to the baseline, stage by stage
// (stages named by their downsampling factor, so the rules carry to other input sizes).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "hwnas/expert/channel_groups.h"
#include "hwnas/expert/rules.h"
#include "hwnas/search/store.h"
#include "hwnas/space/space.h"

namespace hwnas::expert {
namespace {

// What one stage (a downsampling factor) of a network holds.
struct StageStats {
  int64_t stage = -1, resolution = 0;
  int ibn = 0, fused = 0, depthwise = 0, squeeze_excite = 0;
  std::map<std::string, int> residual_of_shape;  // drop_block's `keep` counts per tensor shape
  int residual() const {
    int all = 0;
    for (const auto& [shape, n] : residual_of_shape) all += n;
    return all;
  }
  int most_residual_of_a_shape() const {
    int most = 0;
    for (const auto& [shape, n] : residual_of_shape) most = std::max(most, n);
    return most;
  }
  Range ibn_channels{INT64_MAX, INT64_MIN};
  int widths = 0;
  bool all_aligned = true;
};

// The widths of the changeable channel groups of one spatial size, and where scale_channels
// would anchor for them (its downsample).
struct GroupStage {
  int64_t narrowest = INT64_MAX;
  double width_sum = 0;
  int groups = 0;
  int64_t anchor_downsample = 0;
  double mean() const { return groups > 0 ? width_sum / groups : 0; }
};

std::map<int64_t, StageStats> stage_stats(const ir::Graph& graph, int64_t multiple) {
  std::map<int64_t, StageStats> stats;
  auto at = [&](const AnchorPlace& p) -> StageStats& {
    StageStats& s = stats[p.downsample];
    if (s.stage < 0) {
      s.stage = p.stage;
      s.resolution = p.resolution;
    }
    return s;
  };
  auto count = [&](const std::string& name, auto&& add) {
    auto pattern = make_pattern(name);
    if (!pattern) return;
    for (const Match& match : find_matches(**pattern, graph)) add(anchor_place(graph, match.anchor));
  };
  count("ibn_to_fused_ibn", [&](const AnchorPlace& p) {
    StageStats& s = at(p);
    ++s.ibn;
    s.ibn_channels.min = std::min(s.ibn_channels.min, p.channels);
    s.ibn_channels.max = std::max(s.ibn_channels.max, p.channels);
  });
  count("fused_ibn_to_ibn", [&](const AnchorPlace& p) { ++at(p).fused; });
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind != ir::OpKind::Conv2d || node.shape.rank() != 4) continue;
    const auto& a = node.attr<ir::Conv2dAttrs>();
    if (a.groups > 1 && a.groups == a.out_channels) ++at(anchor_place(graph, node.id)).depthwise;
  }
  count("remove_squeeze_excite", [&](const AnchorPlace& p) { ++at(p).squeeze_excite; });
  if (auto drop = make_pattern("drop_block"))
    for (const Match& match : find_matches(**drop, graph)) {
      ++at(anchor_place(graph, match.anchor)).residual_of_shape[graph.node(match.anchor).shape.to_string()];
    }
  for (const ChannelGroup& group : find_channel_groups(graph).groups) {
    if (!group.alignable() || group.height * group.width <= 1) continue;
    StageStats& s = at(anchor_place(graph, group.sources.front()));
    ++s.widths;
    if (multiple > 1 && group.channels % multiple != 0) s.all_aligned = false;
  }
  return stats;
}

// Per downsampling factor of the groups' own spatial size: the changeable widths (mean and
// narrowest) and the stage anchor's downsample.
std::map<int64_t, GroupStage> group_stages(const ir::Graph& graph) {
  std::map<int64_t, GroupStage> stages;
  if (graph.inputs().empty()) return stages;
  const ir::Shape& input = graph.node(graph.inputs().front()).shape;
  if (input.rank() != 4) return stages;
  ChannelGroups groups = find_channel_groups(graph);
  std::map<std::pair<int64_t, int64_t>, ir::NodeId> anchor_of_size;
  auto scale = make_pattern("scale_channels");
  if (!scale) return stages;
  for (ir::NodeId anchor : (*scale)->anchors(graph)) {
    const ChannelGroup& g = groups.groups[static_cast<size_t>(groups.group_of[static_cast<size_t>(anchor)])];
    anchor_of_size[{g.height, g.width}] = anchor;
  }
  for (const ChannelGroup& g : groups.groups) {
    if (!g.alignable() || g.height * g.width <= 1 || !anchor_of_size.count({g.height, g.width})) continue;
    GroupStage& s = stages[(input[2] + g.height / 2) / g.height];
    s.narrowest = std::min(s.narrowest, g.channels);
    s.width_sum += static_cast<double>(g.channels);
    ++s.groups;
    s.anchor_downsample = anchor_place(graph, anchor_of_size.at({g.height, g.width})).downsample;
  }
  return stages;
}

// The upper end of a rule mined at the baseline's deepest stage: below any input's 1x1.
constexpr int64_t kDeepestDownsample = 1024;

std::string fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

}  // namespace

RuleFile mine_rules(const ir::Graph& baseline, const ir::Graph& winner, const MineOptions& options) {
  RuleFile file;
  file.description = "rewrites that '" + winner.name() + "' applies relative to '" + baseline.name() + "'";
  auto base = stage_stats(baseline, options.channel_multiple);
  auto best = stage_stats(winner, options.channel_multiple);
  auto base_groups = group_stages(baseline);
  auto best_groups = group_stages(winner);
  // The baseline's deepest stage is where its network ends; a network of a larger input goes
  // deeper, and its deeper stages are that stage's counterparts (a 32 x 32 classifier stops
  // downsampling at 4 x 4 = 1/8, a 64 x 64 segmenter goes on to 1/16), so rules mined there
  // name every factor from it on.
  int64_t deepest = 0;
  for (const auto& [downsample, b] : base)
    if (b.resolution > 1) deepest = std::max(deepest, downsample);
  auto rule_at = [&](int64_t downsample, const std::string& pattern, PatternParams params,
                     std::optional<Range> channels, std::string note) {
    const bool last = downsample == deepest;
    if (last) note += " (the baseline's deepest stage: the rule names every deeper one too)";
    Rule r{pattern, std::move(params), {}, std::move(note)};
    r.where.downsample = Range{downsample, last ? kDeepestDownsample : downsample};
    r.where.channels = channels;
    file.rules.push_back(std::move(r));
  };
  // Stages from high to low resolution, as the network runs.
  for (const auto& [downsample, b] : base) {
    if (downsample < 1 || !best.count(downsample)) continue;
    const StageStats& w = best.at(downsample);
    std::string at = "at 1/" + std::to_string(downsample) + " (" + std::to_string(b.resolution) + "x" +
                     std::to_string(b.resolution) + ", stage " + std::to_string(b.stage) + ")";
    auto rule = [&](const std::string& pattern, PatternParams params, std::optional<Range> channels,
                    const std::string& note) { rule_at(downsample, pattern, std::move(params), channels, note); };
    if (w.fused > b.fused && w.ibn < b.ibn)
      rule("ibn_to_fused_ibn", {}, b.ibn > 0 ? std::optional<Range>(b.ibn_channels) : std::nullopt,
           "winner has " + std::to_string(w.fused) + " fused IBN and " + std::to_string(w.ibn) + " IBN " + at +
               "; baseline " + std::to_string(b.fused) + " and " + std::to_string(b.ibn));
    if (w.fused < b.fused && w.ibn > b.ibn)
      rule("fused_ibn_to_ibn", {}, std::nullopt,
           "winner has " + std::to_string(w.fused) + " fused IBN " + at + "; baseline " + std::to_string(b.fused));
    // Depthwise convs gone that neither fusion nor dropped blocks (one each) explain.
    int merged = (b.depthwise - w.depthwise) - (w.fused - b.fused) - std::max(0, b.residual() - w.residual());
    if (merged > 0)
      rule("depthwise_pointwise_to_conv", {}, std::nullopt,
           "winner has " + std::to_string(w.depthwise) + " depthwise convs " + at + "; baseline " +
               std::to_string(b.depthwise) + ", not explained by fusion or dropped blocks");
    if (w.squeeze_excite < b.squeeze_excite)
      rule("remove_squeeze_excite", {}, std::nullopt,
           "winner has " + std::to_string(w.squeeze_excite) + " squeeze-excite " + at + "; baseline " +
               std::to_string(b.squeeze_excite));
    if (w.squeeze_excite > b.squeeze_excite)
      rule("add_squeeze_excite", {}, std::nullopt,
           "winner has " + std::to_string(w.squeeze_excite) + " squeeze-excite " + at + "; baseline " +
               std::to_string(b.squeeze_excite));
    // Depth: fewer repeats per stage in the winner. drop_block's `keep` counts the residual
    // blocks of one tensor shape (a stage), and a downsampling factor may hold several stages:
    // keep = the most residual blocks of one shape in the winner there.
    const int keep = w.most_residual_of_a_shape();
    if (keep < b.most_residual_of_a_shape())
      rule("drop_block", {{"keep", std::to_string(keep)}}, std::nullopt,
           "winner has " + std::to_string(w.residual()) + " residual blocks " + at + ", at most " +
               std::to_string(keep) + " of one shape; baseline " + std::to_string(b.residual()) + ", at most " +
               std::to_string(b.most_residual_of_a_shape()));
    // Alignment is a property of every width, so it compares whatever the group counts.
    if (options.channel_multiple > 1 && b.widths > 0 && w.widths > 0 && w.all_aligned && !b.all_aligned)
      rule("align_channels",
           {{"multiple", std::to_string(options.channel_multiple)}, {"round", "nearest"}, {"scope", "layer"}},
           std::nullopt, "every width of the winner " + at + " is a multiple of " +
                             std::to_string(options.channel_multiple) + "; the baseline's are not");
  }
  // Width: a stage whose changeable channel groups are narrower on average in the winner,
  // whatever the group counts (scale_channels scales them all; a dropped block takes its
  // groups away, a fusion moves one). The factor is the ratio of the mean widths rounded to a
  // multiple of 0.25; the rule anchors where scale_channels anchors that stage.
  const int64_t multiple = options.channel_multiple > 1 ? options.channel_multiple : 8;
  for (const auto& [size_factor, b] : base_groups) {
    if (!best_groups.count(size_factor) || b.anchor_downsample < 1 || b.groups == 0) continue;
    const GroupStage& w = best_groups.at(size_factor);
    const double ratio = w.mean() / b.mean();
    const double factor = std::round(ratio * 4.0) / 4.0;
    if (factor >= 1.0 || factor < 0.25) continue;
    rule_at(b.anchor_downsample, "scale_channels", {{"factor", fixed(factor, 2)}, {"multiple", std::to_string(multiple)}},
            std::nullopt,
            "the mean width of the 1/" + std::to_string(size_factor) + " channel groups is " + fixed(w.mean(), 1) +
                " in the winner (" + std::to_string(w.groups) + " groups, narrowest " + std::to_string(w.narrowest) +
                "), " + fixed(b.mean(), 1) + " in the baseline (" + std::to_string(b.groups) + " groups, narrowest " +
                std::to_string(b.narrowest) + "): " + fixed(ratio, 3) + "x");
  }
  return file;
}

Result<RuleFile> mine_rules_from_store(const search::ExperimentStore& store, const space::SearchSpace& space,
                                       const ir::Graph& baseline, const MineOptions& options) {
  auto meta = store.meta().find("space_version");
  if (meta != store.meta().end() && meta->second != space.version())
    return Error{store.path() + ": the experiment searched space version " + meta->second + ", not '" +
                 space.name() + "' (" + space.version() + ")"};
  auto trials = store.trials();
  if (!trials) return trials.error();
  // Costs compare only at equal fidelity (a successive-halving run holds cheap low-fidelity
  // evaluations beside its full ones): the winner is the best trial of the highest fidelity
  // that has a done, feasible trial.
  double fidelity = 0;
  for (const search::TrialRecord& t : *trials)
    if (t.status == "done" && t.feasible) fidelity = std::max(fidelity, t.fidelity);
  const search::TrialRecord* winner = nullptr;
  for (const search::TrialRecord& t : *trials)
    if (t.status == "done" && t.feasible && t.fidelity == fidelity && (!winner || t.cost < winner->cost)) winner = &t;
  if (!winner) return Error{store.path() + ": no finished, feasible trial to mine"};
  auto arch = search::parse_arch(winner->arch);
  if (!arch) return arch.error().within(store.path() + ": trial " + std::to_string(winner->id));
  auto graph = space.decode(*arch);
  if (!graph) return graph.error().within(store.path() + ": trial " + std::to_string(winner->id));
  graph->set_name("trial_" + std::to_string(winner->id));
  RuleFile file = mine_rules(baseline, *graph, options);
  file.source = "experiment " + store.path() + ", trial " + std::to_string(winner->id) + " (cost " +
                fixed(winner->cost, 4) + ") against baseline '" + baseline.name() + "'";
  return file;
}

}  // namespace hwnas::expert
