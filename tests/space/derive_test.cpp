// space::derive_space: the macro space around an existing network, whose baseline point is that network.
#include "hwnas/space/derive.h"

#include <gtest/gtest.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/blocks/build_block.h"
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
  // each extra layer's width is a decision around its own (512, 256, 256, 128)
  EXPECT_NE(derived->yaml.find("head: {type: detection, classes: 91, extra_channels: [[256, 384, 512, 640, 768], "
                               "[128, 192, 256, 320, 384], [128, 192, 256, 320, 384], [64, 96, 128, 160, 192]], "
                               "anchors: [3, 6, 6, 6, 6, 6], tap: expansion}"),
            std::string::npos)
      << derived->yaml;
  EXPECT_NE(derived->baseline_key.find("head.extra1.channels=512;head.extra2.channels=256"), std::string::npos)
      << derived->baseline_key;
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
  // The first extra layer at 768 wide instead of 512.
  auto wider = *arch;
  for (size_t d = 0; d < space->decisions().size(); ++d)
    if (space->decisions()[d].name == "head.extra1.channels") wider[d] = 4;
  auto widened = space->decode(wider);
  ASSERT_TRUE(widened.ok()) << widened.error().message;
  EXPECT_GT(analysis::analyze_cost(*widened).params, analysis::analyze_cost(*baseline).params);
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

// The baseline point with `net`'s random weights computes what `net` computes.
void expect_baseline_computes_the_network(ir::Graph net, const DerivedSpace& derived, int64_t resolution) {
  reference::fill_random_weights(net, 7);
  auto space = parse_space(derived.yaml, "derived.yaml", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto arch = space->parse_key(derived.baseline_key);
  ASSERT_TRUE(arch.ok()) << arch.error().message;
  auto weighted = baseline_with_weights(net, *space, *arch);
  ASSERT_TRUE(weighted.ok()) << weighted.error().message;
  const reference::Tensor x = reference::random_tensor({1, 3, resolution, resolution}, 3);
  auto expected = reference::evaluate(net, {x});
  auto actual = reference::evaluate(*weighted, {x});
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  ASSERT_EQ(expected->size(), actual->size());
  for (size_t o = 0; o < expected->size(); ++o) {
    float scale = 1e-6f;
    for (float v : (*expected)[o].data) scale = std::max(scale, std::abs(v));
    EXPECT_LE(reference::max_abs_difference((*expected)[o], (*actual)[o]) / scale, 1e-4f) << "output " << o;
  }
}

// ResNet-18: a 7x7 stem with max pool and residual blocks of two 3x3 convs, none of which the
// macro space builds, are kept as fixed regions; the head is matched; the space still searches
// the resolution, and its baseline point is the network, weights and all.
TEST(DeriveSpace, ResNetKeepsWhatTheMatcherDoesNotRecogniseFixed) {
  ir::Graph net = zoo_model("resnet18", 64);
  auto derived = derive_space(net, {.channel_multiple = 16, .name = "resnet18"});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  ASSERT_FALSE(derived->fixed_parts.empty());
  EXPECT_EQ(derived->fixed_parts.front().name, "stem");
  EXPECT_NE(derived->fixed_parts.front().ops.find("max_pool"), std::string::npos) << derived->fixed_parts.front().ops;
  EXPECT_NE(derived->fixed_parts.front().reason.find("this one is 7x7, stride 2"), std::string::npos) << derived->fixed_parts.front().reason;
  // one fixed stage per residual block (8), each with its add
  int fixed_stages = 0;
  for (const FixedPart& f : derived->fixed_parts)
    if (f.name.rfind("stage", 0) == 0) {
      ++fixed_stages;
      EXPECT_NE(f.ops.find("add"), std::string::npos) << f.name << ": " << f.ops;
    }
  EXPECT_EQ(fixed_stages, 8) << derived->yaml;
  EXPECT_NE(derived->yaml.find("stem: {fixed: stem}"), std::string::npos) << derived->yaml;
  EXPECT_NE(derived->yaml.find("head: {type: classification"), std::string::npos) << derived->yaml;
  // no reshape to a given size: every resolution choice decodes, and the fixed regions follow it
  EXPECT_NE(derived->yaml.find("resolution: [32, 64, 96]"), std::string::npos) << derived->yaml;
  auto space = parse_space(derived->yaml, "resnet18.yaml", {.channel_multiple = 16});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto arch = space->parse_key(derived->baseline_key);
  ASSERT_TRUE(arch.ok());
  (*arch)[static_cast<size_t>(space->macro()->resolution)] = 2;  // 96
  auto larger = space->decode(*arch);
  ASSERT_TRUE(larger.ok()) << larger.error().message;
  EXPECT_EQ(larger->node(larger->outputs()[0]).shape.to_string(), "1x10");
  expect_baseline_computes_the_network(net, *derived, 64);
}

// LR-ASPP (the zoo's, laid out as torchvision's): the head is matched, so its width is searched;
// the low-level map is the first stride-8 block's output (its stage ends there); the dilated last
// stage is kept fixed.
TEST(DeriveSpace, LrAsppIsMatchedAndItsWidthSearched) {
  ir::Graph net = zoo_model("mobilenet_v3_large_lraspp", 128);
  auto derived = derive_space(net, {.channel_multiple = 16});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_NE(derived->yaml.find("head: {type: segmentation, classes: 10, channels: [64, 96, 128, 160, 192], low: stage4}"),
            std::string::npos)
      << derived->yaml;
  // stage4 is the first block at stride 8, whose output the head reads; the rest of that stride is stage5
  ASSERT_GE(derived->stages.size(), 5u);
  EXPECT_EQ(derived->stages[3].depth, 1);
  EXPECT_EQ(derived->stages[3].stride, 2);
  EXPECT_EQ(derived->stages[4].stride, 1);
  ASSERT_FALSE(derived->fixed_parts.empty());  // the dilated blocks
  EXPECT_NE(derived->fixed_parts.back().reason.find("undilated"), std::string::npos) << derived->fixed_parts.back().reason;
  expect_baseline_computes_the_network(net, *derived, 128);
}

// A network whose head the matcher does not recognise: IBN stages, then a head that reads the
// stride-8 stage and the last one, with two branches concatenated, resized to the input. The
// backbone is searched; the head is kept fixed reading those two stages, whose widths are held;
// its resize to a given size pins the resolution.
TEST(DeriveSpace, AnUnrecognisedHeadIsKeptFixedReadingTheStagesItReads) {
  ir::Graph g("branchy_head");
  ir::Builder b(g);
  auto x = b.input({1, 3, 64, 64});
  x = b.conv_bn_act(x, 16, 3, 2, ir::OpKind::Relu6, 1, "stem");
  ir::NodeId low = ir::kNoNode;
  int64_t width = 16;
  for (int k = 0; k < 3; ++k) {
    auto scope = b.scope("block" + std::to_string(k));
    width += 16;
    blocks::BlockSpec spec;
    spec.out_channels = width;
    spec.stride = 2;
    spec.expansion = 4;
    auto y = blocks::build_block(b, x, spec);
    ASSERT_TRUE(y.ok()) << y.error().message;
    x = *y;
    if (k == 1) low = x;  // stride 8
  }
  {
    auto scope = b.scope("head");
    auto a = b.conv_bn_act(x, 24, 1, 1, ir::OpKind::Relu, 1, "a");
    auto c = b.conv_bn_act(x, 24, 3, 1, ir::OpKind::Relu, 1, "c");
    auto cat = b.concat({a, c});
    auto logits = b.conv(cat, ir::Conv2dAttrs::make(5, 1, 1, 1, true), "logits");
    auto up = b.op(ir::OpKind::Resize, ir::ResizeAttrs{ir::ResizeMode::Bilinear, 8, 8, false}, {logits}, "up");
    auto skip = b.conv(low, ir::Conv2dAttrs::make(5, 1, 1, 1, true), "skip");
    auto sum = b.add(up, skip);
    b.op(ir::OpKind::Resize, ir::ResizeAttrs{ir::ResizeMode::Bilinear, 64, 64, false}, {sum}, "out");
  }
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto derived = derive_space(g, {.channel_multiple = 16});
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  ASSERT_EQ(derived->fixed_parts.size(), 1u) << derived->yaml;
  EXPECT_EQ(derived->fixed_parts[0].name, "head");
  EXPECT_NE(derived->yaml.find("head: {type: segmentation, classes: 5, fixed: head, inputs: [stage3, stage2]}"), std::string::npos)
      << derived->yaml;
  EXPECT_NE(derived->yaml.find("resolution: [64]"), std::string::npos) << derived->yaml;
  ASSERT_EQ(derived->stages.size(), 3u);
  EXPECT_FALSE(derived->stages[0].width_fixed);
  EXPECT_TRUE(derived->stages[1].width_fixed);
  EXPECT_TRUE(derived->stages[2].width_fixed);
  expect_baseline_computes_the_network(g, *derived, 64);
}

// A head conv whose activation is not the stem's (which the macro space's head cannot write)
// becomes a searched conv stage of its own activation, before a head without a conv.
TEST(DeriveSpace, AHeadConvOfAnotherActivationBecomesAStage) {
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
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  EXPECT_TRUE(mixed->fixed_parts.empty());
  ASSERT_EQ(mixed->stages.size(), 2u);
  EXPECT_EQ(mixed->stages[1].activation, "relu");
  EXPECT_EQ(mixed->stages[1].kernel, 1);
  EXPECT_NE(mixed->yaml.find("conv_channels: 0"), std::string::npos) << mixed->yaml;
  expect_baseline_computes_the_network(g, *mixed, 32);
}

// EfficientNetV2's first stage: a 3x3 conv + act added to its input, the macro space's fused IBN
// of expansion 1 (one kxk conv, with the residual).
TEST(DeriveSpace, AConvAddedToItsInputIsAFusedIbnOfExpansionOne) {
  ir::Graph g("v2_like");
  ir::Builder b(g);
  auto x = b.input({1, 3, 32, 32});
  x = b.conv_bn_act(x, 24, 3, 2, ir::OpKind::Swish, 1, "stem");
  for (int k = 0; k < 2; ++k) {
    auto scope = b.scope("fused" + std::to_string(k));
    blocks::BlockSpec spec;
    spec.type = blocks::BlockType::FusedIbn;
    spec.out_channels = 24;
    spec.expansion = 1;
    spec.activation = blocks::Activation::Swish;
    auto y = blocks::build_block(b, x, spec);
    ASSERT_TRUE(y.ok()) << y.error().message;
    x = *y;
  }
  x = b.linear(b.flatten(b.global_avg_pool(x)), 10, true);
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto derived = derive_space(g);
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_TRUE(derived->fixed_parts.empty());
  ASSERT_EQ(derived->stages.size(), 1u);
  EXPECT_EQ(derived->stages[0].block, "fused_ibn");
  EXPECT_EQ(derived->stages[0].expansion, 1);
  EXPECT_EQ(derived->stages[0].depth, 2);
  expect_baseline_computes_the_network(g, *derived, 32);
}

TEST(DeriveSpace, ANetworkItCannotDeriveIsAnError) {
  ir::Graph g("two");
  ir::Builder b(g);
  auto a = b.input({1, 3, 16, 16}, "a");
  auto c = b.input({1, 3, 16, 16}, "c");
  b.add(a, c);
  ASSERT_TRUE(b.ok());
  auto two = derive_space(g);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("2 inputs"), std::string::npos) << two.error().message;
  ir::Graph h("wide");
  ir::Builder hb(h);
  hb.conv_bn_act(hb.input({1, 3, 16, 32}), 8, 3, 2, ir::OpKind::Relu, 1, "c");
  ASSERT_TRUE(hb.ok());
  auto wide = derive_space(h);
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.error().message.find("square"), std::string::npos) << wide.error().message;
}

// The format of fixed regions: a hand-written space with a fixed stage between two searched ones.
const char* kFixedSpace = R"(name: with_fixed
input: {channels: 3, resolution: [32, 64]}
stem: {channels: 16, stride: 2}
stages:
  - {block: ibn, channels: [16, 32], stride: 1}
  - {fixed: pool}
  - {block: [ibn, fused_ibn], channels: 24, stride: 2}
head: {type: classification, classes: 10}
fixed:
  pool: |
    version: 1
    name: pool
    nodes:
      - name: x
        op: input
        shape: [1, 16, 16, 16]
      - name: pool
        op: max_pool
        inputs: [x]
        kernel: 2
        stride: 2
      - name: act
        op: relu
        inputs: [pool]
    outputs: [act]
)";

TEST(FixedRegions, AreSplicedAtDecodeAndFollowTheResolution) {
  auto space = parse_space(kFixedSpace, "with_fixed.yaml", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  EXPECT_EQ(space->macro()->stages[1].stride, 2);
  Architecture arch = space->minimal_architecture();  // stage1 at 16 channels: what the region reads
  auto g = space->decode(arch);
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto pool = g->find("stage2.pool");
  ASSERT_TRUE(pool.has_value());
  EXPECT_EQ(g->node(*pool).shape.to_string(), "1x16x8x8");
  arch[static_cast<size_t>(space->macro()->resolution)] = 1;  // 64: the region's shapes are inferred again
  g = space->decode(arch);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->node(*g->find("stage2.pool")).shape.to_string(), "1x16x16x16");
  // A width the region cannot read is an invalid architecture naming the region.
  for (size_t d = 0; d < space->decisions().size(); ++d)
    if (space->decisions()[d].name == "stage1.channels") arch[d] = 1;  // 32
  auto wrong = space->decode(arch);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("fixed region 'pool'"), std::string::npos) << wrong.error().message;
  // The region's text is part of the version.
  std::string other = kFixedSpace;
  other.replace(other.find("stride: 2\n      - name: act"), 9, "stride: 2\n        ceil_mode: false");
  auto changed = parse_space(other, "with_fixed.yaml", {});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_NE(changed->version(), space->version());
}

TEST(FixedRegions, MistakesAreErrorsNamingTheField) {
  auto expect_error = [](std::string text, const std::string& from, const std::string& to, const std::string& wanted) {
    text.replace(text.find(from), from.size(), to);
    auto space = parse_space(text, "with_fixed.yaml", {});
    ASSERT_FALSE(space.ok()) << "accepted: " << to;
    EXPECT_NE(space.error().message.find(wanted), std::string::npos) << space.error().message;
  };
  expect_error(kFixedSpace, "{fixed: pool}", "{fixed: poll}", "did you mean 'pool'");
  expect_error(kFixedSpace, "{fixed: pool}", "{fixed: pool, stride: 2}", "stage2");
  expect_error(kFixedSpace, "stem: {channels: 16, stride: 2}", "stem: {fixed: pool, channels: 16}", "a fixed stem has no channels");
  expect_error(kFixedSpace, "  - {fixed: pool}\n", "", "fixed.pool: is used by no stem, stage or head");
  expect_error(kFixedSpace, "outputs: [act]", "outputs: [nowhere]", "fixed.pool");
  expect_error(kFixedSpace, "head: {type: classification, classes: 10}", "head: {type: classification, classes: 10, fixed: pool}",
               "head.inputs");
  expect_error(kFixedSpace, "head: {type: classification, classes: 10}",
               "head: {type: classification, classes: 10, fixed: pool, inputs: [stage9]}", "'stage9' is not stem, stageK");
  expect_error(kFixedSpace, "head: {type: classification, classes: 10}",
               "head: {type: classification, classes: 10, inputs: [stage1]}", "is a field of a fixed head");
}

}  // namespace
}  // namespace hwnas::space
