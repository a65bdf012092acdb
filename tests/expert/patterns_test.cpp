// Tests of the rewrite patterns on small golden graphs: before and after in the text format,
// refusal with a reason, weights kept or re-initialised, and structure found without names.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "expert_test_support.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/onnx/onnx_import.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::expert {
namespace {

using testing::expect_golden;
using testing::load;
using testing::pattern;
using testing::refusal;
using testing::rewrite;

// Kinds, attributes and shapes in order: the structure without names.
std::string structure(const ir::Graph& graph) {
  std::string text;
  for (const ir::Node& node : graph.nodes()) {
    text += std::string(ir::op_name(node.kind)) + node.shape.to_string();
    if (node.kind == ir::OpKind::Conv2d) {
      const auto& a = node.attr<ir::Conv2dAttrs>();
      text += " k" + std::to_string(a.kernel_h) + " s" + std::to_string(a.stride_h) + " g" + std::to_string(a.groups);
    }
    text += "\n";
  }
  return text;
}

TEST(IbnToFusedIbn, FusesExpansionAndDepthwise) {
  ir::Graph graph = load("ibn.yaml");
  ir::Graph fused = rewrite(graph, *pattern("ibn_to_fused_ibn"), "block.expand");
  expect_golden(fused, "ibn_to_fused_ibn.yaml");
  // The expansion's three nodes and the depthwise are gone; one 3x3 full conv 16 -> 64 is in.
  EXPECT_EQ(fused.size(), graph.size() - 3);
  const ir::Node& conv = fused.node(*fused.find("block.fused"));
  EXPECT_EQ(conv.attr<ir::Conv2dAttrs>().kernel_h, 3);
  EXPECT_EQ(conv.attr<ir::Conv2dAttrs>().groups, 1);
  EXPECT_EQ(conv.shape, (ir::Shape{1, 64, 16, 16}));
  EXPECT_EQ(fused.node(*fused.find("block.dw_bn")).inputs[0], conv.id);
}

TEST(IbnToFusedIbn, RefusesWithReason) {
  ir::Graph graph = load("ibn.yaml");
  auto fuse = pattern("ibn_to_fused_ibn");
  EXPECT_NE(refusal(graph, *fuse, "block.dw").find("is not a 1x1 convolution"), std::string::npos);
  EXPECT_NE(refusal(graph, *fuse, "block.project").find("is not read by a depthwise"), std::string::npos);
  EXPECT_NE(refusal(graph, *fuse, "nowhere").find("no node named 'nowhere'"), std::string::npos);
}

TEST(FusedIbnToIbn, SplitsTheFullConvBack) {
  ir::Graph graph = load("ibn.yaml");
  ir::Graph fused = rewrite(graph, *pattern("ibn_to_fused_ibn"), "block.expand");
  ir::Graph split = rewrite(fused, *pattern("fused_ibn_to_ibn"), "block.fused");
  expect_golden(split, "fused_ibn_to_ibn.yaml");
  EXPECT_EQ(structure(split), structure(graph)) << "fusing then splitting gives the IBN back";
}

TEST(FusedIbnToIbn, RefusesAPlainConv) {
  ir::Graph graph = load("residual_concat.yaml");
  std::string reason = refusal(graph, *pattern("fused_ibn_to_ibn"), "a");
  EXPECT_NE(reason.find("not followed by a 1x1 projection"), std::string::npos) << reason;
}

TEST(DepthwisePointwiseToConv, MergesIntoAStandardConv) {
  ir::Graph graph = load("ibn.yaml");
  ir::Graph merged = rewrite(graph, *pattern("depthwise_pointwise_to_conv"), "block.dw");
  expect_golden(merged, "depthwise_pointwise_to_conv.yaml");
  const ir::Node& conv = merged.node(*merged.find("block.conv"));
  EXPECT_EQ(conv.attr<ir::Conv2dAttrs>().kernel_h, 3);
  EXPECT_EQ(conv.attr<ir::Conv2dAttrs>().groups, 1);
  EXPECT_EQ(conv.shape, (ir::Shape{1, 16, 16, 16}));
  EXPECT_FALSE(merged.find("block.dw_bn").has_value());
  EXPECT_TRUE(merged.find("block.project_bn").has_value());
}

TEST(DepthwisePointwiseToConv, RefusesWithReason) {
  ir::Graph graph = load("ibn.yaml");
  auto merge = pattern("depthwise_pointwise_to_conv");
  EXPECT_NE(refusal(graph, *merge, "block.expand").find("is not a depthwise convolution"), std::string::npos);
  ir::Graph with_se = rewrite(graph, *pattern("add_squeeze_excite"), "block.dw_relu6");
  EXPECT_NE(refusal(with_se, *merge, "block.dw").find("squeeze-excite"), std::string::npos);
  // residual_concat: the depthwise feeds two 1x1 convs.
  ir::Graph two = load("residual_concat.yaml");
  EXPECT_NE(refusal(two, *merge, "dw").find("single 1x1 pointwise"), std::string::npos);
}

TEST(SqueezeExcite, AddThenRemoveIsTheIdentity) {
  ir::Graph graph = load("ibn.yaml");
  ir::Graph with_se = rewrite(graph, *pattern("add_squeeze_excite", {{"ratio", "0.25"}}), "block.dw_relu6");
  expect_golden(with_se, "add_squeeze_excite.yaml");
  EXPECT_EQ(with_se.size(), graph.size() + 6);
  const ir::Node& reduce = with_se.node(*with_se.find("block.dw_relu6_se.reduce"));
  EXPECT_EQ(reduce.shape, (ir::Shape{1, 16, 1, 1}));  // max(8, round(64 * 0.25 / 8) * 8)
  EXPECT_NE(refusal(with_se, *pattern("add_squeeze_excite"), "block.dw_relu6").find("already feeds"),
            std::string::npos);
  ir::Graph removed = rewrite(with_se, *pattern("remove_squeeze_excite"), "block.dw_relu6_se.pool");
  EXPECT_EQ(removed, graph);
  EXPECT_NE(refusal(graph, *pattern("remove_squeeze_excite"), "pool").find("not read by one 1x1"), std::string::npos);
  EXPECT_NE(refusal(graph, *pattern("add_squeeze_excite"), "block.expand_relu6").find("does not follow a depthwise"),
            std::string::npos);
}

TEST(Patterns, WeightsKeptWhereShapesAreUnchanged) {
  ir::Graph graph = load("ibn.yaml");
  reference::fill_random_weights(graph, 11);
  ir::Graph fused = rewrite(graph, *pattern("ibn_to_fused_ibn"), "block.expand", 5);
  ASSERT_TRUE(fused.has_weights());
  for (const char* kept : {"block.dw_bn", "block.project", "block.project_bn", "fc"})
    EXPECT_EQ(fused.node(*fused.find(kept)).params, graph.node(*graph.find(kept)).params) << kept;
  const ir::Param& weight = fused.node(*fused.find("block.fused")).params[0];
  EXPECT_EQ(weight.shape, (ir::Shape{64, 16, 3, 3}));
  ASSERT_EQ(weight.data.size(), 64u * 16 * 9);
  float bound = std::sqrt(6.0f / (16 * 9));
  for (float v : weight.data) EXPECT_LE(std::abs(v), bound);
  // Seeded: the same seed gives the same new weights, another seed others.
  EXPECT_EQ(rewrite(graph, *pattern("ibn_to_fused_ibn"), "block.expand", 5), fused);
  EXPECT_NE(rewrite(graph, *pattern("ibn_to_fused_ibn"), "block.expand", 6), fused);
}

TEST(Patterns, BadNamesAndParametersAreRejected) {
  auto unknown = make_pattern("fuse_everything");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown pattern 'fuse_everything'"), std::string::npos);
  auto key = make_pattern("align_channels", {{"multiplier", "8"}});
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("unknown parameter 'multiplier'"), std::string::npos);
  auto value = make_pattern("align_channels", {{"round", "sideways"}});
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.error().message.find("must be up, down or nearest"), std::string::npos);
  EXPECT_FALSE(make_pattern("depth_multiplier", {{"factor", "-1"}}).ok());
  EXPECT_FALSE(make_pattern("ibn_to_fused_ibn", {{"x", "1"}}).ok());
}

// Structure, not names: the matches on a zoo model are the same after every node is renamed.
TEST(Patterns, FindBlocksByStructureNotNames) {
  zoo::ZooOptions options;
  options.resolution = 64;
  options.width_multiplier = 0.5;
  auto v3 = zoo::build_model("mobilenet_v3_small", options);
  ASSERT_TRUE(v3.ok());
  DraftGraph renamed_draft(*v3);
  ir::Graph renamed("renamed");
  {
    std::map<std::string, std::string> names;
    for (const ir::Node& node : v3->nodes()) names[node.name] = "n" + std::to_string(node.id);
    for (const DraftNode& node : renamed_draft.nodes()) {
      std::vector<ir::NodeId> inputs;
      for (const std::string& in : node.inputs) inputs.push_back(*renamed.find(names[in]));
      ASSERT_TRUE(renamed.add(node.kind, node.attrs, inputs, names[node.name]).ok());
    }
  }
  for (const std::string& name : pattern_names()) {
    auto p = pattern(name);
    EXPECT_EQ(find_matches(*p, *v3).size(), find_matches(*p, renamed).size()) << name;
  }
  // MobileNetV3-Small: 11 IBNs, 10 with a 1x1 expansion, 9 with squeeze-excite.
  EXPECT_EQ(find_matches(*pattern("ibn_to_fused_ibn"), *v3).size(), 10u);
  EXPECT_EQ(find_matches(*pattern("remove_squeeze_excite"), *v3).size(), 9u);
  EXPECT_EQ(find_matches(*pattern("fused_ibn_to_ibn"), *v3).size(), 0u);
}

// Through ONNX: the imported graph (the importer's own node names) has the same blocks.
TEST(Patterns, FindBlocksInImportedOnnx) {
  zoo::ZooOptions options;
  options.resolution = 64;
  options.width_multiplier = 0.5;
  auto v3 = zoo::build_model("mobilenet_v3_small", options);
  ASSERT_TRUE(v3.ok());
  auto bytes = onnx_io::export_onnx(*v3);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto imported = onnx_io::import_onnx(*bytes, "v3.onnx");
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  for (const char* name : {"ibn_to_fused_ibn", "depthwise_pointwise_to_conv", "remove_squeeze_excite"}) {
    auto p = pattern(name);
    EXPECT_EQ(find_matches(*p, *imported).size(), find_matches(*p, *v3).size()) << name;
  }
}

TEST(Patterns, EveryMatchOnMobileNetV2Applies) {
  zoo::ZooOptions options;
  options.resolution = 32;
  options.width_multiplier = 0.35;
  options.num_classes = 10;
  auto v2 = zoo::build_model("mobilenet_v2", options);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(find_matches(*pattern("ibn_to_fused_ibn"), *v2).size(), 16u);
  EXPECT_EQ(find_matches(*pattern("depthwise_pointwise_to_conv"), *v2).size(), 17u);
  for (const std::string& name : pattern_names()) {
    auto p = pattern(name);
    for (const Match& match : find_matches(*p, *v2)) {
      auto out = p->apply(*v2, match, 3);
      EXPECT_TRUE(out.ok()) << name << " at " << match.anchor << ": " << (out ? "" : out.error().message);
    }
  }
}

}  // namespace
}  // namespace hwnas::expert
