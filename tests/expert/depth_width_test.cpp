// Tests of the depth and width patterns drop_block and scale_channels: golden graphs before and
// after in the text format, refusals with their reasons, and the counts on MobileNetV2.
#include <gtest/gtest.h>

#include "expert_test_support.h"
#include "hwnas/expert/channel_groups.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/ir/builder.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

using testing::expect_golden;
using testing::load;
using testing::pattern;
using testing::refusal;
using testing::rewrite;

ir::Graph mobilenet_v2(int64_t resolution) {
  zoo::ZooOptions options;
  options.resolution = resolution;
  options.width_multiplier = 0.35;
  options.num_classes = 10;
  auto v2 = zoo::build_model("mobilenet_v2", options);
  EXPECT_TRUE(v2.ok());
  return *v2;
}

size_t count_kind(const ir::Graph& graph, ir::OpKind kind) {
  size_t n = 0;
  for (const ir::Node& node : graph.nodes()) n += node.kind == kind ? 1 : 0;
  return n;
}

TEST(DropBlock, ReplacesTheResidualBlockByItsInput) {
  ir::Graph graph = load("ibn.yaml");
  ir::Graph dropped = rewrite(graph, *pattern("drop_block"), "block.add");
  expect_golden(dropped, "drop_block.yaml");
  // The 8 nodes of the block (expand, dw, project with bn and act, the add) are gone: x -> pool.
  EXPECT_EQ(dropped.size(), graph.size() - 9);
  EXPECT_EQ(dropped.node(*dropped.find("pool")).inputs[0], *dropped.find("x"));
}

TEST(DropBlock, RefusesWhereThereIsNoResidual) {
  ir::Graph graph = load("ibn.yaml");
  auto drop = pattern("drop_block");
  EXPECT_NE(refusal(graph, *drop, "block.expand").find("is not a residual add (no residual block to drop)"),
            std::string::npos);
  const std::string kept = refusal(graph, *pattern("drop_block", {{"keep", "1"}}), "block.add");
  EXPECT_NE(kept.find("is residual block 1 of its shape 1x16x16x16; keep=1 keeps it"), std::string::npos) << kept;

  // Two parallel convs of x added: neither summand is computed from the other.
  ir::Graph parallel("parallel");
  ir::Builder b(parallel);
  ir::NodeId x = b.input(ir::Shape{1, 8, 8, 8}, "x");
  ir::NodeId left = b.conv_bn_act(x, 8, 3, 1, ir::OpKind::Relu, 1, "left");
  ir::NodeId right = b.conv_bn_act(x, 8, 1, 1, ir::OpKind::Relu, 1, "right");
  ir::NodeId sum = b.add(left, right, "sum");
  ir::NodeId y = b.linear(b.flatten(b.global_avg_pool(sum)), 4, true, "fc");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(parallel.set_outputs({y}).ok());
  EXPECT_NE(refusal(parallel, *drop, "sum").find("not only the block's input"), std::string::npos);

  // A branch tensor read outside the block.
  ir::Graph leaky("leaky");
  ir::Builder c(leaky);
  x = c.input(ir::Shape{1, 8, 8, 8}, "x");
  ir::NodeId inner = c.conv_bn_act(x, 8, 3, 1, ir::OpKind::Relu, 1, "inner");
  sum = c.add(x, inner, "sum");
  ir::NodeId both = c.concat({sum, inner}, 1, "both");
  y = c.linear(c.flatten(c.global_avg_pool(both)), 4, true, "fc");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(leaky.set_outputs({y}).ok());
  EXPECT_NE(refusal(leaky, *drop, "sum").find("outside the block"), std::string::npos);
}

TEST(DropBlock, KeepLeavesTheFirstBlocksOfEachShape) {
  ir::Graph v2 = mobilenet_v2(32);
  // MobileNetV2's repeats: 1 + 2 + 3 + 2 + 2 + 0 residual blocks (stages of depth 2, 3, 4, 3, 3, 1).
  const size_t residual = find_matches(*pattern("drop_block"), v2).size();
  EXPECT_EQ(residual, 10u);
  // keep=1: only blocks after the first of their shape match (stages of 2+ residual blocks).
  EXPECT_EQ(find_matches(*pattern("drop_block", {{"keep", "1"}}), v2).size(), 10u - 5u);
  Rewriter rewriter(v2, 1);
  for (int i = 0; i < 20; ++i) {
    auto matches = find_matches(*pattern("drop_block", {{"keep", "1"}}), rewriter.graph());
    if (matches.empty()) break;
    ASSERT_TRUE(rewriter.apply(*pattern("drop_block", {{"keep", "1"}}), matches.front()).ok());
  }
  EXPECT_EQ(find_matches(*pattern("drop_block"), rewriter.graph()).size(), 5u);
  EXPECT_EQ(count_kind(rewriter.graph(), ir::OpKind::Add), 5u);
  auto replayed = replay(v2, rewriter.log());
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, rewriter.graph());
}

TEST(ScaleChannels, ScalesAStageAlignedAndKeepsResidualsAndConcatsConsistent) {
  ir::Graph graph = load("residual_concat.yaml");
  ir::Graph scaled = rewrite(graph, *pattern("scale_channels", {{"factor", "0.5"}, {"multiple", "4"}}), "b");
  expect_golden(scaled, "scale_channels_half_4.yaml");
  // 20 x 0.5 = 10 -> 12 (residual group a, b, sum, dw), 12 -> 8 (c), 10 -> 4 (d), 30 -> 16 (e).
  EXPECT_EQ(scaled.node(*scaled.find("sum")).shape[1], 12);
  EXPECT_EQ(scaled.node(*scaled.find("dw")).attr<ir::Conv2dAttrs>().groups, 12);
  EXPECT_EQ(scaled.node(*scaled.find("cat")).shape[1], 12);
  EXPECT_EQ(scaled.node(*scaled.find("e")).shape[1], 16);
}

TEST(ScaleChannels, NeverWidensWhenNarrowingAndRefusesWithReason) {
  ir::Graph graph = load("residual_concat.yaml");
  auto to_32 = pattern("scale_channels", {{"factor", "0.75"}, {"multiple", "32"}});
  EXPECT_NE(refusal(graph, *to_32, "b").find("changes no width of the 16x16 stage"), std::string::npos);
  auto half = pattern("scale_channels", {{"factor", "0.5"}});
  EXPECT_NE(refusal(graph, *half, "x").find("cannot be scaled: graph input"), std::string::npos);
  EXPECT_NE(refusal(graph, *half, "cat").find("is a concat's output"), std::string::npos);
  EXPECT_NE(refusal(graph, *half, "fc").find("has no channel dimension"), std::string::npos);
  EXPECT_FALSE(make_pattern("scale_channels", {{"factor", "0"}}).ok());
  EXPECT_FALSE(make_pattern("scale_channels", {{"multiple", "0"}}).ok());
  EXPECT_FALSE(make_pattern("drop_block", {{"keep", "-1"}}).ok());
  EXPECT_FALSE(make_pattern("drop_block", {{"depth", "1"}}).ok());
}

TEST(ScaleChannels, OneAnchorPerStageReadingItsOwnResolution) {
  ir::Graph v2 = mobilenet_v2(64);
  auto scale = pattern("scale_channels", {{"factor", "0.5"}});
  ChannelGroups groups = find_channel_groups(v2);
  auto anchors = scale->anchors(v2);
  EXPECT_EQ(anchors.size(), stage_sizes(groups).size());
  // Every stage of MobileNetV2 has a 1x1 conv reading its own resolution (the stem's stage too:
  // the first IBN's projection), so no anchor is a stride-2 conv reading the stage before.
  size_t own_resolution = 0;
  for (ir::NodeId anchor : anchors) {
    const ir::Node& node = v2.node(anchor);
    own_resolution += v2.node(node.inputs[0]).shape[2] == node.shape[2] ? 1 : 0;
  }
  EXPECT_EQ(own_resolution, anchors.size());
  for (const Match& match : find_matches(*scale, v2)) EXPECT_TRUE(scale->apply(v2, match, 1).ok());
}

}  // namespace
}  // namespace hwnas::expert
