// Import of the operators PyTorch's vision exports add: ReduceMean, Transpose (and the channel
// shuffle it forms with two Reshapes), Split, Slice, Squeeze / Unsqueeze, ConvTranspose, Upsample,
// Sub / Div, LeakyRelu, GlobalMaxPool; and the errors for the cases that stay unsupported.
#include <gtest/gtest.h>

#include <limits>

#include "hwnas/onnx/onnx_export.h"
#include "hwnas/onnx/onnx_import.h"
#include "hwnas/reference/reference.h"
#include "onnx_test_util.h"

namespace hwnas::onnx_io {
namespace {

using testing::count_of;
using testing::ModelBuilder;
using testing::op_counts;

ir::Graph import_ok(const ModelBuilder& m) {
  auto g = import_onnx(m.bytes(), "vision.onnx");
  EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
  return g.ok() ? std::move(g.value()) : ir::Graph();
}

std::string import_error(const ModelBuilder& m) {
  auto g = import_onnx(m.bytes(), "vision.onnx");
  EXPECT_FALSE(g.ok()) << "the model was accepted";
  return g.ok() ? "" : g.error().message;
}

void expect_contains(const std::string& message, const std::vector<std::string>& fragments) {
  for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
}

const ir::Node& output_node(const ir::Graph& g, size_t k = 0) { return g.node(g.outputs().at(k)); }

TEST(OnnxVisionOps, ReduceMeanOverHWIsAGlobalAveragePool) {
  for (int64_t keepdims : {0, 1}) {
    ModelBuilder m(13);
    m.input("x", {1, 8, 5, 5});
    m.output("y", keepdims ? std::vector<int64_t>{1, 8, 1, 1} : std::vector<int64_t>{1, 8});
    auto& n = m.node("ReduceMean", {"x"}, {"y"}, "mean");
    ModelBuilder::attr(n, "axes", std::vector<int64_t>{-1, 2});
    ModelBuilder::attr(n, "keepdims", keepdims);
    ir::Graph g = import_ok(m);
    auto ops = op_counts(g);
    EXPECT_EQ(count_of(ops, "global_avg_pool"), 1);
    EXPECT_EQ(count_of(ops, "flatten"), keepdims ? 0 : 1);
    EXPECT_EQ(output_node(g).shape, keepdims ? ir::Shape({1, 8, 1, 1}) : ir::Shape({1, 8}));
  }
  ModelBuilder bad(13);
  bad.input("x", {1, 8, 5, 5});
  bad.output("y", {1, 1, 5, 5});
  auto& n = bad.node("ReduceMean", {"x"}, {"y"}, "channel_mean");
  ModelBuilder::attr(n, "axes", std::vector<int64_t>{1});
  expect_contains(import_error(bad), {"vision.onnx", "channel_mean", "ReduceMean", "axes [1]"});
}

// x.view(1, 2, 4, 8, 8).transpose(1, 2).reshape(1, 8, 8, 8), as ShuffleNetV2 exports it.
ModelBuilder shuffle_model() {
  ModelBuilder m(13);
  m.input("x", {1, 8, 8, 8});
  m.output("y", {1, 8, 8, 8});
  m.ints("grouped", {1, 2, 4, 8, 8});
  m.ints("flat", {1, -1, 8, 8});
  m.node("Reshape", {"x", "grouped"}, {"g"}, "view");
  auto& t = m.node("Transpose", {"g"}, {"t"}, "swap");
  ModelBuilder::attr(t, "perm", std::vector<int64_t>{0, 2, 1, 3, 4});
  m.node("Reshape", {"t", "flat"}, {"y"}, "shuffle");
  return m;
}

TEST(OnnxVisionOps, ReshapeTransposeReshapeIsAChannelShuffle) {
  ir::Graph g = import_ok(shuffle_model());
  ASSERT_EQ(g.size(), 2u);
  const ir::Node& shuffle = output_node(g);
  EXPECT_EQ(shuffle.kind, ir::OpKind::ChannelShuffle);
  EXPECT_EQ(shuffle.attr<ir::ChannelShuffleAttrs>().groups, 2);
  EXPECT_EQ(shuffle.name, "shuffle");
  // Its export is the same three operators, and importing that again gives the same graph.
  auto bytes = export_onnx(g);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_TRUE(check_onnx(*bytes, "reexport").ok());
  auto again = import_onnx(*bytes, "reexport");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(*again == g);
}

TEST(OnnxVisionOps, ATransposeOfAnotherShapeStaysATranspose) {
  ModelBuilder m(13);
  m.input("x", {1, 6, 4, 5});
  m.output("y", {1, 4, 5, 6});
  auto& t = m.node("Transpose", {"x"}, {"y"}, "nhwc");
  ModelBuilder::attr(t, "perm", std::vector<int64_t>{0, 2, 3, 1});
  ir::Graph g = import_ok(m);
  EXPECT_EQ(output_node(g).kind, ir::OpKind::Transpose);
  EXPECT_EQ(output_node(g).shape, (ir::Shape{1, 4, 5, 6}));
}

TEST(OnnxVisionOps, SplitBecomesSlices) {
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    ModelBuilder m(opset);
    m.input("x", {1, 8, 4, 4});
    m.output("a", {1, 3, 4, 4});
    m.output("b", {1, 5, 4, 4});
    auto& n = opset >= 13 ? m.node("Split", {"x", "sizes"}, {"a", "b"}, "split")
                          : m.node("Split", {"x"}, {"a", "b"}, "split");
    if (opset >= 13) m.ints("sizes", {3, 5});
    else ModelBuilder::attr(n, "split", std::vector<int64_t>{3, 5});
    ModelBuilder::attr(n, "axis", int64_t{1});
    ir::Graph g = import_ok(m);
    ASSERT_EQ(g.outputs().size(), 2u);
    EXPECT_EQ(output_node(g, 0).attr<ir::SliceAttrs>(), (ir::SliceAttrs{1, 0, 3}));
    EXPECT_EQ(output_node(g, 1).attr<ir::SliceAttrs>(), (ir::SliceAttrs{1, 3, 8}));
  }
  ModelBuilder uneven(13);
  uneven.input("x", {1, 7, 4, 4});
  uneven.output("a", {1, 3, 4, 4});
  uneven.output("b", {1, 4, 4, 4});
  ModelBuilder::attr(uneven.node("Split", {"x"}, {"a", "b"}, "halves"), "axis", int64_t{1});
  expect_contains(import_error(uneven), {"halves", "Split", "equal parts"});
}

TEST(OnnxVisionOps, SliceOfATensorClampsLikeOnnx) {
  ModelBuilder m(13);
  m.input("x", {1, 8, 4, 6});
  m.output("y", {1, 4, 4, 5});
  m.ints("starts", {-4, 1});
  m.ints("ends", {std::numeric_limits<int64_t>::max(), 100});
  m.ints("axes", {1, 3});
  m.node("Slice", {"x", "starts", "ends", "axes"}, {"y"}, "crop");
  ir::Graph g = import_ok(m);
  EXPECT_EQ(count_of(op_counts(g), "slice"), 2);
  EXPECT_EQ(output_node(g).shape, (ir::Shape{1, 4, 4, 5}));

  ModelBuilder strided(13);
  strided.input("x", {1, 8, 4, 6});
  strided.output("y", {1, 4, 4, 6});
  strided.ints("starts", {0});
  strided.ints("ends", {8});
  strided.ints("axes", {1});
  strided.ints("steps", {2});
  strided.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"}, "every_other");
  expect_contains(import_error(strided), {"every_other", "step 2"});
}

TEST(OnnxVisionOps, SqueezeAndUnsqueezeOfATensorAreReshapes) {
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    ModelBuilder m(opset);
    m.input("x", {1, 8, 1, 1});
    m.output("y", {1, 1, 8});
    auto& sq = opset >= 13 ? m.node("Squeeze", {"x", "sq_axes"}, {"s"}, "squeeze") : m.node("Squeeze", {"x"}, {"s"}, "squeeze");
    auto& un = opset >= 13 ? m.node("Unsqueeze", {"s", "un_axes"}, {"y"}, "unsqueeze")
                           : m.node("Unsqueeze", {"s"}, {"y"}, "unsqueeze");
    if (opset >= 13) {
      m.ints("sq_axes", {2, 3});
      m.ints("un_axes", {1});
    } else {
      ModelBuilder::attr(sq, "axes", std::vector<int64_t>{2, 3});
      ModelBuilder::attr(un, "axes", std::vector<int64_t>{1});
    }
    ir::Graph g = import_ok(m);
    EXPECT_EQ(count_of(op_counts(g), "reshape"), 2);
    EXPECT_EQ(output_node(g).shape, (ir::Shape{1, 1, 8}));
  }
  ModelBuilder bad(13);
  bad.input("x", {1, 8, 2, 1});
  bad.output("y", {1, 8, 1});
  bad.ints("axes", {2});
  bad.node("Squeeze", {"x", "axes"}, {"y"}, "squeeze_h");
  expect_contains(import_error(bad), {"squeeze_h", "axis 2", "not 1"});
}

TEST(OnnxVisionOps, ConvTransposeWithOutputShapeGetsItsPads) {
  ModelBuilder m(13);
  m.input("x", {1, 4, 5, 5});
  m.output("y", {1, 6, 10, 10});
  m.ramp("W", {4, 3, 3, 3});
  m.ramp("B", {6});
  auto& n = m.node("ConvTranspose", {"x", "W", "B"}, {"y"}, "up");
  ModelBuilder::attr(n, "strides", std::vector<int64_t>{2, 2});
  ModelBuilder::attr(n, "group", int64_t{2});
  ModelBuilder::attr(n, "output_shape", std::vector<int64_t>{10, 10});
  ir::Graph g = import_ok(m);
  const ir::Node& up = output_node(g);
  ASSERT_EQ(up.kind, ir::OpKind::ConvTranspose2d);
  const auto& a = up.attr<ir::ConvTranspose2dAttrs>();
  EXPECT_EQ(a.out_channels, 6);
  // total padding = 2 * 4 + 0 + 2 + 1 - 10 = 1, the odd one at the start (auto_pad NOTSET).
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_EQ(a.pad_bottom, 0);
  EXPECT_EQ(up.shape, (ir::Shape{1, 6, 10, 10}));
  EXPECT_EQ(up.params.at(0).shape, (ir::Shape{4, 3, 3, 3}));

  ModelBuilder hostile(13);
  hostile.input("x", {1, 4, 5, 5});
  hostile.output("y", {1, 6, 10, 10});
  hostile.ramp("W", {4, 3, 3, 3});
  auto& h = hostile.node("ConvTranspose", {"x", "W"}, {"y"}, "up");
  ModelBuilder::attr(h, "group", int64_t{2});
  ModelBuilder::attr(h, "output_shape", std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 10});
  expect_contains(import_error(hostile), {"up", "output_shape holds"});

  ModelBuilder wrong(13);
  wrong.input("x", {1, 4, 5, 5});
  wrong.output("y", {1, 6, 10, 10});
  wrong.ramp("W", {3, 3, 3, 3});
  wrong.node("ConvTranspose", {"x", "W"}, {"y"}, "up");
  expect_contains(import_error(wrong), {"up", "ConvTranspose", "channel mismatch"});
}

TEST(OnnxVisionOps, UpsampleNearestIsAResize) {
  ModelBuilder m(9);
  m.input("x", {1, 2, 3, 4});
  m.output("y", {1, 2, 6, 8});
  m.floats("scales", {4}, {1, 1, 2, 2});
  m.node("Upsample", {"x", "scales"}, {"y"}, "up");
  ir::Graph g = import_ok(m);
  EXPECT_EQ(output_node(g).kind, ir::OpKind::Resize);
  EXPECT_EQ(output_node(g).shape, (ir::Shape{1, 2, 6, 8}));

  ModelBuilder linear(9);
  linear.input("x", {1, 2, 3, 4});
  linear.output("y", {1, 2, 6, 8});
  linear.floats("scales", {4}, {1, 1, 2, 2});
  ModelBuilder::attr(linear.node("Upsample", {"x", "scales"}, {"y"}, "up_linear"), "mode", std::string("linear"));
  expect_contains(import_error(linear), {"up_linear", "linear", "opset >= 11"});
}

// (x - max(x)) / sigmoid(leaky_relu(x)) computes what the reference evaluator says on a known input.
TEST(OnnxVisionOps, SubDivLeakyReluGlobalMaxPoolCompute) {
  ModelBuilder m(13);
  m.input("x", {1, 2, 2, 2});
  m.output("y", {1, 2, 2, 2});
  m.node("GlobalMaxPool", {"x"}, {"peak"}, "peak");
  m.node("Sub", {"x", "peak"}, {"centred"}, "centred");
  auto& leaky = m.node("LeakyRelu", {"x"}, {"l"}, "leaky");
  ModelBuilder::attr_float(leaky, "alpha", 0.5f);
  m.node("Div", {"centred", "l"}, {"y"}, "ratio");
  ir::Graph g = import_ok(m);
  reference::Tensor x{{1, 2, 2, 2}, {1, 2, 4, 8, -2, -4, 1, 2}};
  auto y = reference::evaluate(g, {x});
  ASSERT_TRUE(y.ok()) << y.error().message;
  // channel 0: peak 8, (x - 8) / x; channel 1: peak 2, (x - 2) / (x >= 0 ? x : x / 2).
  const std::vector<float> expected{-7, -3, -1, 0, 4, 3, -1, 0};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ((*y)[0].data[i], expected[i]) << i;
  EXPECT_EQ(g.node(*g.find("leaky")).attr<ir::LeakyReluAttrs>().alpha, 0.5f);
}

TEST(OnnxVisionOps, AnUnsupportedOperatorNamesTheNodeItsTypeAndTheOpset) {
  ModelBuilder m(17);
  m.input("x", {1, 2, 3, 4});
  m.output("y", {1, 2, 3, 4});
  m.node("Erf", {"x"}, {"y"}, "gelu_part");
  expect_contains(import_error(m), {"vision.onnx", "gelu_part", "'Erf'", "opset 17"});
}

}  // namespace
}  // namespace hwnas::onnx_io
