// ONNX export: every zoo model and a graph with every operator pass the full ONNX checker, and
// export -> import gives back the same graph (operator==) and the same cost analysis, with weights
// and with shapes only, at opset 13 (HardSigmoid + Mul) and 17 (HardSwish).
#include "hwnas/onnx/onnx_export.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/onnx/onnx_import.h"
#include "hwnas/reference/reference.h"
#include "hwnas/zoo/zoo.h"
#include "onnx_test_util.h"
#include "../common/every_operator_graph.h"

namespace hwnas::onnx_io {
namespace {

using testing::count_of;
using testing::op_counts;

void expect_same_costs(const ir::Graph& a, const ir::Graph& b) {
  auto ca = analysis::analyze_cost(a), cb = analysis::analyze_cost(b);
  EXPECT_EQ(ca.macs, cb.macs);
  EXPECT_EQ(ca.flops, cb.flops);
  EXPECT_EQ(ca.params, cb.params);
  EXPECT_EQ(ca.buffers, cb.buffers);
  ASSERT_EQ(ca.layers.size(), cb.layers.size());
  for (size_t i = 0; i < ca.layers.size(); ++i) {
    EXPECT_EQ(ca.layers[i].macs, cb.layers[i].macs) << a.node(static_cast<ir::NodeId>(i)).describe();
    EXPECT_EQ(ca.layers[i].output_elements, cb.layers[i].output_elements);
  }
}

// Export (checked) then import; the imported graph must equal the original.
void expect_round_trip(const ir::Graph& g, int64_t opset) {
  auto bytes = export_onnx(g, {opset});
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto checked = check_onnx(*bytes, g.name());
  EXPECT_TRUE(checked.ok()) << checked.error().message;
  auto back = import_onnx(*bytes, g.name());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == g) << g.name() << " at opset " << opset;
  expect_same_costs(g, *back);
}

TEST(OnnxExport, EveryZooModelRoundTripsWithShapesOnly) {
  ASSERT_FALSE(zoo::model_names().empty());
  for (const std::string& name : zoo::model_names()) {
    SCOPED_TRACE(name);
    zoo::ZooOptions options;
    options.resolution = 224;
    auto g = zoo::build_model(name, options);
    ASSERT_TRUE(g.ok()) << g.error().message;
    ASSERT_FALSE(g->has_weights());
    for (int64_t opset : {13, 17}) expect_round_trip(*g, opset);
  }
}

TEST(OnnxExport, ZooModelRoundTripsWithWeights) {
  for (std::string name : {"mobilenet_v3_small", "efficientnet_b0"}) {
    SCOPED_TRACE(name);
    zoo::ZooOptions options;
    options.resolution = 64;
    options.num_classes = 10;
    options.width_multiplier = 0.5;
    auto g = zoo::build_model(name, options);
    ASSERT_TRUE(g.ok()) << g.error().message;
    reference::fill_random_weights(*g, 3);
    ASSERT_TRUE(g->has_weights());
    expect_round_trip(*g, 17);
    expect_round_trip(*g, 13);
  }
}

TEST(OnnxExport, EveryOperatorRoundTripsWithAndWithoutWeights) {
  ir::Graph g = hwnas::testing::every_operator_graph();
  ASSERT_EQ(op_counts(g).size(), ir::all_op_kinds().size()) << "the graph must hold every IR operator";
  for (int64_t opset : {13, 14, 15, 16, 17}) expect_round_trip(g, opset);
  reference::fill_random_weights(g, 11);
  for (int64_t opset : {13, 17}) expect_round_trip(g, opset);
}

TEST(OnnxExport, ShapesOnlyParamsBecomeGraphInputs) {
  ir::Graph g = hwnas::testing::every_operator_graph();
  auto bytes = export_onnx(g);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(*bytes));
  EXPECT_EQ(model.opset_import(0).version(), 17);
  EXPECT_EQ(model.graph().input(0).name(), "image");
  std::vector<std::string> names;
  for (const auto& in : model.graph().input()) names.push_back(in.name());
  EXPECT_NE(std::find(names.begin(), names.end(), "stem.weight"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "stem_bn.var"), names.end());
  // The only float initializers left are the scalar bounds of Clip and values of Pad.
  for (const auto& init : model.graph().initializer()) {
    if (init.data_type() == onnx::TensorProto::FLOAT) {
      EXPECT_EQ(init.dims_size(), 0) << init.name();
    }
  }
  // Imported back: the param inputs are params, not network inputs.
  auto back = import_onnx(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->inputs().size(), 1u);
  EXPECT_FALSE(back->has_weights());
}

TEST(OnnxExport, HardSwishIsOneOperatorFromOpset14) {
  ir::Graph g("hswish");
  ir::Builder b(g);
  b.act(b.input({1, 4, 2, 2}), ir::OpKind::HardSwish, "act");
  ASSERT_TRUE(b.ok());
  for (auto [opset, nodes] : {std::pair<int64_t, int>{13, 2}, {14, 1}}) {
    auto bytes = export_onnx(g, {opset});
    ASSERT_TRUE(bytes.ok());
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(*bytes));
    EXPECT_EQ(model.graph().node_size(), nodes) << "opset " << opset;
  }
}

TEST(OnnxExport, WeightsSurviveBitForBitAndComputeTheSame) {
  zoo::ZooOptions options;
  options.resolution = 32;
  options.num_classes = 5;
  options.width_multiplier = 0.35;
  auto g = zoo::build_model("mobilenet_v2", options);
  ASSERT_TRUE(g.ok()) << g.error().message;
  reference::fill_random_weights(*g, 5);
  auto bytes = export_onnx(*g);
  ASSERT_TRUE(bytes.ok());
  auto back = import_onnx(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto x = reference::random_tensor(g->node(g->inputs()[0]).shape, 9);
  auto y0 = reference::evaluate(*g, {x});
  auto y1 = reference::evaluate(*back, {x});
  ASSERT_TRUE(y0.ok() && y1.ok());
  EXPECT_EQ(reference::max_abs_difference((*y0)[0], (*y1)[0]), 0.0f);
}

TEST(OnnxExport, PadBeforeConvIsFoldedOnImportAndComputesTheSame) {
  // Not a round trip by design: import folds a pad that only feeds a conv into the conv.
  ir::Graph g("pad_conv");
  ir::Builder b(g);
  auto x = b.input({1, 2, 6, 6});
  auto p = b.op(ir::OpKind::Pad, ir::PadAttrs{0, 0, 1, 1, 0.0}, {x}, "pad");
  ir::Conv2dAttrs a = ir::Conv2dAttrs::make(4, 3, 2);
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 0;
  b.conv(p, a, "conv");
  ASSERT_TRUE(b.ok());
  reference::fill_random_weights(g, 1);
  auto bytes = export_onnx(g);
  ASSERT_TRUE(bytes.ok());
  auto folded = import_onnx(*bytes);
  ASSERT_TRUE(folded.ok()) << folded.error().message;
  EXPECT_EQ(folded->size(), 2u);
  EXPECT_EQ(folded->node(1).attr<ir::Conv2dAttrs>().pad_bottom, 1);
  OnnxImportOptions keep;
  keep.fold_pads = false;
  auto kept = import_onnx(*bytes, "pad_conv", keep);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(*kept == g);
  auto x0 = reference::random_tensor(g.node(0).shape, 2);
  auto y0 = reference::evaluate(g, {x0});
  auto y1 = reference::evaluate(*folded, {x0});
  ASSERT_TRUE(y0.ok() && y1.ok());
  EXPECT_LE(reference::max_abs_difference((*y0)[0], (*y1)[0]), 1e-6f);
}

TEST(OnnxExport, RejectsUnsupportedOpsetsAndBrokenParams) {
  ir::Graph g = hwnas::testing::every_operator_graph();
  auto low = export_onnx(g, {12});
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.error().message.find("opset 12"), std::string::npos);
  EXPECT_FALSE(export_onnx(g, {18}).ok());
  g.param(*g.find("stem"), 0).data = {1.0f, 2.0f};  // 2 values for a 8x3x3x3 weight
  auto broken = export_onnx(g);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("node 'stem'"), std::string::npos) << broken.error().message;
  EXPECT_FALSE(export_onnx(ir::Graph("empty")).ok());
}

TEST(OnnxExport, CheckerRejectsAnInvalidModel) {
  testing::ModelBuilder m(17);
  m.input("x", {1, 3, 4, 4});
  m.output("y", {1, 3, 4, 4});
  m.node("Relu", {"nowhere"}, {"y"}, "relu");  // reads an undefined tensor
  auto status = check_onnx(m.bytes(), "bad.onnx");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("bad.onnx"), std::string::npos);
}

TEST(OnnxExport, WritesAFile) {
  ir::Graph g = hwnas::testing::every_operator_graph();
  std::string path = ::testing::TempDir() + "hwnas_every_operator.onnx";
  ASSERT_TRUE(export_onnx_file(g, path).ok());
  auto back = import_onnx_file(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == g);
  EXPECT_FALSE(export_onnx_file(g, "/nonexistent-dir/x.onnx").ok());
}

}  // namespace
}  // namespace hwnas::onnx_io
