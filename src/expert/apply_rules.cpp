// Applying a rule file to a model: each rule's pattern at the anchors its `where` admits, all
// rules together, or judged one by one on a latency (kept only where they lower it).
#include <algorithm>

#include "hwnas/expert/rules.h"

namespace hwnas::expert {

AnchorPlace anchor_place(const ir::Graph& graph, ir::NodeId anchor) {
  AnchorPlace place;
  if (anchor == ir::kNoNode) return place;
  const ir::Node& node = graph.node(anchor);
  if (node.shape.rank() >= 2) place.channels = node.shape[1];
  // The place is the spatial size of the tensor the anchor reads (where its block starts).
  const ir::Shape* at = &node.shape;
  if (!node.inputs.empty() && graph.node(node.inputs[0]).shape.rank() == 4) at = &graph.node(node.inputs[0]).shape;
  if (at->rank() != 4) return place;
  place.resolution = (*at)[2];
  if (!graph.inputs().empty()) {
    const ir::Shape& input = graph.node(graph.inputs().front()).shape;
    if (input.rank() == 4 && place.resolution > 0)
      place.downsample = (input[2] + place.resolution / 2) / place.resolution;
  }
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (const ir::Node& n : graph.nodes()) {
    bool counts = n.kind == ir::OpKind::Input || n.kind == ir::OpKind::Conv2d;
    if (!counts || n.shape.rank() != 4 || n.shape[2] * n.shape[3] <= 1) continue;
    std::pair<int64_t, int64_t> size{n.shape[2], n.shape[3]};
    if (std::find(sizes.begin(), sizes.end(), size) == sizes.end()) sizes.push_back(size);
  }
  auto it = std::find(sizes.begin(), sizes.end(), std::pair<int64_t, int64_t>{(*at)[2], (*at)[3]});
  if (it != sizes.end()) place.stage = it - sizes.begin();
  return place;
}

bool rule_applies_at(const Rule& rule, const ir::Graph& graph, ir::NodeId anchor) {
  const RuleWhere& w = rule.where;
  if (anchor == ir::kNoNode) return !w.restricts();
  AnchorPlace place = anchor_place(graph, anchor);
  if (w.downsample && !w.downsample->contains(place.downsample)) return false;
  if (w.stage && !w.stage->contains(place.stage)) return false;
  if (w.resolution && !w.resolution->contains(place.resolution)) return false;
  if (w.channels && !w.channels->contains(place.channels)) return false;
  return true;
}

namespace {

// Applies rule `index` (its pattern at every anchor its `where` admits when it starts, each that
// still matches when its turn comes) through `rewriter`; the number of rewrites.
Result<int> apply_rule(Rewriter& rewriter, const Rule& rule, size_t index) {
  auto pattern = make_pattern(rule.pattern, rule.params);
  if (!pattern) return pattern.error().within("rule " + std::to_string(index + 1));
  std::vector<std::string> locations;
  for (const Match& match : find_matches(**pattern, rewriter.graph()))
    if (rule_applies_at(rule, rewriter.graph(), match.anchor))
      locations.push_back(match.anchor == ir::kNoNode ? kWholeModel : rewriter.graph().node(match.anchor).name);
  int applied = 0;
  for (const std::string& location : locations) {
    ir::NodeId anchor = ir::kNoNode;
    if (location != kWholeModel) {
      auto id = rewriter.graph().find(location);
      if (!id) continue;  // an earlier rewrite of this rule removed it
      anchor = *id;
    }
    auto match = (*pattern)->match(rewriter.graph(), anchor);
    if (!match) continue;  // an earlier rewrite of this rule made it inapplicable
    if (Status s = rewriter.apply(**pattern, *match); !s) return s.error().within("rule " + std::to_string(index + 1));
    ++applied;
  }
  return applied;
}

}  // namespace

Result<RuleApplication> apply_rules(const ir::Graph& graph, const RuleFile& rules, uint64_t seed) {
  Rewriter rewriter(graph, seed);
  RuleApplication result{graph, {}, {}};
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    auto applied = apply_rule(rewriter, rules.rules[i], i);
    if (!applied) return applied.error();
    result.applied_per_rule.push_back(*applied);
  }
  result.graph = rewriter.graph();
  result.log = rewriter.log();
  return result;
}

int JudgedApplication::kept() const {
  return static_cast<int>(std::count_if(verdicts.begin(), verdicts.end(), [](const RuleVerdict& v) { return v.kept; }));
}

Result<JudgedApplication> apply_rules_judged(const ir::Graph& graph, const RuleFile& rules, const LatencyFn& latency,
                                             uint64_t seed) {
  for (size_t i = 0; i < rules.rules.size(); ++i)
    if (auto p = make_pattern(rules.rules[i].pattern, rules.rules[i].params); !p)
      return p.error().within("rule " + std::to_string(i + 1));
  auto start = latency(graph);
  if (!start) return start.error().within("latency of " + graph.name());
  Rewriter current(graph, seed);
  JudgedApplication result{graph, {}, {}, *start, *start};
  double current_us = *start;
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    RuleVerdict verdict{rules.rules[i].pattern, 0, current_us, current_us, false, ""};
    Rewriter trial = current;  // the rule's rewrites continue the kept log, so it replays
    auto applied = apply_rule(trial, rules.rules[i], i);
    if (!applied) {
      verdict.reason = applied.error().message;
    } else if (*applied == 0) {
      verdict.reason = "no anchor matches";
    } else {
      verdict.rewrites = *applied;
      auto after = latency(trial.graph());
      if (!after) {
        verdict.reason = after.error().message;
      } else {
        verdict.after_us = *after;
        verdict.kept = *after < current_us;
        verdict.reason = verdict.kept ? "lowers the latency" : "does not lower the latency";
        if (verdict.kept) {
          current = std::move(trial);
          current_us = *after;
        }
      }
    }
    result.verdicts.push_back(std::move(verdict));
  }
  result.graph = current.graph();
  result.log = current.log();
  result.final_us = current_us;
  return result;
}

}  // namespace hwnas::expert
