// Import of the fixture models (PyTorch exports and a tf2onnx-style model): shapes, operators,
// parameter counts against PyTorch's, and the reference evaluator's output against PyTorch's.
#include "hwnas/onnx/onnx_import.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/reference/reference.h"
#include "onnx_test_util.h"

namespace hwnas::onnx_io {
namespace {

using testing::count_of;
using testing::fixture_path;
using testing::manifest;
using testing::op_counts;
using testing::read_f32;

ir::Graph import_fixture(const std::string& name, const OnnxImportOptions& options = {}) {
  auto graph = import_onnx_file(fixture_path(manifest().at(name).at("file").get<std::string>()), options);
  EXPECT_TRUE(graph.ok()) << (graph.ok() ? "" : graph.error().message);
  return graph.ok() ? std::move(graph.value()) : ir::Graph();
}

// Runs the reference evaluator on the fixture's saved input and compares with the framework's
// saved output: |ours - theirs| <= 1e-4 * max |theirs| (random-weight networks give small
// outputs, so the bound is relative to the output's own scale).
void expect_matches_framework(const ir::Graph& graph, const std::string& name) {
  const auto& entry = manifest().at(name);
  ASSERT_EQ(graph.inputs().size(), 1u);
  reference::Tensor x{graph.node(graph.inputs()[0]).shape,
                      read_f32(fixture_path(entry.at("input").get<std::string>()))};
  ASSERT_EQ(static_cast<int64_t>(x.data.size()), x.shape.numel());
  auto y = reference::evaluate(graph, {x});
  ASSERT_TRUE(y.ok()) << y.error().message;
  ASSERT_EQ(y->size(), 1u);
  reference::Tensor expected{graph.node(graph.outputs()[0]).shape,
                             read_f32(fixture_path(entry.at("output").get<std::string>()))};
  ASSERT_EQ(static_cast<int64_t>(expected.data.size()), expected.shape.numel());
  float scale = 0.0f;
  for (float v : expected.data) scale = std::max(scale, std::fabs(v));
  ASSERT_GT(scale, 0.0f) << name << ": the framework's output is all zeros, nothing to compare";
  float difference = reference::max_abs_difference((*y)[0], expected);
  EXPECT_LE(difference, 1e-4f * scale) << name << ": largest |reference - framework| = " << difference;
}

void expect_fixture_basics(const ir::Graph& graph, const std::string& name) {
  const auto& entry = manifest().at(name);
  ASSERT_EQ(graph.inputs().size(), 1u);
  EXPECT_EQ(graph.node(graph.inputs()[0]).shape.dims, entry.at("input_shape").get<std::vector<int64_t>>());
  ASSERT_EQ(graph.outputs().size(), 1u);
  EXPECT_EQ(graph.node(graph.outputs()[0]).shape.dims, entry.at("output_shape").get<std::vector<int64_t>>());
  EXPECT_TRUE(graph.has_weights());
  // PyTorch's count minus what its exporter's Conv+BatchNorm folding removes (make_fixtures.py).
  EXPECT_EQ(analysis::analyze_cost(graph).params, entry.at("params_after_bn_folding").get<int64_t>());
}

int onnx_ops(const std::string& name, const std::string& op) {
  const auto& ops = manifest().at(name).at("ops");
  return ops.contains(op) ? ops.at(op).get<int>() : 0;
}

TEST(OnnxImportFixtures, MobileNetV2FromPyTorchOpset13) {
  const std::string name = "mobilenet_v2_035";
  ir::Graph g = import_fixture(name);
  expect_fixture_basics(g, name);
  auto counts = op_counts(g);
  EXPECT_EQ(count_of(counts, "conv2d"), onnx_ops(name, "Conv"));
  EXPECT_EQ(count_of(counts, "relu6"), onnx_ops(name, "Clip"));  // Clip(0, 6) with constant inputs
  EXPECT_EQ(count_of(counts, "add"), onnx_ops(name, "Add"));
  EXPECT_EQ(count_of(counts, "linear"), 1);
  EXPECT_EQ(count_of(counts, "global_avg_pool"), 1);
  EXPECT_EQ(count_of(counts, "batch_norm"), 0);  // folded by PyTorch's exporter
  EXPECT_EQ(count_of(counts, "clip"), 0);
  // Every node but the input is an operator of the file (Constants folded away).
  EXPECT_EQ(static_cast<int>(g.size()), 1 + 52 + 35 + 10 + 1 + 1 + 1);
  // Node names come from the file; the stem conv has its PyTorch scope name.
  EXPECT_TRUE(g.find("/features/features.0/features.0.0/Conv").has_value());
  const ir::Node& stem = g.node(*g.find("/features/features.0/features.0.0/Conv"));
  const auto& a = stem.attr<ir::Conv2dAttrs>();
  EXPECT_EQ(a.stride_h, 2);
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_TRUE(a.bias);  // the folded BatchNorm's shift
  expect_matches_framework(g, name);
}

TEST(OnnxImportFixtures, MobileNetV3SmallFromPyTorchOpset17) {
  const std::string name = "mobilenet_v3_small_050";
  ir::Graph g = import_fixture(name);
  expect_fixture_basics(g, name);
  auto counts = op_counts(g);
  EXPECT_EQ(count_of(counts, "conv2d"), onnx_ops(name, "Conv"));
  EXPECT_EQ(count_of(counts, "hard_swish"), onnx_ops(name, "HardSwish"));
  EXPECT_EQ(count_of(counts, "hard_sigmoid"),
            onnx_ops(name, "HardSigmoid"));  // SE gates: x * hsig(f(x)), not fused
  EXPECT_EQ(count_of(counts, "mul"), onnx_ops(name, "Mul"));
  EXPECT_EQ(count_of(counts, "relu"), onnx_ops(name, "Relu"));
  EXPECT_EQ(count_of(counts, "global_avg_pool"), onnx_ops(name, "GlobalAveragePool"));
  EXPECT_EQ(count_of(counts, "linear"), onnx_ops(name, "Gemm"));
  for (const ir::Node& n : g.nodes())
    if (n.kind == ir::OpKind::HardSigmoid) {
      EXPECT_EQ(n.attr<ir::HardSigmoidAttrs>().alpha, 1.0 / 6.0);  // float 1/6 read back as 1/6
      EXPECT_EQ(n.attr<ir::HardSigmoidAttrs>().beta, 0.5);
    }
  expect_matches_framework(g, name);
}

TEST(OnnxImportFixtures, TinyOpsNetFromPyTorchOpset11) {
  const std::string name = "tiny_ops_opset11";
  ir::Graph g = import_fixture(name);
  expect_fixture_basics(g, name);
  auto counts = op_counts(g);
  EXPECT_EQ(count_of(counts, "conv2d"), 3);
  EXPECT_EQ(count_of(counts, "swish"), 1);  // x * sigmoid(x)
  EXPECT_EQ(count_of(counts, "sigmoid"), 0);
  EXPECT_EQ(count_of(counts, "clip"), 1);  // clamp(-1, 1)
  EXPECT_EQ(count_of(counts, "relu"), 1);
  EXPECT_EQ(count_of(counts, "batch_norm"), 1);  // after a concat: not folded by the exporter
  EXPECT_EQ(count_of(counts, "max_pool"), 1);
  EXPECT_EQ(count_of(counts, "avg_pool"), 2);
  EXPECT_EQ(count_of(counts, "resize"), 3);
  EXPECT_EQ(count_of(counts, "concat"), 1);
  EXPECT_EQ(count_of(counts, "pad"), 1);      // value 0.5 before a resize: stays a pad
  EXPECT_EQ(count_of(counts, "reshape"), 1);  // x.view(x.size(0), -1): Shape/Gather/Concat folded
  EXPECT_EQ(count_of(counts, "linear"), 1);
  EXPECT_EQ(count_of(counts, "softmax"), 1);
  for (const ir::Node& n : g.nodes()) {
    if (n.kind == ir::OpKind::MaxPool) {
      EXPECT_TRUE(n.attr<ir::PoolAttrs>().ceil_mode);
    } else if (n.kind == ir::OpKind::Pad) {
      EXPECT_EQ(n.attr<ir::PadAttrs>().value, 0.5);
    } else if (n.kind == ir::OpKind::Reshape) {
      EXPECT_EQ(n.attr<ir::ReshapeAttrs>().shape, (std::vector<int64_t>{1, -1}));
    }
  }
  // ZeroPad2d(1) before the stem conv became the conv's padding.
  const ir::Node& stem = g.node(*g.find("/stem/Conv"));
  EXPECT_EQ(stem.attr<ir::Conv2dAttrs>().pad_top, 1);
  EXPECT_EQ(stem.attr<ir::Conv2dAttrs>().pad_right, 1);
  EXPECT_EQ(g.node(stem.inputs[0]).kind, ir::OpKind::Input);
  // F.pad then avg_pool2d: the pad became the pool's padding, counted as avg_pool2d counts zeros.
  const ir::Node& pool = g.node(*g.find("/AveragePool"));
  EXPECT_EQ(pool.attr<ir::PoolAttrs>().pad_top, 1);
  EXPECT_TRUE(pool.attr<ir::PoolAttrs>().count_include_pad);
  // Resize modes: nearest x2, bilinear half-pixel, bilinear align_corners.
  EXPECT_EQ(g.node(*g.find("/Resize")).attr<ir::ResizeAttrs>().mode, ir::ResizeMode::Nearest);
  EXPECT_FALSE(g.node(*g.find("/Resize_1")).attr<ir::ResizeAttrs>().align_corners);
  EXPECT_TRUE(g.node(*g.find("/Resize_2")).attr<ir::ResizeAttrs>().align_corners);
  expect_matches_framework(g, name);
}

TEST(OnnxImportFixtures, TinyOpsNetWithoutRewritesComputesTheSame) {
  const std::string name = "tiny_ops_opset11";
  OnnxImportOptions plain;
  plain.fold_pads = false;
  plain.fuse_activations = false;
  ir::Graph g = import_fixture(name, plain);
  auto counts = op_counts(g);
  EXPECT_EQ(count_of(counts, "pad"), 3);  // stem pad, pad before the pool, the 0.5 pad
  EXPECT_EQ(count_of(counts, "swish"), 0);
  EXPECT_EQ(count_of(counts, "sigmoid"), 1);
  EXPECT_EQ(count_of(counts, "mul"), 1);
  expect_matches_framework(g, name);
}

TEST(OnnxImportFixtures, Tf2onnxStyleModel) {
  const std::string name = "tf2onnx_style_opset13";
  ir::Graph g = import_fixture(name);
  expect_fixture_basics(g, name);
  EXPECT_EQ(g.name(), "tf2onnx");
  auto counts = op_counts(g);
  EXPECT_EQ(count_of(counts, "pad"), 0);  // the explicit Pad became the stem conv's padding
  EXPECT_EQ(count_of(counts, "conv2d"), 3);
  EXPECT_EQ(count_of(counts, "relu6"), 1);  // Clip with constant min/max inputs
  EXPECT_EQ(count_of(counts, "relu"), 1);
  EXPECT_EQ(count_of(counts, "linear"), 1);  // MatMul + Add of the bias
  EXPECT_EQ(count_of(counts, "reshape"), 1);
  EXPECT_EQ(count_of(counts, "add"), 1);  // the residual, not the bias
  EXPECT_EQ(count_of(counts, "softmax"), 1);
  EXPECT_EQ(static_cast<int>(g.size()), 1 + 3 + 1 + 1 + 1 + 1 + 1 + 1 + 1);  // Identity nodes vanish
  const ir::Node& stem = g.node(*g.find("model/conv_stem/BiasAdd"));
  const auto& a = stem.attr<ir::Conv2dAttrs>();
  EXPECT_EQ(std::vector<int64_t>({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right}),
            (std::vector<int64_t>{0, 0, 1, 1}));
  const ir::Node& dw = g.node(*g.find("model/dw/BiasAdd"));  // auto_pad SAME_UPPER
  EXPECT_EQ(dw.attr<ir::Conv2dAttrs>().groups, 16);
  EXPECT_EQ(dw.attr<ir::Conv2dAttrs>().pad_top, 1);
  const ir::Node& dense = g.node(*g.find("model/dense/MatMul"));
  EXPECT_TRUE(dense.attr<ir::LinearAttrs>().bias);
  EXPECT_EQ(dense.params[0].shape, (ir::Shape{10, 16}));  // Keras [in, out] transposed to [out, in]
  expect_matches_framework(g, name);
}

TEST(OnnxImportFixtures, ExportParamsFalseGivesTheSameGraphWithoutWeights) {
  // torch.onnx.export(..., export_params=False) makes the weights graph inputs, some of them shared
  // through Identity nodes; they become shape-only params.
  auto structure = import_onnx_file(fixture_path("mobilenet_v2_035_no_params.onnx"));
  ASSERT_TRUE(structure.ok()) << structure.error().message;
  EXPECT_EQ(structure->inputs().size(), 1u);
  EXPECT_FALSE(structure->has_weights());
  ir::Graph weighted = import_fixture("mobilenet_v2_035");
  EXPECT_EQ(analysis::analyze_cost(*structure).params, analysis::analyze_cost(weighted).params);
  ASSERT_EQ(structure->size(), weighted.size());
  for (const ir::Node& n : weighted.nodes()) {
    const ir::Node& s = structure->node(n.id);
    EXPECT_EQ(s.name, n.name);
    EXPECT_EQ(s.kind, n.kind);
    EXPECT_TRUE(s.attrs == n.attrs) << n.describe();
    EXPECT_EQ(s.shape, n.shape) << n.describe();
    ASSERT_EQ(s.params.size(), n.params.size());
    for (size_t k = 0; k < n.params.size(); ++k) EXPECT_EQ(s.params[k].shape, n.params[k].shape);
  }
}

TEST(OnnxImportFixtures, ExportThenImportReproducesEachFixture) {
  for (const auto& [name, entry] : manifest().items()) {
    ir::Graph g = import_fixture(name);
    for (int64_t opset : {13, 17}) {
      auto bytes = export_onnx(g, {opset});
      ASSERT_TRUE(bytes.ok()) << bytes.error().message;
      auto checked = check_onnx(*bytes, name);
      EXPECT_TRUE(checked.ok()) << checked.error().message;
      auto again = import_onnx(*bytes, name);
      ASSERT_TRUE(again.ok()) << again.error().message;
      EXPECT_TRUE(*again == g) << name << " at opset " << opset;
    }
  }
}

TEST(OnnxImportFixtures, FixturesStayUnderFiveMegabytes) {
  int64_t total = 0;
  for (const auto& [name, entry] : manifest().items())
    for (const char* key : {"file", "input", "output"})
      total +=
          static_cast<int64_t>(testing::read_bytes(fixture_path(entry.at(key).get<std::string>())).size());
  total += static_cast<int64_t>(testing::read_bytes(fixture_path("mobilenet_v2_035_no_params.onnx")).size());
  EXPECT_LT(total, 5'000'000);
}

}  // namespace
}  // namespace hwnas::onnx_io
