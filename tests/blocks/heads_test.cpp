// Task heads: classification, LR-ASPP segmentation and SSDLite detection shapes, costs and errors.
#include "hwnas/blocks/heads.h"

#include <gtest/gtest.h>

#include "block_test_util.h"

namespace hwnas::blocks {
namespace {

using testing::BlockBench;
using testing::bn_params;

TEST(ClassificationHead, PoolFlattenLinear) {
  BlockBench bench({2, 512, 7, 7});
  auto r = classification_head(bench.builder, bench.input, {.num_classes = 10});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{2, 10}));
  EXPECT_EQ(bench.graph.node(*r).name, "head.fc");
  EXPECT_TRUE(bench.has("head.pool"));
  EXPECT_TRUE(bench.has("head.flatten"));
  EXPECT_EQ(bench.params(), 512 * 10 + 10);
}

TEST(ClassificationHead, ConvAndHiddenLayerAsInMobileNetV3) {
  BlockBench bench({1, 160, 7, 7});
  auto r = classification_head(bench.builder, bench.input,
                               {.conv_channels = 960,
                                .conv_activation = Activation::HardSwish,
                                .hidden_features = 1280,
                                .hidden_activation = Activation::HardSwish,
                                .num_classes = 1000});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(bench.graph.node(*r).shape, (ir::Shape{1, 1000}));
  EXPECT_EQ(bench.node("head.hidden_hard_swish").kind, ir::OpKind::HardSwish);
  EXPECT_EQ(bench.params(), (160 * 960 + bn_params(960)) + (960 * 1280 + 1280) + (1280 * 1000 + 1000));
  EXPECT_EQ(bench.macs(), 7 * 7 * 160 * 960 + 960 * 1280 + 1280 * 1000);
}

TEST(ClassificationHead, RejectsZeroClasses) {
  BlockBench bench({1, 16, 7, 7});
  auto r = classification_head(bench.builder, bench.input, {.num_classes = 0});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("num_classes"), std::string::npos);
}

TEST(LrAspp, GateScaleResizeAndTwoClassifiers) {
  ir::Graph graph("seg");
  ir::Builder b(graph);
  ir::NodeId low = b.input({1, 40, 28, 28}, "low");
  ir::NodeId high = b.input({1, 960, 14, 14}, "high");
  auto r = lraspp_head(b, low, high, {.inter_channels = 128, .num_classes = 21, .out_h = 224, .out_w = 224});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(graph.node(*r).shape, (ir::Shape{1, 21, 224, 224}));
  EXPECT_EQ(graph.node(*r).attr<ir::ResizeAttrs>().mode, ir::ResizeMode::Bilinear);
  auto node = [&](const char* name) -> const ir::Node& { return graph.node(graph.find(name).value()); };
  EXPECT_EQ(node("lraspp.cbr_relu").shape, (ir::Shape{1, 128, 14, 14}));
  EXPECT_EQ(node("lraspp.gate_sigmoid").shape, (ir::Shape{1, 128, 1, 1}));
  EXPECT_EQ(node("lraspp.scaled").kind, ir::OpKind::Mul);
  EXPECT_EQ(node("lraspp.up").shape, (ir::Shape{1, 128, 28, 28}));
  EXPECT_EQ(node("lraspp.logits").shape, (ir::Shape{1, 21, 28, 28}));
  const int64_t params = (960 * 128 + bn_params(128))  // cbr
                         + 960 * 128                   // gate conv, no bias
                         + (40 * 21 + 21)              // low classifier
                         + (128 * 21 + 21);            // high classifier
  EXPECT_EQ(analysis::analyze_cost(graph).params, params);

  auto no_resize = lraspp_head(b, low, high, {.out_h = 0, .out_w = 5});
  ASSERT_FALSE(no_resize.ok());
  EXPECT_NE(no_resize.error().message.find("out_h"), std::string::npos);
}

TEST(SsdLite, ExtraLayersHalveTheResolution) {
  BlockBench bench({1, 1280, 10, 10});
  auto r = ssdlite_extra_layers(bench.builder, bench.input, {512, 256, 256, 128});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  const ir::Shape expected[] = {{1, 512, 5, 5}, {1, 256, 3, 3}, {1, 256, 2, 2}, {1, 128, 1, 1}};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(bench.graph.node((*r)[i]).shape, expected[i]);
  EXPECT_EQ(bench.node("extra0.reduce").shape.c(), 256);
  EXPECT_EQ(bench.node("extra0.dw").attr<ir::Conv2dAttrs>().groups, 256);
  auto extra = [](int64_t in, int64_t out) {
    const int64_t mid = out / 2;
    return (in * mid + bn_params(mid)) + (mid * 9 + bn_params(mid)) + (mid * out + bn_params(out));
  };
  EXPECT_EQ(bench.params(), extra(1280, 512) + extra(512, 256) + extra(256, 256) + extra(256, 128));
}

TEST(SsdLite, PredictorsPerScaleAreTheGraphOutputs) {
  ir::Graph graph("det");
  ir::Builder b(graph);
  ir::NodeId c4 = b.input({1, 576, 20, 20}, "c4");
  ir::NodeId c5 = b.input({1, 1280, 10, 10}, "c5");
  auto r = ssdlite_head(b, {c4, c5}, {.num_classes = 91, .anchors_per_location = {3, 6}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->box_regression.size(), 2u);
  EXPECT_EQ(graph.node(r->box_regression[0]).shape, (ir::Shape{1, 12, 20, 20}));
  EXPECT_EQ(graph.node(r->class_logits[0]).shape, (ir::Shape{1, 273, 20, 20}));
  EXPECT_EQ(graph.node(r->box_regression[1]).shape, (ir::Shape{1, 24, 10, 10}));
  EXPECT_EQ(graph.node(r->class_logits[1]).shape, (ir::Shape{1, 546, 10, 10}));
  EXPECT_EQ(graph.outputs(), (std::vector<ir::NodeId>{r->box_regression[0], r->class_logits[0],
                                                      r->box_regression[1], r->class_logits[1]}));
  EXPECT_EQ(graph.node(r->class_logits[1]).name, "head1.cls");
  auto predictor = [](int64_t c, int64_t out) { return (c * 9 + bn_params(c)) + (c * out + out); };
  EXPECT_EQ(analysis::analyze_cost(graph).params,
            predictor(576, 12) + predictor(576, 273) + predictor(1280, 24) + predictor(1280, 546));
}

TEST(SsdLite, MismatchedAnchorsGiveAnError) {
  ir::Graph graph("det");
  ir::Builder b(graph);
  ir::NodeId c4 = b.input({1, 576, 20, 20}, "c4");
  auto r = ssdlite_head(b, {c4}, {.num_classes = 91, .anchors_per_location = {3, 6}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("anchors_per_location"), std::string::npos);
  auto zero = ssdlite_head(b, {c4}, {.num_classes = 91, .anchors_per_location = {0}});
  ASSERT_FALSE(zero.ok());
  auto extras = ssdlite_extra_layers(b, c4, {512, 1});
  ASSERT_FALSE(extras.ok());
  EXPECT_NE(extras.error().message.find("extra layer 1"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::blocks
