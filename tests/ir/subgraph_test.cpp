// Subgraph extraction: external inputs, copied params, outputs, and rejected selections.
#include "hwnas/ir/subgraph.h"

#include <gtest/gtest.h>

#include "hwnas/ir/builder.h"

namespace hwnas::ir {
namespace {

// input -> conv -> bn -> relu6 -> conv2 (+ input residual path via a 1x1 conv) -> add
struct Residual {
  Graph graph{"residual"};
  NodeId input, conv, bn, relu, proj, add;
};

Residual make_residual() {
  Residual r;
  Builder b(r.graph);
  r.input = b.input({1, 8, 16, 16});
  r.conv = b.conv(r.input, Conv2dAttrs::make(8, 3));
  r.bn = b.batch_norm(r.conv);
  r.relu = b.act(r.bn, OpKind::Relu6, "relu");
  r.proj = b.conv(r.input, Conv2dAttrs::make(8, 1), "proj");
  r.add = b.add(r.relu, r.proj);
  EXPECT_TRUE(b.ok());
  return r;
}

TEST(Subgraph, ExternalTensorsBecomeInputsOfTheirShapes) {
  Residual r = make_residual();
  auto sub = extract_subgraph(r.graph, {r.relu, r.bn});  // any order
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  ASSERT_EQ(sub->size(), 3u);
  EXPECT_EQ(sub->node(0).kind, OpKind::Input);
  EXPECT_EQ(sub->node(0).name, "conv");  // named after its producer
  EXPECT_EQ(sub->node(0).shape, (Shape{1, 8, 16, 16}));
  EXPECT_EQ(sub->node(1).kind, OpKind::BatchNorm);
  EXPECT_EQ(sub->node(2).kind, OpKind::Relu6);
  EXPECT_EQ(sub->node(2).name, "relu");
  EXPECT_EQ(sub->outputs(), (std::vector<NodeId>{2}));
  EXPECT_EQ(sub->name(), "residual:bn..relu");
}

// Mixed precision: extracted nodes, and the inputs standing for external tensors, keep their
// precision (the estimator measures kernels cut out of networks this way).
TEST(Subgraph, NodesAndExternalTensorsKeepTheirPrecision) {
  Residual r = make_residual();
  r.graph.set_precision(r.conv, Precision::Int16);
  r.graph.set_precision(r.bn, Precision::Int16);
  auto sub = extract_subgraph(r.graph, {r.bn, r.relu});
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  EXPECT_EQ(sub->node(0).precision, Precision::Int16);  // the input standing for conv
  EXPECT_EQ(sub->node(1).precision, Precision::Int16);
  EXPECT_EQ(sub->node(2).precision, std::nullopt);
}

TEST(Subgraph, SharedExternalTensorIsOneInput) {
  Residual r = make_residual();
  auto sub = extract_subgraph(r.graph, {r.conv, r.proj});
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  EXPECT_EQ(sub->inputs().size(), 1u);
  EXPECT_EQ(sub->size(), 3u);
  // both convs are read outside the set: both are outputs
  EXPECT_EQ(sub->outputs().size(), 2u);
}

TEST(Subgraph, BinaryOpWithTwoExternalInputs) {
  Residual r = make_residual();
  auto sub = extract_subgraph(r.graph, {r.add});
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  ASSERT_EQ(sub->inputs().size(), 2u);
  EXPECT_EQ(sub->node(0).name, "relu");
  EXPECT_EQ(sub->node(1).name, "proj");
  EXPECT_EQ(sub->node(2).kind, OpKind::Add);
  EXPECT_EQ(sub->node(2).inputs, (std::vector<NodeId>{0, 1}));
}

TEST(Subgraph, ParamsAndTheirDataAreCopied) {
  Residual r = make_residual();
  Param& weight = r.graph.param(r.conv, 0);
  weight.data.assign(static_cast<size_t>(weight.shape.numel()), 0.0f);
  for (size_t i = 0; i < weight.data.size(); ++i) weight.data[i] = static_cast<float>(i) * 0.5f;
  auto sub = extract_subgraph(r.graph, {r.conv, r.bn});
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  const Node& conv = sub->node(*sub->find("conv"));
  ASSERT_EQ(conv.params.size(), r.graph.node(r.conv).params.size());
  EXPECT_EQ(conv.params[0], r.graph.node(r.conv).params[0]);
  EXPECT_EQ(conv.params[0].data[3], 1.5f);
  EXPECT_EQ(sub->node(*sub->find("bn")).params, r.graph.node(r.bn).params);
}

TEST(Subgraph, SelectedInputNodeIsCopiedAndWholeGraphRoundTrips) {
  Residual r = make_residual();
  std::vector<NodeId> all;
  for (const Node& n : r.graph.nodes()) all.push_back(n.id);
  auto sub = extract_subgraph(r.graph, all);
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  EXPECT_EQ(sub->nodes(), r.graph.nodes());
  EXPECT_EQ(sub->outputs(), r.graph.outputs());
}

TEST(Subgraph, RejectsEmptyAndUnknownIds) {
  Residual r = make_residual();
  auto empty = extract_subgraph(r.graph, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no nodes"), std::string::npos);
  auto bad = extract_subgraph(r.graph, {r.conv, 99});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("99"), std::string::npos);
  EXPECT_NE(bad.error().message.find("residual"), std::string::npos);
  EXPECT_FALSE(extract_subgraph(r.graph, {-1}).ok());
}

TEST(Subgraph, FlattenAndLinearKeepRankTwoInputs) {
  Graph g("head");
  Builder b(g);
  auto x = b.input({2, 16, 4, 4});
  auto p = b.global_avg_pool(x);
  auto f = b.flatten(p);
  auto fc = b.linear(f, 10);
  ASSERT_TRUE(b.ok());
  auto sub = extract_subgraph(g, {fc});
  ASSERT_TRUE(sub.ok()) << sub.error().message;
  EXPECT_EQ(sub->node(0).shape, (Shape{2, 16}));
  EXPECT_EQ(sub->node(1).shape, (Shape{2, 10}));
}

}  // namespace
}  // namespace hwnas::ir
