// space::derive_space: the macro space around an existing network, whose baseline point is that network.
#include "hwnas/space/derive.h"

#include <gtest/gtest.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/ir/fold_batch_norm.h"
#include "hwnas/reference/reference.h"
#include "hwnas/space/space.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::space {
namespace {

ir::Graph zoo_model(const std::string& name, int64_t resolution = 224) {
  auto g = zoo::build_model(name, {.resolution = resolution, .num_classes = 10});
  EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
  return g.ok() ? std::move(g.value()) : ir::Graph();
}

TEST(DeriveSpace, MobileNetV2IsItsSevenStagesAndItsBaselineIsTheNetwork) {
  ir::Graph net = zoo_model("mobilenet_v2");
  auto derived = derive_space(net, {.channel_multiple = 32, .name = "mnv2"});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  // MobileNetV2's table (t, c, n, s): (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1).
  const std::vector<std::vector<int64_t>> table{{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  ASSERT_EQ(derived->stages.size(), table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(derived->stages[i].block, "ibn");
    EXPECT_EQ(derived->stages[i].kernel, 3);
    EXPECT_DOUBLE_EQ(derived->stages[i].expansion, static_cast<double>(table[i][0]));
    EXPECT_EQ(derived->stages[i].channels, table[i][1]);
    EXPECT_EQ(derived->stages[i].depth, table[i][2]);
    EXPECT_EQ(derived->stages[i].stride, table[i][3]);
  }
  // The baseline point decodes to the network: same parameters (batch norms folded) and MACs.
  auto space = parse_space(derived->yaml, "mnv2.yaml", {.channel_multiple = 32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto arch = space->parse_key(derived->baseline_key);
  ASSERT_TRUE(arch.ok()) << arch.error().message;
  auto baseline = space->decode(*arch);
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  const auto mine = analysis::analyze_cost(ir::fold_batch_norm(*baseline));
  const auto theirs = analysis::analyze_cost(ir::fold_batch_norm(net));
  EXPECT_EQ(mine.params, theirs.params);
  EXPECT_EQ(mine.macs, theirs.macs);
  EXPECT_EQ(derived->params, theirs.params);
  // Widths are the baseline's own or multiples of P = 32; the fused alternative is a choice.
  for (const Decision& d : space->decisions()) {
    if (d.name.find("channels") == std::string::npos) continue;
    for (const Choice& c : d.choices) {
      const bool aligned = static_cast<int64_t>(c.value) % 32 == 0;
      const bool own = d.name == "stem.channels" ? c.value == 32
                                                 : c.value == table[static_cast<size_t>(std::stoi(d.name.substr(5)) - 1)][1];
      EXPECT_TRUE(aligned || own) << d.name << " = " << c.label;
    }
  }
  EXPECT_NE(derived->yaml.find("block: [ibn, fused_ibn]"), std::string::npos) << derived->yaml;
  // Another point of the space decodes too: every stage fused.
  Architecture fused = *arch;
  for (size_t i = 0; i < space->decisions().size(); ++i)
    if (space->decisions()[i].name.find(".block") != std::string::npos) fused[i] = 1;
  EXPECT_TRUE(space->decode(fused).ok());
}

// The zoo's SSDLite (TF's ssdlite_mobilenet_v2 layout): the expansion tap at stride 16, the 1280-wide
// last conv as a stage, the extra layers and per-map anchors in the head; its baseline is the network.
TEST(DeriveSpace, SsdLiteKeepsItsTapsExtrasAndAnchors) {
  auto net = zoo::build_model("mobilenet_v2_ssdlite", {.resolution = 320, .num_classes = 91});
  ASSERT_TRUE(net.ok()) << net.error().message;
  auto derived = derive_space(*net, {.channel_multiple = 32, .name = "ssd"});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_NE(derived->yaml.find("head: {type: detection, classes: 91, extra_channels: [512, 256, 256, 128], "
                               "anchors: [3, 6, 6, 6, 6, 6], tap: expansion}"),
            std::string::npos)
      << derived->yaml;
  ASSERT_EQ(derived->stages.size(), 8u);
  EXPECT_EQ(derived->stages.back().block, "conv");
  EXPECT_EQ(derived->stages.back().channels, 1280);
  auto space = parse_space(derived->yaml, "ssd.yaml", {.channel_multiple = 32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto arch = space->parse_key(derived->baseline_key);
  ASSERT_TRUE(arch.ok()) << arch.error().message;
  auto baseline = space->decode(*arch);
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  EXPECT_EQ(baseline->outputs().size(), net->outputs().size());
  const auto mine = analysis::analyze_cost(ir::fold_batch_norm(*baseline));
  const auto theirs = analysis::analyze_cost(ir::fold_batch_norm(*net));
  EXPECT_EQ(mine.params, theirs.params);
  EXPECT_EQ(mine.macs, theirs.macs);
  // A detection space without the tap reads the last stride-16 stage instead, and its version differs.
  std::string stage_tap = derived->yaml;
  stage_tap.replace(stage_tap.find("tap: expansion"), 14, "tap: stage_output");
  auto other = parse_space(stage_tap, "ssd_stage.yaml", {.channel_multiple = 32});
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_NE(other->version(), space->version());
  EXPECT_TRUE(other->decode(*arch).ok());
}

TEST(DeriveSpace, AnchorsMustListEveryMap) {
  const std::string yaml =
      "name: s\ninput: {channels: 3, resolution: 128}\nstem: {channels: 16}\n"
      "stages:\n  - {channels: 16, stride: 2}\n  - {channels: 24, stride: 2}\n  - {channels: 32, stride: 2}\n"
      "head: {type: detection, classes: 5, extra_channels: [64], anchors: [6, 6]}\n";
  auto space = parse_space(yaml, "s.yaml", {});
  ASSERT_FALSE(space.ok());
  EXPECT_NE(space.error().message.find("head.anchors"), std::string::npos) << space.error().message;
}

// The baseline point with the network's weights computes what the network computes.
TEST(DeriveSpace, TheBaselineInheritsTheNetworksWeights) {
  ir::Graph net = zoo_model("mobilenet_v2", 32);
  reference::fill_random_weights(net, 4);
  auto derived = derive_space(net, {.channel_multiple = 16});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  auto space = parse_space(derived->yaml, "mnv2.yaml", {.channel_multiple = 16});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto arch = space->parse_key(derived->baseline_key);
  ASSERT_TRUE(arch.ok());
  auto weighted = baseline_with_weights(net, *space, *arch);
  ASSERT_TRUE(weighted.ok()) << weighted.error().message;
  ASSERT_TRUE(weighted->has_weights());
  const reference::Tensor x = reference::random_tensor({1, 3, 32, 32}, 9);
  auto expected = reference::evaluate(net, {x});
  auto actual = reference::evaluate(*weighted, {x});
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  float scale = 1e-6f;
  for (float v : (*expected)[0].data) scale = std::max(scale, std::abs(v));
  EXPECT_LE(reference::max_abs_difference((*expected)[0], (*actual)[0]) / scale, 1e-4f);
  // A network without weights has nothing to inherit.
  auto bare = baseline_with_weights(zoo_model("mobilenet_v2", 32), *space, *arch);
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("no weights"), std::string::npos) << bare.error().message;
}

TEST(DeriveSpace, TheResolutionChoicesKeepTheBaselineAndTheTotalStride) {
  auto derived = derive_space(zoo_model("mobilenet_v2", 160));
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_NE(derived->yaml.find("resolution: [96, 128, 160, 192]"), std::string::npos) << derived->yaml;
  EXPECT_NE(derived->baseline_key.find("resolution=160"), std::string::npos) << derived->baseline_key;
}

// MobileNetV3-Large: hard-swish stem and head, ReLU stages, squeeze-excite stages, the head's
// hidden layer; its baseline point is the network (derive_space checks parameters and MACs).
TEST(DeriveSpace, MobileNetV3KeepsEachStagesActivationAndSqueezeExcite) {
  auto derived = derive_space(zoo_model("mobilenet_v3_large"), {.channel_multiple = 16});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_NE(derived->yaml.find("activation: hard_swish\n"), std::string::npos) << derived->yaml;
  EXPECT_NE(derived->yaml.find("hidden: 1280"), std::string::npos) << derived->yaml;
  int relu = 0, excited = 0;
  for (const DerivedStage& s : derived->stages) {
    relu += s.activation == "relu";
    excited += !s.squeeze_excite.empty();
  }
  EXPECT_GT(relu, 0);
  EXPECT_GT(excited, 0);
  auto space = parse_space(derived->yaml, "v3.yaml", {.channel_multiple = 16});
  ASSERT_TRUE(space.ok()) << space.error().message;
  EXPECT_NE(space->version(), parse_space(derived->yaml.substr(0, derived->yaml.find("head:")) +
                                              "head: {type: classification, classes: 10, conv_channels: 960}\n",
                                          "v3_no_hidden.yaml", {.channel_multiple = 16})
                                  ->version());
}

// EfficientNet-B0: swish everywhere, and its squeeze-excite (a quarter of the block's input, swish, sigmoid).
TEST(DeriveSpace, EfficientNetKeepsItsOwnSqueezeExcite) {
  auto derived = derive_space(zoo_model("efficientnet_b0"), {.channel_multiple = 16});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_NE(derived->yaml.find("activation: swish\n"), std::string::npos) << derived->yaml;
  EXPECT_NE(derived->yaml.find("squeeze_excite: efficientnet"), std::string::npos) << derived->yaml;
  for (const DerivedStage& s : derived->stages) EXPECT_EQ(s.squeeze_excite, "efficientnet");
}

TEST(DeriveSpace, ANetworkItCannotMatchIsAnErrorNamingTheNode) {
  // ResNet-18: the stem is a 7x7 conv.
  auto resnet = derive_space(zoo_model("resnet18"));
  ASSERT_FALSE(resnet.ok());
  EXPECT_NE(resnet.error().message.find("stem"), std::string::npos) << resnet.error().message;
  // LR-ASPP: a segmentation head the matcher does not derive.
  auto lraspp = derive_space(zoo_model("mobilenet_v3_large_lraspp"));
  ASSERT_FALSE(lraspp.ok());
  EXPECT_NE(lraspp.error().message.find("node '"), std::string::npos) << lraspp.error().message;
  // A hand-made net whose head conv does not use the stem's activation.
  ir::Graph g("mixed");
  ir::Builder b(g);
  auto x = b.input({1, 3, 32, 32});
  x = b.conv_bn_act(x, 16, 3, 2, ir::OpKind::Relu6, 1, "c1");
  x = b.conv_bn_act(x, 32, 3, 2, ir::OpKind::Relu6, 1, "c2");
  x = b.conv_bn_act(x, 64, 1, 1, ir::OpKind::Relu, 1, "head_conv");
  x = b.global_avg_pool(x);
  x = b.linear(b.flatten(x), 10, true);
  ASSERT_TRUE(b.ok());
  auto mixed = derive_space(g);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("head_conv"), std::string::npos) << mixed.error().message;
  EXPECT_NE(mixed.error().message.find("stem's activation"), std::string::npos) << mixed.error().message;
}

}  // namespace
}  // namespace hwnas::space
