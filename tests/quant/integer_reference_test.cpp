// The quantisation plan's roles and grids, and the integer reference evaluator: a hand-computed conv, the ops it runs, errors.
#include "hwnas/quant/integer_reference.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hwnas/ir/builder.h"
#include "hwnas/ir/fold_batch_norm.h"
#include "hwnas/reference/evaluate.h"
#include "hwnas/reference/random_weights.h"

namespace hwnas::quant {
namespace {

using ir::OpKind;

std::vector<Range> ranges_of(const ir::Graph& g, Range r) { return std::vector<Range>(g.size(), r); }

TEST(QuantizationRoles, FusedActivationsAndGridKeepingOps) {
  ir::Graph g;
  ir::Builder b(g);
  auto x = b.input({1, 3, 8, 8});
  auto c = b.conv_bn_act(x, 8, 3, 1, OpKind::Relu6, 1, "c1");
  auto d = b.conv_bn_act(c, 8, 3, 1, OpKind::Input, 1, "c2");
  auto s = b.add(c, d);
  auto r = b.act(s, OpKind::Relu, "r");
  auto p = b.op(OpKind::MaxPool, ir::PoolAttrs{}, {r}, "mp");
  auto h = b.act(p, OpKind::HardSwish, "hs");
  auto f = b.flatten(b.global_avg_pool(h));
  b.linear(f, 10);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ir::Graph folded = ir::fold_batch_norm(g);
  auto roles = quantization_roles(folded);
  auto role = [&](const std::string& name) {
    for (const ir::Node& n : folded.nodes())
      if (n.name == name) return roles[static_cast<size_t>(n.id)];
    ADD_FAILURE() << "no node " << name;
    return Role::Quantised;
  };
  EXPECT_EQ(role("input"), Role::Quantised);
  EXPECT_EQ(role("c1"), Role::Fused);     // relu6 fused into it
  EXPECT_EQ(role("c1_relu6"), Role::Quantised);
  EXPECT_EQ(role("c2"), Role::Quantised);  // no activation
  EXPECT_EQ(role("add"), Role::Fused);         // relu fused into the add
  EXPECT_EQ(role("mp"), Role::KeepsGrid);
  EXPECT_EQ(role("hs"), Role::Quantised);
  EXPECT_EQ(role("flatten"), Role::KeepsGrid);
  EXPECT_EQ(role("fc"), Role::Quantised);      // a graph output

  auto plan = make_plan(folded, ranges_of(folded, {-1, 6, 1}));
  ASSERT_TRUE(plan) << plan.error().message;
  for (const ir::Node& n : folded.nodes()) {
    const auto i = static_cast<size_t>(n.id);
    EXPECT_EQ(plan->grid[i].has_value(), roles[i] != Role::Fused) << n.name;
    EXPECT_EQ(plan->quantizes[i], roles[i] == Role::Quantised) << n.name;
    if (roles[i] == Role::Fused) EXPECT_EQ(plan->output_grid(n.id), plan->grid[static_cast<size_t>(plan->fused_into[i])]);
    if (roles[i] == Role::KeepsGrid) EXPECT_EQ(plan->grid[i], plan->grid[static_cast<size_t>(n.inputs[0])]) << n.name;
  }
}

TEST(MakePlan, ErrorsNameTheNode) {
  ir::Graph g;
  ir::Builder b(g);
  b.conv(b.input({1, 1, 4, 4}), ir::Conv2dAttrs::make(2, 3, 1), "head");
  std::vector<Range> ranges = ranges_of(g, {0, 1, 1});
  ranges[1].batches = 0;
  auto plan = make_plan(g, ranges);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("node 'head'"), std::string::npos) << plan.error().message;
  EXPECT_FALSE(make_plan(g, ranges_of(g, {0, 1, 1}), {.activations = ir::Precision::Fp16}));
}

// Mixed precision: a node with a precision of its own gets that grid (int16: symmetric, 16-bit
// range); the others the plan's.
TEST(MakePlan, ANodesOwnPrecisionSetsItsGrid) {
  ir::Graph g;
  ir::Builder b(g);
  auto head = b.conv(b.input({1, 1, 4, 4}), ir::Conv2dAttrs::make(2, 3, 1), "head");
  b.act(head, OpKind::Sigmoid, "gate");
  ASSERT_TRUE(b.ok());
  g.set_precision(head, ir::Precision::Int16);
  auto plan = make_plan(g, ranges_of(g, {0, 1, 1}));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->grid[1] && plan->grid[2]);
  EXPECT_EQ(plan->grid[1]->qmax, 32767);
  EXPECT_EQ(plan->grid[1]->zero_point, 0);
  EXPECT_EQ(plan->grid[2]->qmax, 127);
  EXPECT_EQ(plan->grid[0]->qmax, 127);
}

TEST(RangeObserver, MinMaxAndPercentile) {
  ir::Graph g;
  ir::Builder b(g);
  b.act(b.input({1, 1, 10, 10}), OpKind::Sigmoid);
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) / 100.0f;  // 0 .. 9.99
  values[999] = 1000.0f;  // one outlier
  RangeObserver minmax(g, {.method = Calibration::MinMax});
  minmax.observe(1, values);
  minmax.observe(1, std::vector<float>{-1.0f});
  EXPECT_EQ(minmax.ranges()[1].min, -1.0);
  EXPECT_EQ(minmax.ranges()[1].max, 1000.0);
  EXPECT_EQ(minmax.ranges()[1].batches, 2);
  RangeObserver percentile(g, {.method = Calibration::Percentile, .percentile = 99.0});
  percentile.observe(1, values);
  EXPECT_NEAR(percentile.ranges()[1].max, 9.89, 0.011);  // the outlier is cut
  EXPECT_NEAR(percentile.ranges()[1].min, 0.1, 0.011);
}

// A 1x1 conv of two output channels on a 2x2 image, worked by hand (see the comments).
TEST(IntegerReference, HandComputedConv) {
  ir::Graph g;
  ir::Builder b(g);
  b.conv(b.input({1, 1, 2, 2}), ir::Conv2dAttrs::make(2, 1, 1, 1, /*bias=*/true));
  ASSERT_TRUE(b.ok());
  g.param(1, 0).data = {0.5f, -0.01f};
  g.param(1, 1).data = {0.1f, 0.0f};
  // Input [0, 2.55]: scale 0.01, zero point -128. Output [-0.5, 4.6]: scale 0.02, zero point -103.
  std::vector<Range> ranges{{0.0, 2.55, 1}, {-0.5, 4.6, 1}};
  auto plan = make_plan(g, ranges);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->grid[1]->zero_point, -103);
  auto out = evaluate_integer(g, *plan, {reference::Tensor{{1, 1, 2, 2}, {1.0f, 2.0f, 0.0f, 2.55f}}});
  ASSERT_TRUE(out) << out.error().message;
  const std::vector<int32_t>& y = out->front().data;
  // Channel 0: w = 127 at 0.5 / 127, bias 2540 at 0.01 x 0.5 / 127; multiplier 0.01 x (0.5 / 127) / 0.02.
  // x = 1.0 (q -28): (100 x 127 + 2540) x M = 30 -> -73, i.e. 0.6 = 0.5 x 1.0 + 0.1.
  EXPECT_EQ(y[0], -73);
  EXPECT_EQ(y[1], -48);  // x = 2.0: (200 x 127 + 2540) x M = 55 -> 1.1
  EXPECT_EQ(y[2], -98);  // x = 0: 2540 x M = 5 -> 0.1
  EXPECT_EQ(y[3], -34);  // x = 2.55: 34925 x M = 68.75 -> 69 -> 1.38
  // Channel 1: w = -127 at 0.01 / 127, no bias; x = 2.55: -32385 x 0.01 x (0.01 / 127) / 0.02 = -1.275 -> -1.
  EXPECT_EQ(y[4 + 3], -104);
  EXPECT_EQ(y[4 + 2], -103);  // x = 0: exactly the zero point
  EXPECT_NEAR(dequantize(out->front()).data[0], 0.6f, 1e-6);
}

// The integer network stays within a few output steps of the float network on random weights.
TEST(IntegerReference, FollowsTheFloatNetwork) {
  ir::Graph g;
  ir::Builder b(g);
  auto x = b.input({2, 3, 8, 8});
  auto c = b.conv_bn_act(x, 8, 3, 2, OpKind::Relu6, 1, "c1");
  auto dw = b.conv_bn_act(c, 8, 3, 1, OpKind::HardSwish, 8, "dw");
  auto se = b.mul(dw, b.act(b.global_avg_pool(dw), OpKind::Sigmoid, "gate"));
  auto pw = b.conv_bn_act(se, 8, 1, 1, OpKind::Input, 1, "pw");
  auto s = b.add(c, pw);
  auto cat = b.concat({s, c});
  ir::PoolAttrs avg;
  avg.kernel_h = avg.kernel_w = 3, avg.stride_h = avg.stride_w = 1, avg.pad_top = avg.pad_left = avg.pad_bottom = avg.pad_right = 1;
  auto pool = b.op(OpKind::AvgPool, avg, {cat}, "avg");
  b.linear(b.flatten(b.global_avg_pool(pool, "gap")), 5);
  ASSERT_TRUE(b.ok()) << b.error().message;
  reference::fill_random_weights(g, 11);
  ir::Graph folded = ir::fold_batch_norm(g);
  reference::Tensor input = reference::random_tensor({2, 3, 8, 8}, 5);
  auto all = reference::evaluate_all(folded, {input});
  ASSERT_TRUE(all) << all.error().message;
  std::vector<Range> ranges(folded.size());
  for (const ir::Node& n : folded.nodes()) {
    auto [lo, hi] = std::minmax_element((*all)[static_cast<size_t>(n.id)].data.begin(), (*all)[static_cast<size_t>(n.id)].data.end());
    ranges[static_cast<size_t>(n.id)] = {*lo, *hi, 1};
  }
  auto plan = make_plan(folded, ranges);
  ASSERT_TRUE(plan) << plan.error().message;
  auto out = evaluate_integer(folded, *plan, {input});
  ASSERT_TRUE(out) << out.error().message;
  const reference::Tensor y = dequantize(out->front());
  const reference::Tensor& expected = (*all)[static_cast<size_t>(folded.outputs()[0])];
  const float step = out->front().params.scale;
  for (size_t i = 0; i < y.data.size(); ++i) EXPECT_NEAR(y.data[i], expected.data[i], 8 * step) << i;
}

TEST(IntegerReference, UnsupportedOpsAreErrorsNamingTheNode) {
  ir::Graph g;
  ir::Builder b(g);
  b.op(OpKind::Softmax, ir::SoftmaxAttrs{}, {b.flatten(b.input({1, 4, 1, 1}))}, "probs");
  ASSERT_TRUE(b.ok());
  auto plan = make_plan(g, ranges_of(g, {0, 1, 1}));
  ASSERT_TRUE(plan);
  auto out = evaluate_integer(g, *plan, {reference::Tensor{{1, 4, 1, 1}, {0, 1, 2, 3}}});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("node 'probs'"), std::string::npos) << out.error().message;
  auto wrong = evaluate_integer(g, *plan, {reference::Tensor{{1, 3, 1, 1}, {0, 1, 2}}});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("input"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::quant
