// Models import_onnx must reject, each with the message fragments a user needs; and random
// damage to valid files, which must give a graph or an error but never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "hwnas/onnx/onnx_import.h"
#include "onnx_test_util.h"

namespace hwnas::onnx_io {
namespace {

using testing::ModelBuilder;

// Imports `bytes` as `source`, expects an error and returns its message.
std::string import_error(const std::string& bytes, const std::string& source = "model.onnx") {
  auto graph = import_onnx(bytes, source);
  EXPECT_FALSE(graph.ok()) << source << " was accepted";
  return graph.ok() ? "" : graph.error().message;
}

void expect_contains(const std::string& message, const std::vector<std::string>& fragments) {
  for (const auto& f : fragments)
    EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
}

// x [1,3,8,8] -> Conv(W [8,3,3,3], pads 1) -> Relu -> y: valid, the base of the broken variants.
ModelBuilder conv_model(int64_t opset = 13) {
  ModelBuilder m(opset);
  m.input("x", {1, 3, 8, 8});
  m.output("y", {1, 8, 8, 8});
  m.ramp("W", {8, 3, 3, 3});
  auto& conv = m.node("Conv", {"x", "W"}, {"c"}, "conv_1");
  ModelBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  m.node("Relu", {"c"}, {"y"}, "relu_1");
  return m;
}

TEST(OnnxReject, TheValidBaseModelImports) {
  auto g = import_onnx(conv_model().bytes(), "model.onnx");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->size(), 3u);
  EXPECT_EQ(g->node(2).shape, (ir::Shape{1, 8, 8, 8}));
}

TEST(OnnxReject, EmptyFile) { expect_contains(import_error("", "empty.onnx"), {"empty.onnx", "empty"}); }

TEST(OnnxReject, GarbageBytes) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 50; ++trial) {
    std::string bytes(static_cast<size_t>(1 + rng() % 400), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    expect_contains(import_error(bytes, "garbage.onnx"), {"garbage.onnx"});
  }
  expect_contains(import_error("this is not a protobuf at all", "text.onnx"), {"text.onnx"});
}

TEST(OnnxReject, TruncatedFile) {
  std::string whole = testing::read_bytes(testing::fixture_path("tf2onnx_style_opset13.onnx"));
  ASSERT_GT(whole.size(), 1000u);
  for (size_t keep : {size_t{1}, size_t{17}, whole.size() / 3, whole.size() / 2, whole.size() - 1})
    expect_contains(import_error(whole.substr(0, keep), "cut.onnx"), {"cut.onnx"});
  std::string half = import_error(whole.substr(0, whole.size() / 2), "cut.onnx");
  expect_contains(half, {"truncated or corrupt"});
}

TEST(OnnxReject, UnknownOperatorNamesOpAndNode) {
  ModelBuilder m = conv_model();
  m.graph().mutable_node(1)->set_op_type("LSTM");
  m.graph().mutable_node(1)->set_name("lstm_7");
  expect_contains(import_error(m.bytes()),
                  {"model.onnx", "node 'lstm_7'", "op 'LSTM'", "unsupported operator"});
  // A node without a name is named by its first output.
  m.graph().mutable_node(1)->set_name("");
  expect_contains(import_error(m.bytes()), {"node 'y'", "op 'LSTM'"});
  // A custom domain is not ONNX's operator of that name.
  ModelBuilder custom = conv_model();
  custom.graph().mutable_node(1)->set_domain("com.example");
  expect_contains(import_error(custom.bytes()), {"node 'relu_1'", "unsupported operator", "com.example"});
}

TEST(OnnxReject, DynamicDimension) {
  ModelBuilder m = conv_model();
  auto* dim =
      m.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  dim->set_dim_param("batch_size");
  expect_contains(import_error(m.bytes()), {"model.onnx", "input 'x'", "dynamic", "batch_size"});
  ModelBuilder no_shape = conv_model();
  no_shape.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  expect_contains(import_error(no_shape.bytes()), {"input 'x'", "static"});
}

TEST(OnnxReject, ReshapeWithComputedShape) {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  m.input("target", {2});  // a run-time shape: a graph input, not a constant
  m.output("y", {1, 48});
  m.node("Reshape", {"x", "target"}, {"y"}, "reshape_3");
  expect_contains(import_error(m.bytes()),
                  {"model.onnx", "node 'reshape_3'", "op 'Reshape'", "not a constant"});
}

TEST(OnnxReject, ConvWeightChannelMismatch) {
  ModelBuilder m;
  m.input("x", {1, 3, 8, 8});
  m.output("y", {1, 8, 8, 8});
  m.ramp("W", {8, 4, 3, 3});  // expects 4 input channels, the input has 3
  auto& conv = m.node("Conv", {"x", "W"}, {"y"}, "conv_2");
  ModelBuilder::attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  expect_contains(import_error(m.bytes()), {"node 'conv_2'", "channel mismatch", "'W'", "has 3"});
}

TEST(OnnxReject, NegativePads) {
  ModelBuilder m = conv_model();
  auto* pads = m.graph().mutable_node(0)->mutable_attribute(0);
  pads->set_ints(0, -1);
  expect_contains(import_error(m.bytes()), {"node 'conv_1'", "pads", "negative"});

  ModelBuilder crop;
  crop.input("x", {1, 3, 8, 8});
  crop.output("y", {1, 3, 7, 8});
  crop.ints("pads", {0, 0, -1, 0, 0, 0, 0, 0});
  crop.node("Pad", {"x", "pads"}, {"y"}, "crop_pad");
  expect_contains(import_error(crop.bytes()), {"node 'crop_pad'", "op 'Pad'", "negative"});
}

TEST(OnnxReject, MissingInitializer) {
  ModelBuilder m;
  m.input("x", {1, 3, 8, 8});
  m.output("y", {1, 8, 6, 6});
  m.node("Conv", {"x", "conv.weight"}, {"y"}, "conv_9");
  expect_contains(import_error(m.bytes()), {"model.onnx", "node 'conv_9'", "'conv.weight'", "missing"});
}

TEST(OnnxReject, DeclaredShapeMismatch) {
  ModelBuilder m = conv_model();
  m.graph()
      .mutable_output(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(9);
  expect_contains(import_error(m.bytes()), {"model.onnx", "'y'", "shape mismatch", "1x9x8x8", "1x8x8x8"});
}

TEST(OnnxReject, OpsetsOutsideTheSupportedRange) {
  expect_contains(import_error(conv_model(18).bytes()), {"opset 18", "not supported"});
  ModelBuilder none = conv_model();
  none.model().clear_opset_import();
  expect_contains(import_error(none.bytes()), {"no opset"});
}

TEST(OnnxReject, AttributeOfTheWrongType) {
  ModelBuilder m = conv_model();
  auto* group = m.graph().mutable_node(0)->add_attribute();
  group->set_name("group");
  group->set_type(onnx::AttributeProto::FLOAT);
  group->set_f(1.0f);
  expect_contains(import_error(m.bytes()), {"node 'conv_1'", "attribute 'group'", "int"});
}

TEST(OnnxReject, UnsupportedVariantsOfSupportedOperators) {
  {  // Resize cubic
    ModelBuilder m;
    m.input("x", {1, 3, 4, 4});
    m.output("y", {1, 3, 8, 8});
    m.floats("scales", {4}, {1, 1, 2, 2});
    auto& r = m.node("Resize", {"x", "", "scales"}, {"y"}, "resize_1");
    ModelBuilder::attr(r, "mode", std::string("cubic"));
    expect_contains(import_error(m.bytes()), {"node 'resize_1'", "cubic", "not supported"});
  }
  {  // Pad reflect
    ModelBuilder m;
    m.input("x", {1, 3, 4, 4});
    m.output("y", {1, 3, 6, 6});
    m.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
    auto& p = m.node("Pad", {"x", "pads"}, {"y"}, "pad_1");
    ModelBuilder::attr(p, "mode", std::string("reflect"));
    expect_contains(import_error(m.bytes()), {"node 'pad_1'", "reflect"});
  }
  {  // Add of a constant tensor (the IR adds two tensors)
    ModelBuilder m;
    m.input("x", {1, 3, 4, 4});
    m.output("y", {1, 3, 4, 4});
    m.ramp("c", {1, 3, 1, 1});
    m.node("Add", {"x", "c"}, {"y"}, "add_const");
    expect_contains(import_error(m.bytes()), {"node 'add_const'", "'c'", "constant"});
  }
  {  // Gemm whose weight does not take the input
    ModelBuilder m;
    m.input("x", {1, 16});
    m.output("y", {1, 10});
    m.ramp("W", {10, 15});
    auto& g = m.node("Gemm", {"x", "W"}, {"y"}, "fc");
    ModelBuilder::attr(g, "transB", int64_t{1});
    expect_contains(import_error(m.bytes()), {"node 'fc'", "shape mismatch", "10x15"});
  }
  {  // Softmax-11 over two axes
    ModelBuilder m(11);
    m.input("x", {1, 3, 4, 4});
    m.output("y", {1, 3, 4, 4});
    m.node("Softmax", {"x"}, {"y"}, "softmax_1");
    expect_contains(import_error(m.bytes()), {"node 'softmax_1'", "opset 13"});
  }
  {  // an initializer whose data does not fill its shape
    ModelBuilder m = conv_model();
    m.graph().mutable_initializer(0)->mutable_float_data()->RemoveLast();
    expect_contains(import_error(m.bytes()), {"node 'conv_1'", "'W'", "expected 216"});
  }
}

TEST(OnnxReject, HostileSizesFailBeforeAllocating) {
  {  // a 2^40-element ConstantOfShape feeding a Reshape
    ModelBuilder m;
    m.input("x", {1, 4});
    m.output("y", {1, 4});
    m.ints("huge", {1 << 20, 1 << 20});
    m.node("ConstantOfShape", {"huge"}, {"filled"}, "fill");
    m.node("Reshape", {"x", "filled"}, {"y"}, "reshape");
    expect_contains(import_error(m.bytes()), {"node 'fill'", "elements"});
  }
  {  // an initializer that claims 2^30 floats and holds none
    ModelBuilder m = conv_model();
    onnx::TensorProto& w = *m.graph().mutable_initializer(0);
    w.clear_float_data();
    w.clear_dims();
    for (int64_t d : {1024, 1024, 1024, 1}) w.add_dims(d);
    expect_contains(import_error(m.bytes()), {"'W'", "expected 1073741824"});
  }
  {  // one initializer shared by thousands of convs: copies are bounded by the file's size
    ModelBuilder m;
    m.input("x", {1, 1, 1, 1});
    m.ramp("W", {1000, 1, 1, 1});
    for (int i = 0; i < 2000; ++i)
      m.node("Conv", {"x", "W"}, {"c" + std::to_string(i)}, "conv_" + std::to_string(i));
    m.output("c1999", {1, 1000, 1, 1});
    expect_contains(import_error(m.bytes()), {"budget"});
  }
}

// Flips and overwrites random bytes of valid models, and cuts them at random places: every
// result is a graph or an error with a message; under ASan/UBSan this also checks for overruns.
TEST(OnnxReject, RandomDamageNeverCrashes) {
  std::vector<std::string> seeds = {conv_model().bytes(),
                                    testing::read_bytes(testing::fixture_path("tf2onnx_style_opset13.onnx"))};
  std::mt19937 rng(7);
  int accepted = 0, rejected = 0;
  for (const std::string& seed : seeds)
    for (int trial = 0; trial < 400; ++trial) {
      std::string bytes = seed;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t at = rng() % bytes.size();
        switch (rng() % 3) {
          case 0:
            bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
            break;
          case 1:
            bytes[at] = static_cast<char>(rng());
            break;
          default:
            bytes.resize(std::max<size_t>(1, at));
            break;
        }
      }
      auto g = import_onnx(bytes, "damaged.onnx");
      if (g.ok()) {
        ++accepted;
        for (const ir::Node& n : g->nodes())
          for (ir::NodeId in : n.inputs) EXPECT_LT(in, n.id);
      } else {
        ++rejected;
        EXPECT_EQ(g.error().message.rfind("damaged.onnx", 0), 0u) << g.error().message;
      }
    }
  EXPECT_GT(rejected, 0);
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace hwnas::onnx_io
