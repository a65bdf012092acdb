// Every zoo model builds at several widths and resolutions with the right outputs, names its
// layers by stage and block, follows its reference's layout, and rejects bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "hwnas/analysis/cost.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::zoo {
namespace {

const std::vector<std::string> kClassifiers = {"mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
                                               "mnasnet_a1",   "efficientnet_b0",    "resnet18",
                                               "resnet50"};

ir::Graph build_ok(const std::string& name, const ZooOptions& options = {}) {
  auto graph = build_model(name, options);
  EXPECT_TRUE(graph.ok()) << name << ": " << (graph.ok() ? "" : graph.error().message);
  return graph.ok() ? std::move(graph).value() : ir::Graph();
}

std::string build_error(const std::string& name, const ZooOptions& options) {
  auto graph = build_model(name, options);
  EXPECT_FALSE(graph.ok()) << name;
  return graph.ok() ? "" : graph.error().message;
}

// The node named `name`; a missing name fails the test with the name (value() throws).
const ir::Node& at(const ir::Graph& g, const std::string& name) {
  auto id = g.find(name);
  EXPECT_TRUE(id.has_value()) << "no node named " << name;
  return g.node(id.value());
}

int count(const ir::Graph& g, ir::OpKind kind) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.kind == kind;
  return n;
}

TEST(ModelNames, ListsEveryModel) {
  std::set<std::string> names(model_names().begin(), model_names().end());
  for (const auto& n : kClassifiers) EXPECT_TRUE(names.count(n)) << n;
  EXPECT_TRUE(names.count("mobilenet_v3_large_lraspp"));
  EXPECT_TRUE(names.count("mobilenet_v3_large_ssdlite"));
  EXPECT_TRUE(names.count("mobilenet_v2_ssdlite"));
  EXPECT_EQ(names.size(), model_names().size());  // no duplicates
}

TEST(Classifiers, BuildAtEveryWidthAndResolution) {
  struct Case {
    double width;
    int64_t resolution, classes, batch;
  };
  const Case cases[] = {{1.0, 224, 1000, 1}, {1.0, 160, 10, 1}, {1.0, 96, 1000, 2},
                        {0.5, 224, 100, 1},  {0.75, 128, 5, 3}, {1.3, 32, 1, 1}};
  for (const auto& name : kClassifiers) {
    for (const Case& c : cases) {
      ZooOptions o;
      o.width_multiplier = c.width;
      o.resolution = c.resolution;
      o.num_classes = c.classes;
      o.batch = c.batch;
      ir::Graph g = build_ok(name, o);
      ASSERT_FALSE(g.empty());
      ASSERT_EQ(g.outputs().size(), 1u) << name;
      EXPECT_EQ(g.node(g.outputs()[0]).shape, (ir::Shape{c.batch, c.classes})) << name << " w=" << c.width;
      EXPECT_EQ(g.node(g.inputs()[0]).shape, (ir::Shape{c.batch, 3, c.resolution, c.resolution}));
      EXPECT_EQ(g.name(), name);
    }
  }
}

TEST(Classifiers, CostScalesWithWidthAndResolution) {
  for (const auto& name : kClassifiers) {
    ZooOptions half;
    half.width_multiplier = 0.5;
    ZooOptions low;
    low.resolution = 112;
    auto full = analysis::analyze_cost(build_ok(name));
    auto narrow = analysis::analyze_cost(build_ok(name, half));
    auto small = analysis::analyze_cost(build_ok(name, low));
    EXPECT_LT(narrow.macs, full.macs) << name;
    EXPECT_LT(narrow.params, full.params) << name;
    EXPECT_EQ(small.params, full.params) << name;  // resolution does not change weights
    EXPECT_LT(small.macs, full.macs) << name;      // exact values: TorchvisionCounts.OtherResolutions
  }
}

TEST(Classifiers, BuildsAreDeterministic) {
  for (const auto& name : kClassifiers) EXPECT_TRUE(build_ok(name) == build_ok(name)) << name;
}

TEST(Layout, LayersAreNamedByStageAndBlock) {
  ir::Graph v2 = build_ok("mobilenet_v2");
  for (const char* name :
       {"input", "stem.conv", "stage1.block0.dw", "stage3.block1.expand", "stage3.block1.dw",
        "stage3.block1.add", "stage7.block0.project_bn", "last_conv", "head.fc"})
    EXPECT_TRUE(v2.find(name).has_value()) << name;
  EXPECT_FALSE(v2.find("stage1.block0.expand").has_value());  // t = 1 has no expansion
  ir::Graph r50 = build_ok("resnet50");
  EXPECT_TRUE(r50.find("stem.maxpool").has_value());
  EXPECT_TRUE(r50.find("stage1.block0.downsample").has_value());
  EXPECT_FALSE(r50.find("stage1.block1.downsample").has_value());
  EXPECT_TRUE(r50.find("stage4.block2.conv3").has_value());
}

TEST(Layout, MobileNetV2ResidualsAndWidths) {
  ir::Graph g = build_ok("mobilenet_v2");
  // stride-1 blocks with equal widths: 1 + 2 + 3 + 2 + 2
  EXPECT_EQ(count(g, ir::OpKind::Add), 10);
  EXPECT_EQ(at(g, "last_conv").shape.c(), 1280);
  ZooOptions o;
  o.width_multiplier = 0.35;
  ir::Graph narrow = build_ok("mobilenet_v2", o);
  EXPECT_EQ(at(narrow, "stem.conv").shape.c(), 16);    // 11.2 -> 16
  EXPECT_EQ(at(narrow, "last_conv").shape.c(), 1280);  // kept below width 1
  o.width_multiplier = 1.4;
  ir::Graph wide = build_ok("mobilenet_v2", o);
  EXPECT_EQ(at(wide, "last_conv").shape.c(), 1792);
}

TEST(Layout, MobileNetV3SqueezeExciteAndActivations) {
  ir::Graph large = build_ok("mobilenet_v3_large");
  // SE on the 40, 112 and 160 stages: 3 + 2 + 3 blocks
  EXPECT_EQ(count(large, ir::OpKind::HardSigmoid), 8);
  EXPECT_EQ(at(large, "stage3.block0.se.reduce").shape.c(), 24);  // make_divisible(72 / 4, 8)
  EXPECT_TRUE(large.find("stage4.block0.dw_hard_swish").has_value());
  EXPECT_TRUE(large.find("stage2.block0.dw_relu").has_value());
  EXPECT_EQ(at(large, "last_conv").shape.c(), 960);
  EXPECT_EQ(at(large, "head.hidden").shape, (ir::Shape{1, 1280}));
  ir::Graph small = build_ok("mobilenet_v3_small");
  EXPECT_EQ(count(small, ir::OpKind::HardSigmoid), 9);
  EXPECT_EQ(at(small, "last_conv").shape.c(), 576);
  EXPECT_EQ(at(small, "head.hidden").shape, (ir::Shape{1, 1024}));
}

TEST(Layout, MnasNetA1SqueezeExciteOnlyWhereThePaperMarksIt) {
  ir::Graph g = build_ok("mnasnet_a1");
  // SE stages: 40 (3 blocks), 112 (2), 160 (3)
  EXPECT_EQ(count(g, ir::OpKind::Sigmoid), 8);
  EXPECT_TRUE(g.find("stage3.block0.se.scale").has_value());
  EXPECT_FALSE(g.find("stage2.block0.se.scale").has_value());
  EXPECT_FALSE(g.find("stage4.block0.se.scale").has_value());
  EXPECT_FALSE(g.find("stage7.block0.se.scale").has_value());
  // reduction = max(1, block input / 4): 24 -> 6, expanded 24 x 3 = 72
  const ir::Node& reduce = at(g, "stage3.block0.se.reduce");
  EXPECT_EQ(reduce.params[0].shape, (ir::Shape{6, 72, 1, 1}));
  EXPECT_EQ(at(g, "stage3.block1.se.reduce").shape.c(), 10);  // 40 / 4
  EXPECT_EQ(at(g, "stage3.block0.dw").attr<ir::Conv2dAttrs>().kernel_h, 5);
  EXPECT_EQ(count(g, ir::OpKind::Relu6), 0);
  // head conv stays 1280 at every width, as in the TF reference
  ZooOptions o;
  o.width_multiplier = 0.5;
  ir::Graph narrow = build_ok("mnasnet_a1", o);
  EXPECT_EQ(at(narrow, "head.conv").shape.c(), 1280);
}

TEST(Layout, EfficientNetB0UsesSwishAndSqueezeExciteEverywhere) {
  ir::Graph g = build_ok("efficientnet_b0");
  EXPECT_EQ(count(g, ir::OpKind::Sigmoid), 16);  // one SE per block
  EXPECT_EQ(count(g, ir::OpKind::Relu) + count(g, ir::OpKind::Relu6), 0);
  EXPECT_EQ(at(g, "stage1.block0.se.reduce").shape.c(), 8);  // max(1, 32 / 4)
  EXPECT_EQ(at(g, "head.conv").shape.c(), 1280);
}

TEST(TaskVariants, LrAsppSegmentsAtTheInputResolution) {
  ZooOptions o;
  o.num_classes = 21;
  o.resolution = 256;
  ir::Graph g = build_ok("mobilenet_v3_large_lraspp", o);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.node(g.outputs()[0]).shape, (ir::Shape{1, 21, 256, 256}));
  // dilated last stage: output stride 16, low-level features at stride 8
  EXPECT_EQ(at(g, "last_conv").shape, (ir::Shape{1, 960, 16, 16}));
  EXPECT_EQ(at(g, "lraspp.up").shape, (ir::Shape{1, 128, 32, 32}));
  EXPECT_EQ(at(g, "stage6.block0.dw").attr<ir::Conv2dAttrs>().dilation_h, 2);
  o.width_multiplier = 0.5;
  o.resolution = 96;
  ir::Graph narrow = build_ok("mobilenet_v3_large_lraspp", o);
  EXPECT_EQ(narrow.node(narrow.outputs()[0]).shape, (ir::Shape{1, 21, 96, 96}));
}

TEST(TaskVariants, SsdLiteOutputsBoxesAndClassesPerScale) {
  for (const char* name : {"mobilenet_v2_ssdlite", "mobilenet_v3_large_ssdlite"}) {
    for (double width : {1.0, 0.5}) {
      ZooOptions o;
      o.num_classes = 91;
      o.resolution = 320;
      o.width_multiplier = width;
      ir::Graph g = build_ok(name, o);
      const auto outputs = g.outputs();
      ASSERT_EQ(outputs.size(), 12u) << name;
      const int64_t sizes[] = {20, 10, 5, 3, 2, 1};
      for (size_t i = 0; i < 6; ++i) {
        const ir::Shape& box = g.node(outputs[2 * i]).shape;
        const ir::Shape& cls = g.node(outputs[2 * i + 1]).shape;
        EXPECT_EQ(box.h(), sizes[i]) << name << " scale " << i;
        EXPECT_EQ(cls.h(), sizes[i]) << name << " scale " << i;
        EXPECT_EQ(box.c() % 4, 0);
        EXPECT_EQ(cls.c() / 91, box.c() / 4) << name << ": same anchors for boxes and classes";
      }
    }
  }
  ZooOptions o;
  o.num_classes = 91;
  o.resolution = 320;
  ir::Graph v2 = build_ok("mobilenet_v2_ssdlite", o);
  EXPECT_EQ(v2.node(v2.outputs()[0]).shape, (ir::Shape{1, 12, 20, 20}));  // 3 anchors on the lowest map
  EXPECT_EQ(at(v2, "head0.box_dw").shape.c(), 576);                       // layer 15 expansion
  ir::Graph v3 = build_ok("mobilenet_v3_large_ssdlite", o);
  EXPECT_EQ(at(v3, "head0.box_dw").shape.c(), 672);  // C4 expansion
  EXPECT_EQ(at(v3, "head1.box_dw").shape.c(), 480);  // reduced tail: 6 x 80
}

TEST(Options, UnknownModelNamesTheKnownOnes) {
  std::string message = build_error("mobilenet_v9", {});
  EXPECT_NE(message.find("unknown model 'mobilenet_v9'"), std::string::npos) << message;
  EXPECT_NE(message.find("resnet50"), std::string::npos) << message;
}

TEST(Options, InvalidOptionsNameTheModelAndTheOption) {
  for (const auto& name : model_names()) {
    ZooOptions o;
    o.width_multiplier = 0;
    std::string m = build_error(name, o);
    EXPECT_NE(m.find(name), std::string::npos) << m;
    EXPECT_NE(m.find("width_multiplier"), std::string::npos) << m;
    o.width_multiplier = -0.5;
    EXPECT_NE(build_error(name, o).find("width_multiplier"), std::string::npos);
    o.width_multiplier = std::nan("");
    EXPECT_NE(build_error(name, o).find("width_multiplier"), std::string::npos);
    o.width_multiplier = 1e12;
    EXPECT_NE(build_error(name, o).find("width_multiplier"), std::string::npos);

    o = ZooOptions{};
    o.resolution = 16;
    m = build_error(name, o);
    EXPECT_NE(m.find(name), std::string::npos) << m;
    EXPECT_NE(m.find("resolution"), std::string::npos) << m;
    o.resolution = -224;
    EXPECT_NE(build_error(name, o).find("resolution"), std::string::npos);

    o = ZooOptions{};
    o.num_classes = 0;
    m = build_error(name, o);
    EXPECT_NE(m.find(name), std::string::npos) << m;
    EXPECT_NE(m.find("num_classes"), std::string::npos) << m;

    o = ZooOptions{};
    o.batch = 0;
    EXPECT_NE(build_error(name, o).find("batch"), std::string::npos);
    o = ZooOptions{};
    o.in_channels = 0;
    EXPECT_NE(build_error(name, o).find("in_channels"), std::string::npos);
  }
}

TEST(Options, SmallestResolutionAndOtherInputChannels) {
  ZooOptions o;
  o.resolution = 32;
  o.in_channels = 1;
  for (const auto& name : model_names()) {
    ir::Graph g = build_ok(name, o);
    EXPECT_EQ(g.node(g.inputs()[0]).shape, (ir::Shape{1, 1, 32, 32})) << name;
  }
}

}  // namespace
}  // namespace hwnas::zoo
