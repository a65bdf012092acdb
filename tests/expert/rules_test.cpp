// Tests of rule files: canonical round-trip, strict parsing with line numbers, applying rules
// where they say, and mining the rewrites a winner applies relative to a baseline.
#include <gtest/gtest.h>

#include "expert_test_support.h"
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
  RuleFile hand;
  hand.rules.push_back({"ibn_to_fused_ibn", {}, {Range{2, 2}, std::nullopt, std::nullopt}, ""});
  hand.rules.push_back({"remove_squeeze_excite", {}, {Range{4, 4}, std::nullopt, std::nullopt}, ""});
  auto winner = apply_rules(baseline, hand, 1);
  ASSERT_TRUE(winner.ok()) << winner.error().message;
  RuleFile mined = mine_rules(baseline, winner->graph);
  std::vector<std::string> found;
  for (const Rule& r : mined.rules)
    found.push_back(r.pattern + "@" + std::to_string(r.where.stage ? r.where.stage->min : -1));
  EXPECT_NE(std::find(found.begin(), found.end(), "ibn_to_fused_ibn@2"), found.end()) << rules_to_yaml(mined);
  EXPECT_NE(std::find(found.begin(), found.end(), "remove_squeeze_excite@4"), found.end()) << rules_to_yaml(mined);
  EXPECT_EQ(std::count_if(found.begin(), found.end(), [](const std::string& f) { return f.find("@0") != std::string::npos; }),
            0) << "stage 0 was not changed: " << rules_to_yaml(mined);
  // Mined rules are a valid rule file that transfers: applied to the baseline of another model.
  auto parsed = parse_rules(rules_to_yaml(mined));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto transferred = apply_rules(zoo_model("mobilenet_v3_large", 96), *parsed, 2);
  ASSERT_TRUE(transferred.ok()) << transferred.error().message;
  EXPECT_GT(transferred->log.records.size(), 0u);
}

}  // namespace
}  // namespace hwnas::expert
