// Channel pruning: which widths are prunable, which channels go, exactness when the pruned channels are dead, and errors.
#include "hwnas/sparsity/channel_pruning.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/reference/reference.h"

namespace hwnas::sparsity {
namespace {

using ir::OpKind;

// stem conv 8 -> IBN (expand 16, depthwise, project 8, residual add) -> head conv 32 -> pool -> linear 10.
ir::Graph ibn_network() {
  ir::Graph g("ibn");
  ir::Builder b(g);
  auto x = b.input({1, 3, 8, 8}, "image");
  auto stem = b.conv_bn_act(x, 8, 3, 1, OpKind::Relu6, 1, "stem");
  auto expand = b.conv_bn_act(stem, 16, 1, 1, OpKind::Relu6, 1, "expand");
  auto dw = b.conv_bn_act(expand, 16, 3, 1, OpKind::Relu6, 16, "dw");
  auto project = b.conv_bn_act(dw, 8, 1, 1, OpKind::Input, 1, "project");
  auto sum = b.add(project, stem, "residual");
  auto head = b.conv_bn_act(sum, 32, 1, 1, OpKind::Relu6, 1, "head");
  b.linear(b.flatten(b.global_avg_pool(head, "pool"), "flat"), 10, true, "fc");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  reference::fill_random_weights(g, 3);
  return g;
}

const ir::Node& node(const ir::Graph& g, const std::string& name) {
  auto id = g.find(name);
  EXPECT_TRUE(id.has_value()) << name;
  return g.node(id.value_or(0));
}

// The output width of node `name` (conv_bn_act names the conv, then "<name>_bn" and "<name>_<act>").
int64_t width(const ir::Graph& g, const std::string& name) { return node(g, name).shape[1]; }

TEST(ChannelPruning, PrunesInnerWidthsAndKeepsTheResidualOnes) {
  const ir::Graph g = ibn_network();
  auto pruned = prune_channels(g, {.ratio = 0.5});
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  // prunable: the expansion width (expand -> dw -> project) and the head's (head -> pool -> fc);
  // the stem's and the project's outputs reach the residual add
  ASSERT_EQ(pruned->widths.size(), 2u);
  EXPECT_EQ(pruned->widths[0].producer, "expand");
  EXPECT_EQ(pruned->widths[0].before, 16);
  EXPECT_EQ(pruned->widths[0].after, 8);
  EXPECT_EQ(pruned->widths[1].after, 16);
  const ir::Graph& p = pruned->graph;
  EXPECT_EQ(width(p, "expand"), 8);
  EXPECT_EQ(width(p, "dw"), 8);
  EXPECT_EQ(node(p, "dw").attr<ir::Conv2dAttrs>().groups, 8);
  EXPECT_EQ(width(p, "stem"), 8);
  EXPECT_EQ(width(p, "project"), 8);
  EXPECT_EQ(node(p, "fc").params[0].shape, (ir::Shape{10, 16}));
  EXPECT_TRUE(p.has_weights());
  EXPECT_LT(analysis::analyze_cost(p).params, analysis::analyze_cost(g).params);
  // the input graph is left as it was
  EXPECT_EQ(width(g, "expand"), 16);
}

// Channels whose activations are zero for every input can go without changing what the block
// computes: the stage output (the residual add, before the head's own pruning) is the original's.
TEST(ChannelPruning, RemovingDeadChannelsKeepsTheBlocksOutput) {
  ir::Graph g = ibn_network();
  const ir::NodeId expand = node(g, "expand").id, bn = node(g, "expand_bn").id, dw_bn = node(g, "dw_bn").id;
  for (int64_t c = 0; c < 16; c += 2) {  // every even channel: a tiny filter, batch norm to -1, relu6 to 0
    for (int64_t i = 0; i < 8; ++i) g.param(expand, 0).data[static_cast<size_t>(c * 8 + i)] *= 1e-3f;
    g.param(bn, 0).data[static_cast<size_t>(c)] = 0.0f;     // scale
    g.param(bn, 1).data[static_cast<size_t>(c)] = -1.0f;    // bias
    g.param(dw_bn, 1).data[static_cast<size_t>(c)] = 0.0f;  // the depthwise conv of zeros stays zero
    g.param(dw_bn, 2).data[static_cast<size_t>(c)] = 0.0f;  // (bias and mean 0)
  }
  reference::Tensor image{{1, 3, 8, 8}, std::vector<float>(192)};
  for (size_t i = 0; i < image.data.size(); ++i) image.data[i] = std::sin(0.37f * static_cast<float>(i));
  auto original = reference::evaluate_all(g, {image});
  ASSERT_TRUE(original.ok()) << original.error().message;
  const auto& expected = (*original)[static_cast<size_t>(node(g, "residual").id)].data;
  // L1 finds the tiny filters; bn_scale the zero scales
  for (PruneCriterion criterion : {PruneCriterion::L1, PruneCriterion::BatchNormScale}) {
    auto pruned = prune_channels(g, {.ratio = 0.5, .criterion = criterion});
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    ASSERT_EQ(pruned->widths[0].after, 8);
    auto values = reference::evaluate_all(pruned->graph, {image});
    ASSERT_TRUE(values.ok()) << values.error().message;
    const auto& got = (*values)[static_cast<size_t>(node(pruned->graph, "residual").id)].data;
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5f) << criterion_name(criterion) << " " << i;
  }
  // pruning live channels instead changes it
  ir::Graph live = g;
  for (int64_t c = 1; c < 16; c += 2)
    for (int64_t i = 0; i < 8; ++i) live.param(expand, 0).data[static_cast<size_t>(c * 8 + i)] *= 1e-6f;
  for (int64_t c = 0; c < 16; c += 2)
    for (int64_t i = 0; i < 8; ++i) live.param(expand, 0).data[static_cast<size_t>(c * 8 + i)] *= 1e6f;
  auto wrong = prune_channels(live, {.ratio = 0.5});
  ASSERT_TRUE(wrong.ok());
  auto changed = reference::evaluate_all(wrong->graph, {image});
  ASSERT_TRUE(changed.ok());
  auto live_values = reference::evaluate_all(live, {image});
  ASSERT_TRUE(live_values.ok());
  const auto& a = (*live_values)[static_cast<size_t>(node(live, "residual").id)].data;
  const auto& b = (*changed)[static_cast<size_t>(node(wrong->graph, "residual").id)].data;
  double difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference += std::fabs(a[i] - b[i]);
  EXPECT_GT(difference, 1e-3);
}

TEST(ChannelPruning, KeptWidthsAreMultiplesOfTheChannelMultiple) {
  const ir::Graph g = ibn_network();
  auto p8 = prune_channels(g, {.ratio = 0.3, .channel_multiple = 8});  // 16 x 0.7 = 11.2 -> 8; 32 x 0.7 = 22.4 -> 24
  ASSERT_TRUE(p8.ok()) << p8.error().message;
  EXPECT_EQ(p8->widths[0].after, 8);
  EXPECT_EQ(p8->widths[1].after, 24);
  auto p4 = prune_channels(g, {.ratio = 0.3, .channel_multiple = 4});  // 11.2 -> 12
  ASSERT_TRUE(p4.ok());
  EXPECT_EQ(p4->widths[0].after, 12);
  auto none = prune_channels(g, {.ratio = 0.0});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->graph == g) << "ratio 0 keeps every channel";
  auto p32 = prune_channels(g, {.ratio = 0.9, .channel_multiple = 32});  // never below P, never above the width
  ASSERT_TRUE(p32.ok());
  EXPECT_EQ(p32->widths[0].after, 16);
  EXPECT_EQ(p32->widths[1].after, 32);
}

TEST(ChannelPruning, ErrorsSayWhy) {
  const ir::Graph g = ibn_network();
  auto bad_ratio = prune_channels(g, {.ratio = 1.0});
  ASSERT_FALSE(bad_ratio.ok());
  EXPECT_NE(bad_ratio.error().message.find("outside [0, 1)"), std::string::npos) << bad_ratio.error().message;
  ir::Graph shapes_only("shapes");
  ir::Builder b(shapes_only);
  b.conv_bn_act(b.conv(b.input({1, 3, 8, 8}), ir::Conv2dAttrs::make(8, 3), "c1"), 8, 1, 1, OpKind::Relu);
  auto no_weights = prune_channels(shapes_only, {});
  ASSERT_FALSE(no_weights.ok());
  EXPECT_NE(no_weights.error().message.find("no weights"), std::string::npos) << no_weights.error().message;
  // bn_scale on a width with no batch norm after its producer
  reference::fill_random_weights(shapes_only, 1);
  auto no_bn = prune_channels(shapes_only, {.criterion = PruneCriterion::BatchNormScale});
  ASSERT_FALSE(no_bn.ok());
  EXPECT_NE(no_bn.error().message.find("node 'c1' (conv2d) has no batch norm after it"), std::string::npos) << no_bn.error().message;
  EXPECT_FALSE(criterion_from_name("l2").ok());
  EXPECT_EQ(*criterion_from_name("bn_scale"), PruneCriterion::BatchNormScale);
}

}  // namespace
}  // namespace hwnas::sparsity
