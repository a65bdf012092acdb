// Tests of channel groups and the channel patterns: shapes stay consistent across residual adds
// and concats, pinned and derived groups are refused with a reason, evening and depth multiplier.
#include <gtest/gtest.h>

#include "expert_test_support.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/expert/channel_groups.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

using testing::expect_golden;
using testing::load;

int64_t channels_of(const ir::Graph& g, const std::string& name) { return g.node(*g.find(name)).shape[1]; }

Result<ir::Graph> apply(const ir::Graph& graph, const std::string& name, const PatternParams& params,
                        const std::string& location) {
  auto pattern = make_pattern(name, params);
  if (!pattern) return pattern.error();
  Rewriter rewriter(graph, 1);
  if (Status s = rewriter.apply(**pattern, location); !s) return s.error();
  return rewriter.graph();
}

TEST(ChannelGroups, UnionFindTiesResidualsDepthwiseAndSeparatesConcatInputs) {
  ir::Graph g = load("residual_concat.yaml");
  ChannelGroups groups = find_channel_groups(g);
  auto group = [&](const char* name) { return groups.group_of[static_cast<size_t>(*g.find(name))]; };
  EXPECT_EQ(group("a"), group("b"));
  EXPECT_EQ(group("a"), group("sum"));
  EXPECT_EQ(group("a"), group("dw"));
  EXPECT_NE(group("c"), group("d"));
  EXPECT_NE(group("cat"), group("c"));
  EXPECT_EQ(group("e"), group("pool"));
  EXPECT_EQ(groups.group_of[static_cast<size_t>(*g.find("fc"))], -1);
  const ChannelGroup& residual = groups.groups[static_cast<size_t>(group("a"))];
  EXPECT_EQ(residual.sources, (std::vector<ir::NodeId>{*g.find("a"), *g.find("b")}));
  EXPECT_EQ(residual.depthwise, (std::vector<ir::NodeId>{*g.find("dw")}));
  EXPECT_TRUE(residual.alignable());
  EXPECT_TRUE(groups.groups[static_cast<size_t>(group("cat"))].derived);
  EXPECT_EQ(groups.groups[static_cast<size_t>(group("x"))].pinned, "graph input");
}

TEST(AlignChannels, WholeModelKeepsResidualAndConcatShapesConsistent) {
  ir::Graph g = load("residual_concat.yaml");
  auto aligned = apply(g, "align_channels", {{"multiple", "8"}, {"round", "up"}, {"scope", "model"}}, "model");
  ASSERT_TRUE(aligned.ok()) << aligned.error().message;
  expect_golden(*aligned, "align_channels_model_up8.yaml");
  EXPECT_EQ(channels_of(*aligned, "a"), 24);
  EXPECT_EQ(channels_of(*aligned, "b"), 24);  // the add's two inputs agree
  EXPECT_EQ(channels_of(*aligned, "sum"), 24);
  EXPECT_EQ(aligned->node(*aligned->find("dw")).attr<ir::Conv2dAttrs>().groups, 24);
  EXPECT_EQ(channels_of(*aligned, "c"), 16);
  EXPECT_EQ(channels_of(*aligned, "d"), 16);
  EXPECT_EQ(channels_of(*aligned, "cat"), 32);  // the concat follows its inputs
  EXPECT_EQ(channels_of(*aligned, "e"), 32);
  EXPECT_EQ(channels_of(*aligned, "fc"), 10);   // the classifier's width is not a channel group
  for (const ChannelGroup& group : find_channel_groups(*aligned).groups)
    if (group.alignable() || group.derived) EXPECT_EQ(group.channels % 8, 0);
  auto again = apply(*aligned, "align_channels", {{"multiple", "8"}, {"scope", "model"}}, "model");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already a multiple of 8"), std::string::npos);
}

TEST(AlignChannels, OneLayerDownAndRefusals) {
  ir::Graph g = load("residual_concat.yaml");
  auto down = apply(g, "align_channels", {{"multiple", "8"}, {"round", "down"}}, "c");
  ASSERT_TRUE(down.ok()) << down.error().message;
  EXPECT_EQ(channels_of(*down, "c"), 8);
  EXPECT_EQ(channels_of(*down, "d"), 10);
  EXPECT_EQ(channels_of(*down, "cat"), 18);
  EXPECT_EQ(channels_of(*down, "a"), 20);
  auto input = apply(g, "align_channels", {{"multiple", "8"}}, "x");
  ASSERT_FALSE(input.ok());
  EXPECT_NE(input.error().message.find("graph input"), std::string::npos) << input.error().message;
  auto concat = apply(g, "align_channels", {{"multiple", "8"}}, "cat");
  ASSERT_FALSE(concat.ok());
  EXPECT_NE(concat.error().message.find("concat's output"), std::string::npos) << concat.error().message;
  auto flat = apply(g, "align_channels", {{"multiple", "8"}}, "flatten");
  ASSERT_FALSE(flat.ok());
  EXPECT_NE(flat.error().message.find("no channel dimension"), std::string::npos);
}

TEST(AlignChannels, ConcatAddedToAConvPinsTheConcatInputs) {
  ir::Graph g("pinned_concat");
  auto x = g.add(ir::OpKind::Input, ir::InputAttrs{{1, 4, 8, 8}}, {}, "x");
  auto c = g.add(ir::OpKind::Conv2d, ir::Conv2dAttrs::make(12, 1), {*x}, "c");
  auto d = g.add(ir::OpKind::Conv2d, ir::Conv2dAttrs::make(10, 1), {*x}, "d");
  auto cat = g.add(ir::OpKind::Concat, ir::ConcatAttrs{1}, {*c, *d}, "cat");
  auto f = g.add(ir::OpKind::Conv2d, ir::Conv2dAttrs::make(22, 1), {*x}, "f");
  auto sum = g.add(ir::OpKind::Add, ir::NoAttrs{}, {*cat, *f}, "sum");
  auto pool = g.add(ir::OpKind::GlobalAvgPool, ir::NoAttrs{}, {*sum}, "pool");
  auto flat = g.add(ir::OpKind::Flatten, ir::FlattenAttrs{1}, {*pool}, "flat");
  ASSERT_TRUE(g.add(ir::OpKind::Linear, ir::LinearAttrs{3, true}, {*flat}, "fc").ok());
  auto refused = apply(g, "align_channels", {{"multiple", "8"}}, "c");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("feeds node 'cat' (concat), whose width is fixed"), std::string::npos)
      << refused.error().message;
  auto whole = apply(g, "align_channels", {{"multiple", "8"}, {"scope", "model"}}, "model");
  ASSERT_FALSE(whole.ok());  // nothing changeable: c and d are pinned, f is tied to the concat
}

TEST(EvenChannels, GivesAStageOneWidthPerRole) {
  ir::Graph g = load("residual_concat.yaml");
  auto even = apply(g, "even_channels", {{"multiple", "8"}}, "c");
  ASSERT_TRUE(even.ok()) << even.error().message;
  // c, d, e (no depthwise) -> mean(12, 10, 30) = 17.3 -> 16; the depthwise group stays 20.
  EXPECT_EQ(channels_of(*even, "c"), 16);
  EXPECT_EQ(channels_of(*even, "d"), 16);
  EXPECT_EQ(channels_of(*even, "e"), 16);
  EXPECT_EQ(channels_of(*even, "a"), 20);
  auto twice = apply(*even, "even_channels", {{"multiple", "8"}}, "c");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("already even"), std::string::npos);
}

TEST(DepthMultiplier, ScalesWidthsWithMakeDivisible) {
  ir::Graph g = load("residual_concat.yaml");
  auto half = apply(g, "depth_multiplier", {{"factor", "0.5"}, {"divisor", "8"}, {"scope", "model"}}, "model");
  ASSERT_TRUE(half.ok()) << half.error().message;
  EXPECT_EQ(channels_of(*half, "a"), 16);  // 10 -> 8 is below 90 % of 10, so 16
  EXPECT_EQ(channels_of(*half, "c"), 8);
  EXPECT_EQ(channels_of(*half, "d"), 8);
  EXPECT_EQ(channels_of(*half, "e"), 16);

  zoo::ZooOptions options;
  options.resolution = 32;
  options.num_classes = 10;
  auto v2 = zoo::build_model("mobilenet_v2", options);
  ASSERT_TRUE(v2.ok());
  auto slim = apply(*v2, "depth_multiplier", {{"factor", "0.5"}, {"scope", "model"}}, "model");
  ASSERT_TRUE(slim.ok()) << slim.error().message;
  double ratio = static_cast<double>(analysis::analyze_cost(*slim).params) /
                 static_cast<double>(analysis::analyze_cost(*v2).params);
  EXPECT_GT(ratio, 0.2);  // about 0.5^2 on the convs, the classifier shrinks only in its input
  EXPECT_LT(ratio, 0.45);
}

}  // namespace
}  // namespace hwnas::expert
