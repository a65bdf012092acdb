// Tests of the rewriter: every edit logged with before/after shapes, replay of a log on the
// original model gives the same graph, the log round-trips through YAML, bad logs are refused.
#include <gtest/gtest.h>

#include "expert_test_support.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

using testing::pattern;

ir::Graph small_mobilenet_v2() {
  zoo::ZooOptions options;
  options.resolution = 32;
  options.width_multiplier = 0.35;
  options.num_classes = 10;
  auto graph = zoo::build_model("mobilenet_v2", options);
  EXPECT_TRUE(graph.ok());
  reference::fill_random_weights(*graph, 3);
  return *graph;
}

// Four rewrites of different kinds on MobileNetV2.
Rewriter rewritten(const ir::Graph& graph) {
  Rewriter rewriter(graph, 42);
  auto first = [&](const Pattern& p) { return find_matches(p, rewriter.graph()).at(0); };
  auto fuse = pattern("ibn_to_fused_ibn");
  EXPECT_TRUE(rewriter.apply(*fuse, first(*fuse)).ok());
  auto se = pattern("add_squeeze_excite");
  EXPECT_TRUE(rewriter.apply(*se, first(*se)).ok());
  auto merge = pattern("depthwise_pointwise_to_conv");
  EXPECT_TRUE(rewriter.apply(*merge, first(*merge)).ok());
  auto align = pattern("align_channels", {{"multiple", "16"}, {"round", "down"}, {"scope", "model"}});
  EXPECT_TRUE(rewriter.apply(*align, kWholeModel).ok());
  return rewriter;
}

TEST(Rewriter, LogsEveryEditWithShapes) {
  ir::Graph graph = small_mobilenet_v2();
  Rewriter rewriter = rewritten(graph);
  const RewriteLog& log = rewriter.log();
  ASSERT_EQ(log.records.size(), 4u);
  EXPECT_EQ(log.records[0].pattern, "ibn_to_fused_ibn");
  EXPECT_EQ(log.records[0].location, "stage2.block0.expand");
  // before: expand conv, bn, act and the depthwise; after: the fused conv and the depthwise's bn
  // (it reads the new conv now).
  ASSERT_EQ(log.records[0].before.size(), 5u);
  EXPECT_EQ(log.records[0].before[0].rfind("stage2.block0.expand conv2d 1x1 [1, 8, 16, 16] -> [1, 48, 16, 16]", 0), 0u)
      << log.records[0].before[0];
  EXPECT_NE(log.records[0].after[0].find("conv2d 3x3 [1, 8, 16, 16] -> [1, 48, 8, 8]"), std::string::npos)
      << log.records[0].after[0];
  EXPECT_EQ(log.records[3].location, kWholeModel);
  EXPECT_EQ(log.records[3].params.to_string(), "multiple=16,round=down,scope=model");
}

TEST(Rewriter, ReplayOnTheOriginalGivesTheSameGraph) {
  ir::Graph graph = small_mobilenet_v2();
  Rewriter rewriter = rewritten(graph);
  auto replayed = replay(graph, rewriter.log());
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, rewriter.graph());  // structure and every weight
  // Through the YAML text of the log too.
  std::string text = rewrite_log_to_yaml(rewriter.log());
  auto parsed = rewrite_log_from_yaml(text, "log.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, rewriter.log());
  EXPECT_EQ(rewrite_log_to_yaml(*parsed), text);
  auto again = replay(graph, *parsed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, rewriter.graph());
}

TEST(Rewriter, ReplayOnAnotherModelIsRefused) {
  Rewriter rewriter = rewritten(small_mobilenet_v2());
  ir::Graph other = testing::load("ibn.yaml");
  auto replayed = replay(other, rewriter.log());
  ASSERT_FALSE(replayed.ok());
  EXPECT_NE(replayed.error().message.find("replay step 1"), std::string::npos) << replayed.error().message;
}

TEST(Rewriter, BadLogFieldsAreRejectedWithTheLine) {
  auto bad = rewrite_log_from_yaml("version: 1\nmodel: m\nseed: 1\nrewrites:\n  - pattern: align_channels\n"
                                   "    location: a\n    where: b\n",
                                   "log.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "log.yaml:7: unknown field 'where' in a rewrite");
}

}  // namespace
}  // namespace hwnas::expert
