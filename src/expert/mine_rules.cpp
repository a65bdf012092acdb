// Mining rules: the rewrites a search winner applies relative to the baseline, stage by stage.
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

// What one stage (a spatial size) of a network holds.
struct StageStats {
  int64_t stage = -1;
  int ibn = 0, fused = 0, depthwise = 0, squeeze_excite = 0;
  Range ibn_channels{INT64_MAX, INT64_MIN};
  double width_sum = 0;
  int widths = 0;
  bool all_aligned = true;
};

std::map<int64_t, StageStats> stage_stats(const ir::Graph& graph, int64_t multiple) {
  std::map<int64_t, StageStats> stats;
  auto count = [&](const std::string& name, auto&& add) {
    auto pattern = make_pattern(name);
    if (!pattern) return;
    for (const Match& match : find_matches(**pattern, graph)) add(anchor_place(graph, match.anchor), match);
  };
  count("ibn_to_fused_ibn", [&](const AnchorPlace& p, const Match&) {
    StageStats& s = stats[p.resolution];
    s.stage = p.stage;
    ++s.ibn;
    s.ibn_channels.min = std::min(s.ibn_channels.min, p.channels);
    s.ibn_channels.max = std::max(s.ibn_channels.max, p.channels);
  });
  count("fused_ibn_to_ibn", [&](const AnchorPlace& p, const Match&) {
    stats[p.resolution].stage = p.stage;
    ++stats[p.resolution].fused;
  });
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind != ir::OpKind::Conv2d || node.shape.rank() != 4) continue;
    const auto& a = node.attr<ir::Conv2dAttrs>();
    if (a.groups > 1 && a.groups == a.out_channels) {
      AnchorPlace p = anchor_place(graph, node.id);
      stats[p.resolution].stage = p.stage;
      ++stats[p.resolution].depthwise;
    }
  }
  count("remove_squeeze_excite", [&](const AnchorPlace& p, const Match&) {
    stats[p.resolution].stage = p.stage;
    ++stats[p.resolution].squeeze_excite;
  });
  for (const ChannelGroup& group : find_channel_groups(graph).groups) {
    if (!group.alignable() || group.height * group.width <= 1) continue;
    AnchorPlace p = anchor_place(graph, group.sources.front());
    StageStats& s = stats[p.resolution];
    s.width_sum += static_cast<double>(group.channels);
    ++s.widths;
    if (multiple > 1 && group.channels % multiple != 0) s.all_aligned = false;
    if (s.stage < 0) s.stage = p.stage;
  }
  return stats;
}

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
  // Stages from high to low resolution, as the network runs.
  for (auto it = base.rbegin(); it != base.rend(); ++it) {
    const int64_t resolution = it->first;
    const StageStats& b = it->second;
    if (b.stage < 0 || !best.count(resolution)) continue;
    const StageStats& w = best.at(resolution);
    std::string at = "at " + std::to_string(resolution) + "x" + std::to_string(resolution) + " (stage " +
                     std::to_string(b.stage) + ")";
    auto rule = [&](const std::string& pattern, PatternParams params, std::optional<Range> channels,
                    const std::string& note) {
      Rule r{pattern, std::move(params), {Range{b.stage, b.stage}, std::nullopt, channels}, note};
      file.rules.push_back(std::move(r));
    };
    if (w.fused > b.fused && w.ibn < b.ibn)
      rule("ibn_to_fused_ibn", {}, b.ibn > 0 ? std::optional<Range>(b.ibn_channels) : std::nullopt,
           "winner has " + std::to_string(w.fused) + " fused IBN and " + std::to_string(w.ibn) + " IBN " + at +
               "; baseline " + std::to_string(b.fused) + " and " + std::to_string(b.ibn));
    if (w.fused < b.fused && w.ibn > b.ibn)
      rule("fused_ibn_to_ibn", {}, std::nullopt,
           "winner has " + std::to_string(w.fused) + " fused IBN " + at + "; baseline " + std::to_string(b.fused));
    int merged = (b.depthwise - w.depthwise) - (w.fused - b.fused);
    if (merged > 0)
      rule("depthwise_pointwise_to_conv", {}, std::nullopt,
           "winner has " + std::to_string(w.depthwise) + " depthwise convs " + at + "; baseline " +
               std::to_string(b.depthwise) + ", not explained by fusion");
    if (w.squeeze_excite < b.squeeze_excite)
      rule("remove_squeeze_excite", {}, std::nullopt,
           "winner has " + std::to_string(w.squeeze_excite) + " squeeze-excite " + at + "; baseline " +
               std::to_string(b.squeeze_excite));
    if (w.squeeze_excite > b.squeeze_excite)
      rule("add_squeeze_excite", {}, std::nullopt,
           "winner has " + std::to_string(w.squeeze_excite) + " squeeze-excite " + at + "; baseline " +
               std::to_string(b.squeeze_excite));
    // Widths compare only where the stage holds as many channel groups in both (a fusion moves
    // groups between stages, which is no change of width).
    if (b.widths > 0 && w.widths == b.widths) {
      double ratio = (w.width_sum / w.widths) / (b.width_sum / b.widths);
      double factor = std::round(ratio * 20.0) / 20.0;
      if (std::abs(ratio - 1.0) > 0.1 && factor > 0)
        rule("depth_multiplier",
             {{"factor", fixed(factor, 2)}, {"divisor", std::to_string(std::max<int64_t>(8, options.channel_multiple))},
              {"scope", "stage"}},
             std::nullopt, "mean width " + at + " is " + fixed(ratio, 3) + "x the baseline's");
    }
    // Alignment is a property of every width, so it compares whatever the group counts.
    if (options.channel_multiple > 1 && b.widths > 0 && w.widths > 0 && w.all_aligned && !b.all_aligned)
      rule("align_channels",
           {{"multiple", std::to_string(options.channel_multiple)}, {"round", "nearest"}, {"scope", "layer"}},
           std::nullopt, "every width of the winner " + at + " is a multiple of " +
                             std::to_string(options.channel_multiple) + "; the baseline's are not");
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
