// GraphModule beyond single ops: weights in and out, seeded init, train-mode batch norm, training
// steps that export, batch-norm folding, registration, batch size, and the errors it returns.
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/torch/module.h"
#include "torch_test_util.h"

namespace hwnas::libtorch {
namespace {

using testing::from_torch;
using testing::to_torch;

// input -> conv 3x3 -> bn -> relu6 -> conv 1x1 (bias) -> bn -> add(input) -> pool -> flatten -> linear.
ir::Graph small_network(int64_t batch = 1) {
  ir::Graph graph("small");
  ir::Builder b(graph);
  ir::NodeId x = b.input({batch, 8, 10, 10}, "x");
  ir::NodeId y = b.conv_bn_act(x, 16, 3, 1, ir::OpKind::Relu6, 1, "expand");
  {
    auto scope = b.scope("project");
    y = b.batch_norm(b.conv(y, ir::Conv2dAttrs::make(8, 1, 1, 1, true)));
  }
  y = b.add(y, x, "residual");
  y = b.linear(b.flatten(b.global_avg_pool(y)), 5);
  EXPECT_TRUE(b.ok()) << b.error().message;
  return graph;
}

std::vector<at::Tensor> torch_inputs(const ir::Graph& graph, uint64_t seed) {
  std::vector<at::Tensor> inputs;
  for (const auto& x : testing::random_inputs(graph, seed)) inputs.push_back(to_torch(x));
  return inputs;
}

TEST(GraphModule, CopiesTheGraphWeightsAndExportsThemUnchanged) {
  ir::Graph graph = small_network();
  reference::fill_random_weights(graph, 3);
  auto module = make_graph_module(graph);
  ASSERT_TRUE(module.ok()) << module.error().message;
  ir::Graph exported = small_network();
  ASSERT_FALSE(exported.has_weights());
  ASSERT_TRUE((*module)->export_weights(exported).ok());
  EXPECT_TRUE(exported == graph);
}

TEST(GraphModule, RegistersTrainableParametersAndStatisticsBuffers) {
  ir::Graph graph = small_network();
  auto module = make_graph_module(graph);
  ASSERT_TRUE(module.ok()) << module.error().message;
  int64_t trainable = 0, buffers = 0;
  for (const auto& p : (*module)->parameters()) {
    trainable += p.numel();
    EXPECT_TRUE(p.requires_grad());
  }
  for (const auto& p : (*module)->buffers()) buffers += p.numel();
  analysis::CostSummary cost = analysis::analyze_cost(graph);
  EXPECT_EQ(trainable, cost.params);
  EXPECT_EQ(buffers, cost.buffers);
  // Names are the sanitised node name and role; a param is reachable by node and role.
  auto named = (*module)->named_parameters();
  EXPECT_NE(named.find("expand_weight"), nullptr);
  EXPECT_NE((*module)->named_buffers().find("expand_bn_mean"), nullptr);
  ir::NodeId fc = *graph.find("fc");
  EXPECT_TRUE((*module)->param(fc, "bias").defined());
  EXPECT_FALSE((*module)->param(fc, "scale").defined());
}

TEST(GraphModule, SeededInitIsDeterministicAndFollowsPyTorchDefaults) {
  ir::Graph graph = small_network();
  auto a = make_graph_module(graph, {.seed = 9});
  auto b = make_graph_module(graph, {.seed = 9});
  auto c = make_graph_module(graph, {.seed = 10});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ir::NodeId conv = *graph.find("expand");
  at::Tensor wa = (*a)->param(conv, "weight"), wb = (*b)->param(conv, "weight"), wc = (*c)->param(conv, "weight");
  EXPECT_TRUE(at::equal(wa, wb));
  EXPECT_FALSE(at::equal(wa, wc));
  // fan_in 8 * 3 * 3 = 72: U(-1/sqrt(72), 1/sqrt(72)), spread over the range.
  double bound = 1.0 / std::sqrt(72.0);
  EXPECT_LE(wa.abs().max().item<double>(), bound);
  EXPECT_GE(wa.abs().max().item<double>(), 0.9 * bound);
  ir::NodeId bn = *graph.find("expand_bn");
  EXPECT_TRUE(at::equal((*a)->param(bn, "scale"), at::ones({16})));
  EXPECT_TRUE(at::equal((*a)->param(bn, "bias"), at::zeros({16})));
  EXPECT_TRUE(at::equal((*a)->param(bn, "mean"), at::zeros({16})));
  EXPECT_TRUE(at::equal((*a)->param(bn, "var"), at::ones({16})));
  // use_graph_weights = false ignores the graph's weights.
  reference::fill_random_weights(graph, 1);
  auto seeded = make_graph_module(graph, {.seed = 9, .use_graph_weights = false});
  ASSERT_TRUE(seeded.ok());
  EXPECT_TRUE(at::equal((*seeded)->param(conv, "weight"), wa));
}

TEST(GraphModule, BatchNormUsesBatchStatisticsInTrainMode) {
  ir::Graph graph("bn");
  ir::Builder b(graph);
  b.batch_norm(b.input({4, 3, 5, 5}, "x"));
  ASSERT_TRUE(b.ok());
  reference::fill_random_weights(graph, 4);
  auto module = make_graph_module(graph, {.batch_norm_momentum = 0.25});
  ASSERT_TRUE(module.ok());
  (*module)->train();
  at::Tensor x = torch_inputs(graph, 1)[0] * 3 + 1;
  at::Tensor y = (*module)->forward(x);

  const ir::Node& node = graph.node(1);
  auto param = [&](size_t i) { return to_torch(reference::Tensor{node.params[i].shape, node.params[i].data}); };
  at::Tensor mean = x.mean({0, 2, 3}), var = x.var({0, 2, 3}, /*unbiased=*/false);
  at::Tensor expected = (x - mean.view({1, 3, 1, 1})) / at::sqrt(var.view({1, 3, 1, 1}) + 1e-5) *
                            param(0).view({1, 3, 1, 1}) + param(1).view({1, 3, 1, 1});
  EXPECT_LT((y - expected).abs().max().item<double>(), 1e-4);
  // Running statistics moved a quarter of the way to the batch's (variance unbiased, as PyTorch).
  at::Tensor unbiased = x.var({0, 2, 3}, /*unbiased=*/true);
  EXPECT_LT(((*module)->param(1, "mean") - (0.75 * param(2) + 0.25 * mean)).abs().max().item<double>(), 1e-5);
  EXPECT_LT(((*module)->param(1, "var") - (0.75 * param(3) + 0.25 * unbiased)).abs().max().item<double>(), 1e-5);
}

TEST(GraphModule, TrainingStepsChangeWeightsThatExportToTheReference) {
  ir::Graph graph = small_network(/*batch=*/4);
  auto module = make_graph_module(graph, {.seed = 2});
  ASSERT_TRUE(module.ok()) << module.error().message;
  ir::Graph before = graph;
  ASSERT_TRUE((*module)->export_weights(before).ok());

  ::torch::optim::SGD sgd((*module)->parameters(), ::torch::optim::SGDOptions(0.1));
  (*module)->train();
  at::Tensor x = torch_inputs(graph, 3)[0];
  at::Tensor target = at::arange(4, at::kLong) % 5;
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 10; ++step) {
    sgd.zero_grad();
    at::Tensor loss = at::cross_entropy_loss((*module)->forward(x), target);
    loss.backward();
    sgd.step();
    (step == 0 ? first_loss : last_loss) = loss.item<double>();
  }
  EXPECT_LT(last_loss, first_loss);

  ir::Graph trained = graph;
  ASSERT_TRUE((*module)->export_weights(trained).ok());
  EXPECT_FALSE(trained == before);
  // The exported weights and statistics reproduce the module's eval output in the reference.
  (*module)->eval();
  at::Tensor y = (*module)->forward(x).detach();
  auto expected = reference::evaluate(trained, {from_torch(x)});
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  EXPECT_LE(testing::relative_error((*expected)[0], from_torch(y)), 1e-4);
}

TEST(GraphModule, FoldedBatchNormMatchesTheReference) {
  ir::Graph graph = small_network();
  reference::fill_random_weights(graph, 6);
  testing::expect_module_matches_reference(graph, {.fold_batch_norm = true});
  auto folded = make_graph_module(graph, {.fold_batch_norm = true});
  auto plain = make_graph_module(graph);
  ASSERT_TRUE(folded.ok() && plain.ok());
  EXPECT_TRUE((*folded)->folded());
  EXPECT_FALSE((*plain)->folded());
  // Both batch norms fold: their 4 tensors each are gone, each conv has a bias.
  EXPECT_EQ((*plain)->parameters().size() + (*plain)->buffers().size(), 13u);
  EXPECT_EQ((*folded)->parameters().size() + (*folded)->buffers().size(), 6u);
  EXPECT_TRUE((*folded)->param(*graph.find("expand"), "bias").defined());
  ir::Graph target = graph;
  Status exported = (*folded)->export_weights(target);
  ASSERT_FALSE(exported.ok());
  EXPECT_NE(exported.error().message.find("fold"), std::string::npos);
}

TEST(GraphModule, AcceptsAnotherBatchSize) {
  ir::Graph graph = small_network(/*batch=*/1);
  reference::fill_random_weights(graph, 8);
  auto module = make_graph_module(graph);
  ASSERT_TRUE(module.ok());
  (*module)->eval();
  at::Tensor x = at::cat({torch_inputs(graph, 1)[0], torch_inputs(graph, 2)[0], torch_inputs(graph, 3)[0]});
  auto batched = (*module)->run({x});
  ASSERT_TRUE(batched.ok()) << batched.error().message;
  ASSERT_EQ((*batched)[0].size(0), 3);
  for (int64_t i = 0; i < 3; ++i) {
    at::Tensor alone = (*module)->forward(x.narrow(0, i, 1));
    EXPECT_LT(((*batched)[0].narrow(0, i, 1) - alone).abs().max().item<double>(), 1e-5);
  }
}

TEST(GraphModule, BadWeightsAreErrorsNamingTheNode) {
  ir::Graph graph = small_network();
  reference::fill_random_weights(graph, 1);
  ir::NodeId fc = *graph.find("fc");
  graph.param(fc, 1).data.pop_back();
  auto wrong_size = make_graph_module(graph);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.error().message.find("node 'fc' (linear): param 'bias' has 4 values"), std::string::npos)
      << wrong_size.error().message;

  graph.param(fc, 1).data.clear();
  auto partial = make_graph_module(graph);
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("not for param 'bias' of node 'fc'"), std::string::npos)
      << partial.error().message;
  EXPECT_TRUE(make_graph_module(graph, {.use_graph_weights = false}).ok());
  EXPECT_FALSE(make_graph_module(ir::Graph("empty")).ok());
}

TEST(GraphModule, BadInputsAreErrorsNotExceptions) {
  ir::Graph graph = small_network();
  auto module = make_graph_module(graph);
  ASSERT_TRUE(module.ok());
  auto none = (*module)->run({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("takes 1 input(s), got 0"), std::string::npos);
  auto shape = (*module)->run({at::zeros({1, 8, 10, 11})});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().message.find("node 'x' (input): expects shape [1x8x10x10] (any batch), got [1x8x10x11]"),
            std::string::npos)
      << shape.error().message;
  auto dtype = (*module)->run({at::zeros({1, 8, 10, 10}, at::kDouble)});
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.error().message.find("expects Float (the dtype of the module's weights), got Double"),
            std::string::npos)
      << dtype.error().message;
  auto undefined = (*module)->run({at::Tensor()});
  EXPECT_FALSE(undefined.ok());
}

TEST(GraphModule, ExportChecksTheGraphStructure) {
  ir::Graph graph = small_network();
  auto module = make_graph_module(graph);
  ASSERT_TRUE(module.ok());
  ir::Graph other("other");
  ir::Builder b(other);
  b.conv(b.input({1, 8, 10, 10}), ir::Conv2dAttrs::make(4, 3));
  Status status = (*module)->export_weights(other);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("nodes"), std::string::npos) << status.error().message;
  ir::Graph wider = small_network(/*batch=*/2);  // same structure, other batch: fine
  EXPECT_TRUE((*module)->export_weights(wider).ok());
}

}  // namespace
}  // namespace hwnas::libtorch
