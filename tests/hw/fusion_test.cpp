// Fusion rules: which chains become one kernel, and partitions that cover every zoo model exactly once.
#include "hwnas/hw/fusion.h"

#include <gtest/gtest.h>

#include "hwnas/hw/presets.h"
#include "hwnas/ir/builder.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::hw {
namespace {

using ir::OpKind;

std::vector<std::string> labels(const ir::Graph& g, const FusionRules& rules) {
  std::vector<std::string> out;
  for (const Kernel& k : partition_by_fusion(g, rules)) out.push_back(kernel_label(g, k));
  return out;
}

// x -> conv-bn-relu6 -> conv-bn -> add(x) -> relu
ir::Graph residual_graph() {
  ir::Graph g("residual");
  ir::Builder b(g);
  auto x = b.input({1, 16, 8, 8});
  auto y = b.conv_bn_act(x, 16, 3, 1, OpKind::Relu6, 1, "a");
  y = b.conv_bn_act(y, 16, 1, 1, OpKind::Input, 1, "b");
  y = b.add(y, x);
  y = b.act(y, OpKind::Relu, "out");
  EXPECT_TRUE(b.ok());
  return g;
}

TEST(Fusion, ConvBatchNormActivationIsOneKernel) {
  ir::Graph g = residual_graph();
  FusionRules rules;
  EXPECT_EQ(labels(g, rules),
            (std::vector<std::string>{"conv2d+batch_norm+relu6", "conv2d+batch_norm", "add+relu"}));
  rules.residual_add = true;
  EXPECT_EQ(labels(g, rules),
            (std::vector<std::string>{"conv2d+batch_norm+relu6", "conv2d+batch_norm+add+relu"}));
  rules = FusionRules{};
  rules.batch_norm = false;
  rules.activation = false;
  EXPECT_EQ(labels(g, rules), (std::vector<std::string>{"conv2d", "batch_norm", "relu6", "conv2d",
                                                        "batch_norm", "add", "relu"}));
}

TEST(Fusion, ElementwiseChainsOnlyWhenAllowed) {
  ir::Graph g("chain");
  ir::Builder b(g);
  auto x = b.input({1, 8, 4, 4});
  auto y = b.input({1, 8, 4, 4}, "y");
  auto s = b.add(x, y);
  auto m = b.mul(s, y);
  b.act(m, OpKind::Sigmoid);
  ASSERT_TRUE(b.ok());
  FusionRules rules;
  EXPECT_EQ(labels(g, rules), (std::vector<std::string>{"add", "mul+sigmoid"}));
  rules.elementwise_chains = true;
  EXPECT_EQ(labels(g, rules), (std::vector<std::string>{"add+mul+sigmoid"}));
}

TEST(Fusion, SharedTensorsAndGraphOutputsEndAChain) {
  ir::Graph g("branch");
  ir::Builder b(g);
  auto x = b.input({1, 8, 4, 4});
  auto c = b.conv(x, ir::Conv2dAttrs::make(8, 1));
  auto r = b.act(c, OpKind::Relu);
  b.add(r, c);  // c is read twice: conv alone
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(labels(g, FusionRules{}), (std::vector<std::string>{"conv2d", "relu", "add"}));

  ir::Graph h("two_outputs");
  ir::Builder hb(h);
  auto hx = hb.input({1, 8, 4, 4});
  auto hc = hb.conv(hx, ir::Conv2dAttrs::make(8, 1));
  auto hr = hb.act(hc, OpKind::Relu);
  ASSERT_TRUE(hb.ok());
  ASSERT_TRUE(h.set_outputs({hc, hr}).ok());  // the conv's own output is returned: no fusion
  EXPECT_EQ(labels(h, FusionRules{}), (std::vector<std::string>{"conv2d", "relu"}));
}

TEST(Fusion, ViewsJoinTheirProducerAndPadJoinsItsConv) {
  ir::Graph g("head");
  ir::Builder b(g);
  auto x = b.input({1, 8, 6, 6});
  ir::PadAttrs pad;
  pad.pad_top = pad.pad_left = pad.pad_bottom = pad.pad_right = 1;
  auto p = b.op(OpKind::Pad, pad, {x});
  ir::Conv2dAttrs valid = ir::Conv2dAttrs::make(16, 3);
  valid.pad_top = valid.pad_left = valid.pad_bottom = valid.pad_right = 0;
  auto c = b.conv(p, valid);
  auto pooled = b.global_avg_pool(c);
  auto flat = b.flatten(pooled);
  b.linear(flat, 10);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(labels(g, FusionRules{}),
            (std::vector<std::string>{"pad+conv2d", "global_avg_pool+flatten", "linear"}));
}

// Every zoo model under every preset's rules: each non-input node in exactly one kernel, each
// kernel's nodes in order, and every tensor a kernel reads produced by an earlier kernel.
TEST(Fusion, PartitionsCoverEveryZooModelInExecutionOrder) {
  std::vector<FusionRules> all_rules = {FusionRules{}};
  for (const std::string& name : preset_names()) all_rules.push_back(load_preset(name)->fusion);
  FusionRules everything;
  everything.residual_add = everything.elementwise_chains = true;
  all_rules.push_back(everything);
  for (const std::string& model : zoo::model_names()) {
    auto g = zoo::build_model(model);
    ASSERT_TRUE(g.ok()) << g.error().message;
    for (const FusionRules& rules : all_rules) {
      std::vector<int> seen(g->size(), 0);
      std::vector<bool> computed(g->size(), false);
      for (ir::NodeId input : g->inputs()) computed[static_cast<size_t>(input)] = true;
      for (const Kernel& kernel : partition_by_fusion(*g, rules)) {
        ASSERT_FALSE(kernel.nodes.empty());
        for (size_t i = 1; i < kernel.nodes.size(); ++i) EXPECT_LT(kernel.nodes[i - 1], kernel.nodes[i]);
        for (ir::NodeId id : kernel.nodes) {
          ++seen[static_cast<size_t>(id)];
          for (ir::NodeId input : g->node(id).inputs) {
            bool inside = std::find(kernel.nodes.begin(), kernel.nodes.end(), input) != kernel.nodes.end();
            EXPECT_TRUE(inside || computed[static_cast<size_t>(input)])
                << model << ": " << g->node(id).describe() << " reads a tensor of a later kernel";
          }
        }
        for (ir::NodeId id : kernel.nodes) computed[static_cast<size_t>(id)] = true;
      }
      for (const ir::Node& node : g->nodes())
        EXPECT_EQ(seen[static_cast<size_t>(node.id)], node.kind == OpKind::Input ? 0 : 1)
            << model << ": " << node.describe();
    }
  }
}

}  // namespace
}  // namespace hwnas::hw
