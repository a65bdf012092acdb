// Tests of rule files: canonical round-trip, strict parsing with line numbers, applying rules
// where they say, and mining the rewrites a winner applies relative to a baseline.
#include <gtest/gtest.h>

#include "expert_test_support.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/expert/rules.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

using testing::data_path;
using testing::read_file;

ir::Graph zoo_model(const std::string& name, int64_t resolution = 64) {
  zoo::ZooOptions options;
  options.resolution = resolution;
  options.num_classes = 10;
  auto graph = zoo::build_model(name, options);
  EXPECT_TRUE(graph.ok());
  return *graph;
}

TEST(RuleFile, RoundTripsExactly) {
  std::string text = read_file(data_path("rules_example.yaml"));
  auto rules = parse_rules(text, "rules_example.yaml");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->rules.size(), 3u);
  EXPECT_EQ(rules->rules[0].where.stage, (Range{1, 2}));
  EXPECT_EQ(rules->rules[0].where.channels, (Range{16, 96}));
  EXPECT_FALSE(rules->rules[0].where.resolution.has_value());
  EXPECT_EQ(rules->rules[2].params.get("multiple"), "16");
  EXPECT_EQ(rules_to_yaml(*rules), text);
  auto again = parse_rules(rules_to_yaml(*rules));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *rules);
}

struct BadRule {
  const char* text;
  const char* message;
};

TEST(RuleFile, BadFieldsAreRejectedWithTheLine) {
  const BadRule cases[] = {
      {"version: 1\nrules:\n  - pattern: ibn_to_fused_ibn\n    wehre: {stage: 1}\n",
       "r.yaml:4: unknown field 'wehre' in rule 1 (fields: pattern, params, where, note)"},
      {"version: 1\nrules:\n  - pattern: ibn_to_fused_ibn\n    where: {stage: [3, 1]}\n",
       "r.yaml:4: 'stage': min 3 is above max 1"},
      {"version: 1\nrules:\n  - pattern: fuse_all\n", "r.yaml:3: rule 1: unknown pattern 'fuse_all'"},
      {"version: 1\nrules:\n  - pattern: align_channels\n    params: {multiple: \"1\"}\n",
       "r.yaml:3: rule 1: pattern 'align_channels': parameter 'multiple' must be an integer >= 2, not '1'"},
      {"version: 1\nrules:\n  - pattern: remove_squeeze_excite\n    where: {channels: wide}\n",
       "r.yaml:4: 'channels': 'wide' is not an integer"},
      {"version: 2\nrules: []\n", "r.yaml:1: version must be 1"},
      {"version: 1\nrule: []\n", "r.yaml:2: unknown field 'rule' in the rule file (fields: version, description, "
                                 "source, rules)"},
      {"version: 1\nrules:\n  - pattern: depth_multiplier\n    params: {scope: model}\n    where: {stage: 1}\n",
       "r.yaml:5: rule 1: pattern 'depth_multiplier' with these params takes the whole model; a 'where' cannot "
       "restrict it"},
  };
  for (const BadRule& c : cases) {
    auto rules = parse_rules(c.text, "r.yaml");
    ASSERT_FALSE(rules.ok()) << c.text;
    EXPECT_EQ(rules.error().message.rfind(c.message, 0), 0u) << rules.error().message;
  }
}

TEST(RuleFile, ApplyRespectsWhere) {
  auto rules = load_rules(data_path("rules_example.yaml"));
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ir::Graph v3 = zoo_model("mobilenet_v3_small");
  auto applied = apply_rules(v3, *rules, 1);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  ASSERT_EQ(applied->applied_per_rule.size(), 3u);
  // Every IBN expansion that the rule fused was in stage 1 or 2 with 16..96 output channels.
  for (const RewriteRecord& r : applied->log.records) {
    if (r.pattern != "ibn_to_fused_ibn") continue;
    AnchorPlace place = anchor_place(v3, *v3.find(r.location));
    EXPECT_GE(place.stage, 1);
    EXPECT_LE(place.stage, 2);
    EXPECT_GE(place.channels, 16);
    EXPECT_LE(place.channels, 96);
  }
  EXPECT_GT(applied->applied_per_rule[0], 0);
  EXPECT_EQ(applied->applied_per_rule[1], 9);  // every squeeze-excite of MobileNetV3-Small
  auto replayed = replay(v3, applied->log);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, applied->graph);
}

TEST(RuleMining, FindsTheRewritesAWinnerApplied) {
  ir::Graph baseline = zoo_model("mobilenet_v3_small");
  // At the 64 x 64 input: 1/4 is the 16 x 16 stage, 1/16 the 4 x 4 one.
  RuleFile hand;
  hand.rules.push_back({"ibn_to_fused_ibn", {}, {}, ""});
  hand.rules.back().where.downsample = Range{4, 4};
  hand.rules.push_back({"remove_squeeze_excite", {}, {}, ""});
  hand.rules.back().where.downsample = Range{16, 16};
  auto winner = apply_rules(baseline, hand, 1);
  ASSERT_TRUE(winner.ok()) << winner.error().message;
  ASSERT_GT(winner->log.records.size(), 1u);
  RuleFile mined = mine_rules(baseline, winner->graph);
  std::vector<std::string> found;
  for (const Rule& r : mined.rules) {
    EXPECT_FALSE(r.where.stage.has_value()) << "the miner names stages by downsampling factor";
    found.push_back(r.pattern + "@" + std::to_string(r.where.downsample ? r.where.downsample->min : -1));
  }
  EXPECT_NE(std::find(found.begin(), found.end(), "ibn_to_fused_ibn@4"), found.end()) << rules_to_yaml(mined);
  EXPECT_NE(std::find(found.begin(), found.end(), "remove_squeeze_excite@16"), found.end()) << rules_to_yaml(mined);
  EXPECT_EQ(std::count_if(found.begin(), found.end(), [](const std::string& f) { return f.find("@1") == f.size() - 2; }),
            0) << "the input resolution was not changed: " << rules_to_yaml(mined);
  // Mined rules are a valid rule file that transfers: applied to the baseline of another model.
  auto parsed = parse_rules(rules_to_yaml(mined));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, mined);
  auto transferred = apply_rules(zoo_model("mobilenet_v3_large", 96), *parsed, 2);
  ASSERT_TRUE(transferred.ok()) << transferred.error().message;
  EXPECT_GT(transferred->log.records.size(), 0u);
}

TEST(RuleFile, DownsampleRoundTripsAndIsChecked) {
  const std::string text =
      "# hwnas expert rules, format version 1 (docs/expert.md)\nversion: 1\nrules:\n  - pattern: drop_block\n"
      "    params: {keep: \"1\"}\n    where: {downsample: [4, 8], channels: [16, 64]}\n";
  auto rules = parse_rules(text, "d.yaml");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_EQ(rules->rules[0].where.downsample, (Range{4, 8}));
  EXPECT_EQ(rules_to_yaml(*rules), text);
  const BadRule cases[] = {
      {"version: 1\nrules:\n  - pattern: drop_block\n    where: {downsample: 0}\n",
       "d.yaml:4: 'downsample' is input height / resolution: 1 or more, not 0"},
      {"version: 1\nrules:\n  - pattern: drop_block\n    where: {downsample: [8, 4]}\n",
       "d.yaml:4: 'downsample': min 8 is above max 4"},
      {"version: 1\nrules:\n  - pattern: drop_block\n    params: {keep: many}\n",
       "d.yaml:3: rule 1: pattern 'drop_block': parameter 'keep' must be an integer >= 0, not 'many'"},
      {"version: 1\nrules:\n  - pattern: align_channels\n    params: {scope: model}\n    where: {downsample: 2}\n",
       "d.yaml:5: rule 1: pattern 'align_channels' with these params takes the whole model"},
  };
  for (const BadRule& c : cases) {
    auto bad = parse_rules(c.text, "d.yaml");
    ASSERT_FALSE(bad.ok()) << c.text;
    EXPECT_EQ(bad.error().message.rfind(c.message, 0), 0u) << bad.error().message;
  }
}

TEST(RuleFile, DownsampleNamesTheSamePlaceAtAnotherInputSize) {
  Rule rule{"drop_block", {}, {}, ""};
  rule.where.downsample = Range{8, 8};
  for (int64_t resolution : {32, 64, 96}) {
    ir::Graph v2 = zoo_model("mobilenet_v2", resolution);
    auto drop = make_pattern("drop_block");
    ASSERT_TRUE(drop.ok());
    size_t admitted = 0;
    for (const Match& m : find_matches(**drop, v2)) {
      if (!rule_applies_at(rule, v2, m.anchor)) continue;
      ++admitted;
      AnchorPlace place = anchor_place(v2, m.anchor);
      EXPECT_EQ(place.resolution, resolution / 8);
      EXPECT_EQ(place.downsample, 8);
    }
    EXPECT_EQ(admitted, 2u) << "the two residual blocks of MobileNetV2's 32-channel stage, at input " << resolution;
  }
}

TEST(RuleMining, DepthAndWidthRulesFromAShallowerNarrowerWinner) {
  ir::Graph baseline = zoo_model("mobilenet_v2", 64);
  RuleFile hand;
  hand.rules.push_back({"drop_block", {{"keep", "1"}}, {}, ""});
  hand.rules.back().where.downsample = Range{8, 8};
  hand.rules.push_back({"scale_channels", {{"factor", "0.5"}, {"multiple", "8"}}, {}, ""});
  hand.rules.back().where.downsample = Range{16, 16};
  auto winner = apply_rules(baseline, hand, 1);
  ASSERT_TRUE(winner.ok()) << winner.error().message;
  ASSERT_EQ(winner->applied_per_rule, (std::vector<int>{1, 1}));
  RuleFile mined = mine_rules(baseline, winner->graph, {.channel_multiple = 8});
  const Rule* depth = nullptr;
  const Rule* width = nullptr;
  for (const Rule& r : mined.rules) {
    if (r.pattern == "drop_block") depth = &r;
    if (r.pattern == "scale_channels") width = &r;
  }
  ASSERT_NE(depth, nullptr) << rules_to_yaml(mined);
  EXPECT_EQ(depth->where.downsample, (Range{8, 8}));
  EXPECT_EQ(depth->params.get("keep"), "1");
  EXPECT_NE(depth->note.find("winner has 1 residual blocks at 1/8"), std::string::npos) << depth->note;
  ASSERT_NE(width, nullptr) << rules_to_yaml(mined);
  EXPECT_EQ(width->where.downsample, (Range{16, 16}));
  EXPECT_EQ(width->params.get("factor"), "0.50");
  // Applied to the baseline at another input size, the mined rules make the same network shape.
  ir::Graph other = zoo_model("mobilenet_v2", 128);
  auto again = apply_rules(other, mined, 1);
  auto reference = apply_rules(other, hand, 1);
  ASSERT_TRUE(again.ok() && reference.ok());
  EXPECT_EQ(again->graph.size(), reference->graph.size());
  EXPECT_EQ(again->graph.node(again->graph.outputs().front()).shape,
            reference->graph.node(reference->graph.outputs().front()).shape);
}

TEST(RuleJudging, KeepsOnlyRulesThatLowerTheLatency) {
  ir::Graph v2 = zoo_model("mobilenet_v2", 64);
  // A latency that counts weights: dropping blocks lowers it, adding squeeze-excite raises it.
  LatencyFn weights = [](const ir::Graph& g) -> Result<double> {
    return static_cast<double>(analysis::analyze_cost(g).params);
  };
  RuleFile rules;
  rules.rules.push_back({"add_squeeze_excite", {}, {}, "raises it"});
  rules.rules.push_back({"drop_block", {{"keep", "1"}}, {}, "lowers it"});
  rules.rules.push_back({"remove_squeeze_excite", {}, {}, "MobileNetV2 has none"});
  auto judged = apply_rules_judged(v2, rules, weights, 3);
  ASSERT_TRUE(judged.ok()) << judged.error().message;
  ASSERT_EQ(judged->verdicts.size(), 3u);
  EXPECT_FALSE(judged->verdicts[0].kept);
  EXPECT_GT(judged->verdicts[0].rewrites, 0);
  EXPECT_GT(judged->verdicts[0].after_us, judged->verdicts[0].before_us);
  EXPECT_EQ(judged->verdicts[0].reason, "does not lower the latency");
  EXPECT_TRUE(judged->verdicts[1].kept);
  EXPECT_EQ(judged->verdicts[1].rewrites, 5);
  EXPECT_LT(judged->final_us, judged->baseline_us);
  EXPECT_EQ(judged->verdicts[2].reason, "no anchor matches");
  EXPECT_EQ(judged->kept(), 1);
  // Only the kept rule's rewrites are in the log, and it replays to the judged network.
  EXPECT_EQ(judged->log.records.size(), 5u);
  auto replayed = replay(v2, judged->log);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, judged->graph);
  auto only_drop = apply_rules(v2, RuleFile{"", "", {rules.rules[1]}}, 3);
  ASSERT_TRUE(only_drop.ok());
  EXPECT_EQ(judged->graph.size(), only_drop->graph.size());
  // An unknown pattern is an Error, not a verdict.
  RuleFile bad{"", "", {{"fuse_everything", {}, {}, ""}}};
  EXPECT_FALSE(apply_rules_judged(v2, bad, weights, 3).ok());
}

}  // namespace
}  // namespace hwnas::expert
