// Batch-norm folding: hand-computed folded weights, the reference evaluator agreeing before and
// after folding, shapes-only graphs, and the pairs that must not be folded.
#include "hwnas/ir/fold_batch_norm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hwnas/ir/builder.h"
#include "hwnas/reference/reference.h"

namespace hwnas::ir {
namespace {

int count(const Graph& g, OpKind kind) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.kind == kind;
  return n;
}

TEST(FoldBatchNorm, HandComputedOneByOneConv) {
  Graph h("one_by_one");
  Builder hb(h);
  auto hx = hb.input({1, 2, 1, 1});
  auto hc = hb.conv(hx, Conv2dAttrs::make(2, 1, 1, 1, true), "conv");
  auto hn = hb.op(OpKind::BatchNorm, BatchNormAttrs{1.0}, {hc}, "bn");
  ASSERT_TRUE(hb.ok());
  h.param(hc, 0).data = {1.0f, 2.0f, 3.0f, 4.0f};  // w[o][i]
  h.param(hc, 1).data = {0.5f, -1.0f};
  h.param(hn, 0).data = {2.0f, 1.0f};   // scale
  h.param(hn, 1).data = {0.25f, 3.0f};  // bias
  h.param(hn, 2).data = {1.5f, 1.0f};   // mean
  h.param(hn, 3).data = {3.0f, 3.0f};   // var
  // s = scale / sqrt(var + 1) = {2 / 2, 1 / 2} = {1, 0.5}
  // w' = {1, 2} * 1, {3, 4} * 0.5;  b' = (0.5 - 1.5) * 1 + 0.25 = -0.75, (-1 - 1) * 0.5 + 3 = 2
  Graph f = fold_batch_norm(h);
  ASSERT_EQ(f.size(), 2u);
  const Node& conv = f.node(1);
  EXPECT_EQ(conv.name, "conv");
  EXPECT_EQ(conv.params[0].data, (std::vector<float>{1.0f, 2.0f, 1.5f, 2.0f}));
  EXPECT_EQ(conv.params[1].data, (std::vector<float>{-0.75f, 2.0f}));
  EXPECT_EQ(f.outputs(), std::vector<NodeId>{1});
}

TEST(FoldBatchNorm, ConvWithoutBiasGainsOne) {
  Graph g("no_bias");
  Builder b(g);
  auto c = b.conv(b.input({1, 1, 2, 2}), Conv2dAttrs::make(1, 1), "conv");
  auto n = b.op(OpKind::BatchNorm, BatchNormAttrs{1e-5}, {c}, "bn");
  ASSERT_TRUE(b.ok());
  g.param(c, 0).data = {2.0f};
  g.param(n, 0).data = {3.0f};
  g.param(n, 1).data = {1.0f};
  g.param(n, 2).data = {4.0f};
  g.param(n, 3).data = {1.0f - 1e-5f};
  Graph f = fold_batch_norm(g);
  ASSERT_EQ(f.size(), 2u);
  ASSERT_TRUE(f.node(1).attr<Conv2dAttrs>().bias);
  // s = 3 / sqrt(1) = 3: w' = 6, b' = (0 - 4) * 3 + 1 = -11
  EXPECT_NEAR(f.node(1).params[0].data[0], 6.0f, 1e-5);
  EXPECT_NEAR(f.node(1).params[1].data[0], -11.0f, 1e-5);
}

// stem conv-bn-relu6, depthwise conv-bn, a conv read by a bn and a residual add (not folded),
// a bn after an add (not folded), and a conv-bn that is the graph's output.
Graph mixed_network() {
  Graph g("mixed");
  Builder b(g);
  auto x = b.input({2, 3, 9, 9});
  auto y = b.conv_bn_act(x, 8, 3, 2, OpKind::Relu6, 1, "stem");
  auto dw = b.conv(y, Conv2dAttrs::make(8, 3, 1, 8, true), "dw");
  dw = b.batch_norm(dw, "dw_bn");
  auto shared = b.conv(dw, Conv2dAttrs::make(8, 1), "shared");
  auto shared_bn = b.batch_norm(shared, "shared_bn");
  auto sum = b.add(shared_bn, shared, "sum");
  auto after_add = b.batch_norm(sum, "after_add_bn");
  auto head = b.conv(after_add, Conv2dAttrs::make(4, 1, 1, 1, true), "head");
  auto head_bn = b.batch_norm(head, "head_bn");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  EXPECT_TRUE(g.set_outputs({head_bn, y}).ok());
  return g;
}

TEST(FoldBatchNorm, ReferenceOutputsAgreeAfterFolding) {
  Graph g = mixed_network();
  reference::fill_random_weights(g, 17);
  Graph f = fold_batch_norm(g);
  EXPECT_EQ(count(g, OpKind::BatchNorm), 5);
  EXPECT_EQ(count(f, OpKind::BatchNorm), 2);  // shared_bn and after_add_bn stay
  EXPECT_EQ(f.size(), g.size() - 3);
  EXPECT_TRUE(f.has_weights());
  EXPECT_EQ(f.node(f.outputs()[0]).name, "head");
  auto x = reference::random_tensor(g.node(0).shape, 4);
  auto before = reference::evaluate(g, {x});
  auto after = reference::evaluate(f, {x});
  ASSERT_TRUE(before.ok()) << before.error().message;
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_EQ(before->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    float scale = 1.0f;
    for (float v : (*before)[i].data) scale = std::max(scale, std::fabs(v));
    EXPECT_LE(reference::max_abs_difference((*before)[i], (*after)[i]), 1e-5f * scale) << "output " << i;
  }
}

TEST(FoldBatchNorm, ShapesOnlyGraph) {
  Graph g = mixed_network();
  Graph f = fold_batch_norm(g);
  EXPECT_EQ(count(f, OpKind::BatchNorm), 2);
  EXPECT_FALSE(f.has_weights());
  const Node& stem = f.node(*f.find("stem"));
  EXPECT_TRUE(stem.attr<Conv2dAttrs>().bias);
  ASSERT_EQ(stem.params.size(), 2u);
  EXPECT_TRUE(stem.params[1].data.empty());
  EXPECT_FALSE(f.node(*f.find("shared")).attr<Conv2dAttrs>().bias);  // read twice: kept apart
  EXPECT_FALSE(f.find("stem_bn").has_value());
  // The relu6 now reads the conv.
  EXPECT_EQ(f.node(*f.find("stem_relu6")).inputs, std::vector<NodeId>{*f.find("stem")});
}

TEST(FoldBatchNorm, NothingToFoldGivesAnEqualGraph) {
  Graph g("plain");
  Builder b(g);
  auto c = b.conv(b.input({1, 3, 8, 8}), Conv2dAttrs::make(4, 3), "conv");
  b.act(c, OpKind::Relu, "relu");
  ASSERT_TRUE(b.ok());
  reference::fill_random_weights(g, 1);
  EXPECT_TRUE(fold_batch_norm(g) == g);
  // A conv that is itself a graph output keeps its batch norm.
  Graph o("conv_output");
  Builder ob(o);
  auto oc = ob.conv(ob.input({1, 3, 8, 8}), Conv2dAttrs::make(4, 3), "conv");
  auto on = ob.batch_norm(oc, "bn");
  ASSERT_TRUE(o.set_outputs({oc, on}).ok());
  EXPECT_TRUE(fold_batch_norm(o) == o);
}

}  // namespace
}  // namespace hwnas::ir
