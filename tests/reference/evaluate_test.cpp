// The graph-level reference evaluator: input matching, output order, intermediates, and its errors.
#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/ir/builder.h"
#include "reference_test_util.h"

namespace hwnas::reference {
namespace {

using ir::OpKind;
using testing::expect_tensor_near;
using testing::iota;
using testing::tensor;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// image -> conv 3x3 -> bn -> relu6 -> global pool -> flatten -> fc -> softmax.
ir::Graph small_classifier() {
  ir::Graph g("small_classifier");
  ir::Builder b(g);
  auto x = b.input({2, 3, 8, 8}, "image");
  x = b.conv_bn_act(x, 8, 3, 2, OpKind::Relu6);
  x = b.global_avg_pool(x);
  x = b.flatten(x);
  x = b.linear(x, 5);
  x = b.op(OpKind::Softmax, ir::SoftmaxAttrs{1}, {x}, "probs");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return g;
}

TEST(ReferenceEvaluate, SmallClassifierGivesProbabilitiesDeterministically) {
  ir::Graph g = small_classifier();
  fill_random_weights(g, 7);
  ASSERT_TRUE(g.has_weights());
  Tensor x = random_tensor({2, 3, 8, 8}, 1);
  auto first = evaluate(g, {x});
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  const Tensor& probs = (*first)[0];
  ASSERT_EQ(probs.shape, (ir::Shape{2, 5}));
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int k = 0; k < 5; ++k) sum += probs.data[static_cast<size_t>(row * 5 + k)];
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
  auto second = evaluate(g, {x});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0], probs);  // bit-identical
  // A different image gives different probabilities.
  auto other = evaluate(g, {random_tensor({2, 3, 8, 8}, 2)});
  ASSERT_TRUE(other.ok());
  EXPECT_GT(max_abs_difference((*other)[0], probs), 0.0f);
}

// evaluate_all returns every node's value, each equal to running that node alone on its inputs.
TEST(ReferenceEvaluate, EvaluateAllMatchesNodeByNode) {
  ir::Graph g = small_classifier();
  fill_random_weights(g, 3);
  Tensor x = random_tensor({2, 3, 8, 8}, 4);
  auto all = evaluate_all(g, {x});
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), g.size());
  EXPECT_EQ((*all)[0], x);
  for (const ir::Node& node : g.nodes()) {
    EXPECT_EQ((*all)[static_cast<size_t>(node.id)].shape, node.shape) << node.describe();
    if (node.kind == OpKind::Input) continue;
    std::vector<Tensor> inputs;
    for (ir::NodeId id : node.inputs) inputs.push_back((*all)[static_cast<size_t>(id)]);
    auto alone = evaluate_node(node, inputs);
    ASSERT_TRUE(alone.ok()) << alone.error().message;
    EXPECT_EQ(*alone, (*all)[static_cast<size_t>(node.id)]) << node.describe();
  }
  auto outputs = evaluate(g, {x});
  ASSERT_TRUE(outputs.ok());
  EXPECT_EQ((*outputs)[0], all->back());
}

// Two inputs of different shapes are matched to graph.inputs() in order; outputs follow set_outputs.
TEST(ReferenceEvaluate, InputsInOrderAndOutputsInOrder) {
  ir::Graph g("two_inputs");
  auto a = g.add(OpKind::Input, ir::InputAttrs{{1, 2, 2, 2}}, {}, "features");
  auto b = g.add(OpKind::Input, ir::InputAttrs{{1, 2, 1, 1}}, {}, "gate");
  ASSERT_TRUE(a.ok() && b.ok());
  auto sum = g.add(OpKind::Add, ir::NoAttrs{}, {*a, *b}, "sum");
  auto product = g.add(OpKind::Mul, ir::NoAttrs{}, {*a, *b}, "product");
  ASSERT_TRUE(sum.ok() && product.ok());
  ASSERT_TRUE(g.set_outputs({*product, *sum}).ok());
  Tensor features = iota({1, 2, 2, 2});
  Tensor gate = tensor({1, 2, 1, 1}, {10, -1});
  auto out = evaluate(g, {features, gate});
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->size(), 2u);
  expect_tensor_near((*out)[0], {1, 2, 2, 2}, {10, 20, 30, 40, -5, -6, -7, -8}, 0.0f);
  expect_tensor_near((*out)[1], {1, 2, 2, 2}, {11, 12, 13, 14, 4, 5, 6, 7}, 0.0f);
  // Swapped inputs: the first no longer has the shape of 'features'.
  auto swapped = evaluate(g, {gate, features});
  ASSERT_FALSE(swapped.ok());
  EXPECT_TRUE(contains(swapped.error().message, "'features'")) << swapped.error().message;
}

TEST(ReferenceEvaluate, GraphWithoutWeightsIsAnError) {
  ir::Graph g = small_classifier();
  auto out = evaluate(g, {random_tensor({2, 3, 8, 8}, 1)});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(contains(out.error().message, "no weights")) << out.error().message;
  EXPECT_TRUE(contains(out.error().message, "small_classifier")) << out.error().message;
  // Weights on every node but one are still not enough.
  fill_random_weights(g, 1);
  for (const ir::Node& node : g.nodes())
    if (node.kind == OpKind::Linear) g.param(node.id, 1).data.clear();
  EXPECT_FALSE(evaluate(g, {random_tensor({2, 3, 8, 8}, 1)}).ok());
}

TEST(ReferenceEvaluate, WrongInputsAreErrorsNamingTheInput) {
  ir::Graph g = small_classifier();
  fill_random_weights(g, 1);
  auto wrong_shape = evaluate(g, {random_tensor({1, 3, 8, 8}, 1)});
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_TRUE(contains(wrong_shape.error().message, "'image'")) << wrong_shape.error().message;
  EXPECT_TRUE(contains(wrong_shape.error().message, "[1x3x8x8]")) << wrong_shape.error().message;

  auto wrong_count = evaluate(g, {});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_TRUE(contains(wrong_count.error().message, "1 input")) << wrong_count.error().message;

  Tensor short_data = random_tensor({2, 3, 8, 8}, 1);
  short_data.data.pop_back();
  auto wrong_size = evaluate(g, {short_data});
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_TRUE(contains(wrong_size.error().message, "'image'")) << wrong_size.error().message;
}

// evaluate_node checks what a hand-made node claims instead of reading out of bounds.
TEST(ReferenceEvaluate, EvaluateNodeRejectsInconsistentNodes) {
  ir::Graph g("one_conv");
  auto x = g.add(OpKind::Input, ir::InputAttrs{{1, 2, 4, 4}}, {}, "x");
  auto conv = g.add(OpKind::Conv2d, ir::Conv2dAttrs::make(3, 3), {*x}, "conv");
  ASSERT_TRUE(conv.ok());
  fill_random_weights(g, 5);
  ir::Node node = g.node(*conv);
  Tensor input = random_tensor({1, 2, 4, 4}, 6);
  ASSERT_TRUE(evaluate_node(node, {input}).ok());

  auto wrong_input = evaluate_node(node, {random_tensor({1, 2, 5, 5}, 6)});
  ASSERT_FALSE(wrong_input.ok());
  EXPECT_TRUE(contains(wrong_input.error().message, "node 'conv'")) << wrong_input.error().message;

  EXPECT_FALSE(evaluate_node(node, {}).ok());
  EXPECT_FALSE(evaluate_node(node, {input, input}).ok());

  ir::Node bad_param = node;
  bad_param.params[0].shape = ir::Shape{3, 2, 2, 2};
  bad_param.params[0].data.resize(24);
  auto param_error = evaluate_node(bad_param, {input});
  ASSERT_FALSE(param_error.ok());
  EXPECT_TRUE(contains(param_error.error().message, "'weight'")) << param_error.error().message;

  ir::Node missing_data = node;
  missing_data.params[0].data.clear();
  EXPECT_FALSE(evaluate_node(missing_data, {input}).ok());

  EXPECT_FALSE(evaluate_node(g.node(*x), {}).ok());  // an Input node has no kernel
}

}  // namespace
}  // namespace hwnas::reference
