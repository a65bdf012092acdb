// The text format round-trips exactly: golden files load to the expected graph and save back to
// the same bytes; save -> load -> save is stable and load(save(g)) == g, with and without weights.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "hwnas/ir/builder.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::text {
namespace {

const std::string kGoldenDir = std::string(HWNAS_TEST_DATA) + "/text/golden/";

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

ir::NodeId add(ir::Graph& g, ir::OpKind kind, ir::Attrs attrs, std::vector<ir::NodeId> inputs,
               std::string name) {
  auto id = g.add(kind, std::move(attrs), std::move(inputs), std::move(name));
  EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
  return id.ok() ? *id : ir::kNoNode;
}

// The graph tests/data/text/golden/tiny_net.yaml describes, built through the IR.
ir::Graph expected_tiny_net() {
  using ir::OpKind;
  ir::Graph g("tiny_net");
  auto image = add(g, OpKind::Input, ir::InputAttrs{{1, 3, 32, 32}}, {}, "image");
  auto stem = add(g, OpKind::Conv2d, ir::Conv2dAttrs::make(16, 3, 2), {image}, "stem");
  auto bn = add(g, OpKind::BatchNorm, ir::BatchNormAttrs{}, {stem}, "stem.bn");
  auto act = add(g, OpKind::Relu6, ir::NoAttrs{}, {bn}, "stem.relu6");
  auto dw = add(g, OpKind::Conv2d, ir::Conv2dAttrs::make(16, 3, 1, 16), {act}, "block.depthwise");
  auto hs = add(g, OpKind::HardSwish, ir::NoAttrs{}, {dw}, "block.hard_swish");
  auto project = add(g, OpKind::Conv2d, ir::Conv2dAttrs::make(16, 1, 1, 1, true), {hs}, "block.project");
  auto sum = add(g, OpKind::Add, ir::NoAttrs{}, {act, project}, "block.add");
  ir::Conv2dAttrs wide_attrs;
  wide_attrs.out_channels = 8;
  wide_attrs.kernel_h = 1;
  wide_attrs.kernel_w = 3;
  auto wide = add(g, OpKind::Conv2d, wide_attrs, {sum}, "wide");
  auto pad = add(g, OpKind::Pad, ir::PadAttrs{1, 1, 0, 1, -1.5}, {wide}, "wide.pad");
  ir::PoolAttrs pool_attrs;
  pool_attrs.ceil_mode = true;
  auto pool = add(g, OpKind::MaxPool, pool_attrs, {pad}, "pool");
  auto gap = add(g, OpKind::GlobalAvgPool, ir::NoAttrs{}, {pool}, "gap");
  auto flat = add(g, OpKind::Flatten, ir::FlattenAttrs{1}, {gap}, "flatten");
  auto fc = add(g, OpKind::Linear, ir::LinearAttrs{10, true}, {flat}, "classifier");
  auto probs = add(g, OpKind::Softmax, ir::SoftmaxAttrs{1}, {fc}, "probabilities");
  EXPECT_TRUE(g.set_outputs({probs}).ok());
  return g;
}

// Values with every float32 spelling that text could lose: signed zero, subnormals, extremes, infinities.
std::vector<float> awkward_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  const float special[] = {-0.0f,
                           std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::max(),
                           -std::numeric_limits<float>::lowest(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           1.0f / 3.0f,
                           1e-38f};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i < std::size(special) ? special[i] : normal(rng);
  return v;
}

void fill_weights(ir::Graph& g, uint32_t seed) {
  for (const ir::Node& n : g.nodes())
    for (size_t i = 0; i < n.params.size(); ++i)
      g.param(n.id, i).data =
          awkward_floats(static_cast<size_t>(n.params[i].shape.numel()), seed + static_cast<uint32_t>(n.id));
}

// A small MobileNetV2-style network: stem, two inverted residual blocks (one with a skip), SE gate, head.
ir::Graph mobile_net_like() {
  ir::Graph g("mobile_like");
  ir::Builder b(g);
  auto x = b.input({2, 3, 24, 24}, "image");
  {
    auto s = b.scope("stem");
    x = b.conv_bn_act(x, 8, 3, 2, ir::OpKind::Relu6);
  }
  for (int block = 0; block < 2; ++block) {
    auto s = b.scope("block" + std::to_string(block));
    auto in = x;
    auto y = b.conv_bn_act(x, 24, 1, 1, ir::OpKind::Relu6, 1, "expand");
    y = b.conv_bn_act(y, 24, 3, 1, ir::OpKind::HardSwish, 24, "depthwise");
    {
      auto se = b.scope("se");
      auto gate = b.global_avg_pool(y);
      gate = b.conv(gate, ir::Conv2dAttrs::make(8, 1, 1, 1, true), "reduce");
      gate = b.act(gate, ir::OpKind::Relu, "relu");
      gate = b.conv(gate, ir::Conv2dAttrs::make(24, 1, 1, 1, true), "expand");
      gate = b.act(gate, ir::OpKind::HardSigmoid, "gate");
      y = b.mul(y, gate);
    }
    y = b.conv_bn_act(y, 8, 1, 1, ir::OpKind::Input, 1, "project");
    x = b.add(in, y);
  }
  x = b.global_avg_pool(x);
  x = b.flatten(x);
  x = b.linear(x, 5);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return g;
}

// load(save(g)) == g, save(load(save(g))) == save(g), and weights are equal bit for bit.
void expect_round_trip(const ir::Graph& g) {
  std::string text = to_yaml(g);
  auto loaded = from_yaml(text, "round_trip.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << text;
  EXPECT_TRUE(*loaded == g);
  EXPECT_EQ(to_yaml(*loaded), text);
  ASSERT_EQ(loaded->size(), g.size());
  for (const ir::Node& n : g.nodes())
    for (size_t i = 0; i < n.params.size(); ++i) {
      const auto& want = n.params[i].data;
      const auto& got = loaded->node(n.id).params[i].data;
      ASSERT_EQ(got.size(), want.size()) << n.describe();
      for (size_t k = 0; k < want.size(); ++k)
        ASSERT_EQ(std::bit_cast<uint32_t>(got[k]), std::bit_cast<uint32_t>(want[k]))
            << n.describe() << " [" << k << "]";
    }
}

TEST(YamlGolden, TinyNetLoadsToTheExpectedGraphAndSavesBackIdentically) {
  const std::string path = kGoldenDir + "tiny_net.yaml";
  auto loaded = load_yaml(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ir::Graph expected = expected_tiny_net();
  EXPECT_TRUE(*loaded == expected);
  EXPECT_EQ(loaded->node(*loaded->find("pool")).shape, (ir::Shape{1, 8, 9, 8}));
  EXPECT_EQ(to_yaml(*loaded), read_file(path));
  EXPECT_EQ(to_yaml(expected), read_file(path));
}

TEST(YamlGolden, WeightsDecodeToTheirFloats) {
  const std::string path = kGoldenDir + "with_weights.yaml";
  auto loaded = load_yaml(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ir::Graph expected("with_weights");
  auto x = add(expected, ir::OpKind::Input, ir::InputAttrs{{1, 1, 4, 4}}, {}, "x");
  auto conv = add(expected, ir::OpKind::Conv2d, ir::Conv2dAttrs::make(2, 1, 1, 1, true), {x}, "conv");
  auto gap = add(expected, ir::OpKind::GlobalAvgPool, ir::NoAttrs{}, {conv}, "gap");
  auto flat = add(expected, ir::OpKind::Flatten, ir::FlattenAttrs{1}, {gap}, "flat");
  auto fc = add(expected, ir::OpKind::Linear, ir::LinearAttrs{2, false}, {flat}, "fc");
  ASSERT_TRUE(expected.set_outputs({fc, conv}).ok());
  expected.param(conv, 0).data = {0.5f, -2.0f};
  expected.param(conv, 1).data = {0.25f, 1e-3f};
  expected.param(fc, 0).data = {1.0f, -1.0f, 0.0f, 3.5f};
  EXPECT_TRUE(loaded->has_weights());
  EXPECT_TRUE(*loaded == expected);
  EXPECT_EQ(to_yaml(*loaded), read_file(path));
}

TEST(YamlRoundTrip, BuilderGraphWithoutWeights) {
  ir::Graph g = mobile_net_like();
  EXPECT_FALSE(g.has_weights());
  expect_round_trip(g);
  EXPECT_EQ(to_yaml(g).find("params:"), std::string::npos);
}

TEST(YamlRoundTrip, BuilderGraphWithWeightsIsBitExact) {
  ir::Graph g = mobile_net_like();
  fill_weights(g, 7);
  ASSERT_TRUE(g.has_weights());
  expect_round_trip(g);
}

// Mixed precision: a node's own precision is written as its `precision` field and read back.
TEST(YamlRoundTrip, NodePrecisionSurvives) {
  ir::Graph g = mobile_net_like();
  g.set_precision(1, ir::Precision::Int16);
  expect_round_trip(g);
  EXPECT_NE(to_yaml(g).find("    precision: int16\n"), std::string::npos);
  std::string bad = to_yaml(g);
  bad.replace(bad.find("precision: int16"), 16, "precision: int12");
  auto loaded = from_yaml(bad, "bad.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("field 'precision': unknown precision 'int12'"), std::string::npos)
      << loaded.error().message;
}

TEST(YamlRoundTrip, NanWeightsKeepTheirBits) {
  ir::Graph g("nan");
  auto x = add(g, ir::OpKind::Input, ir::InputAttrs{{1, 4}}, {}, "x");
  auto fc = add(g, ir::OpKind::Linear, ir::LinearAttrs{1, false}, {x}, "fc");
  g.param(fc, 0).data = {std::numeric_limits<float>::quiet_NaN(), std::bit_cast<float>(0xFFC00001u),
                         std::bit_cast<float>(0x7F800001u), 1.0f};
  auto loaded = from_yaml(to_yaml(g));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& got = loaded->node(fc).params[0].data;
  ASSERT_EQ(got.size(), 4u);
  for (size_t k = 0; k < 4; ++k)
    EXPECT_EQ(std::bit_cast<uint32_t>(got[k]), std::bit_cast<uint32_t>(g.node(fc).params[0].data[k]));
}

TEST(YamlRoundTrip, PartialWeightsStayPartial) {
  ir::Graph g = mobile_net_like();
  g.param(*g.find("stem.conv"), 0).data = awkward_floats(8 * 3 * 3 * 3, 3);
  EXPECT_FALSE(g.has_weights());
  expect_round_trip(g);
}

TEST(YamlRoundTrip, NamesThatNeedQuoting) {
  ir::Graph g("graph: with \"quotes\"\tand\\ more");
  std::vector<std::string> names = {"onnx::Conv_12",
                                    "123",
                                    "null",
                                    "True",
                                    "~",
                                    "has space",
                                    "-dash",
                                    "#hash",
                                    "[bracket]",
                                    "a,b",
                                    "tab\there",
                                    "new\nline",
                                    "\xC3\xBCn\xC3\xAF"
                                    "code",
                                    "e\xCC\x81",
                                    std::string("nul\0byte", 8),
                                    "x: y",
                                    "'single'",
                                    "&anchor",
                                    "*alias",
                                    "!tag"};
  auto prev = add(g, ir::OpKind::Input, ir::InputAttrs{{1, 2, 3, 3}}, {}, names[0]);
  for (size_t i = 1; i < names.size(); ++i) prev = add(g, ir::OpKind::Relu, ir::NoAttrs{}, {prev}, names[i]);
  ASSERT_EQ(g.size(), names.size());
  expect_round_trip(g);
}

TEST(YamlRoundTrip, EmptyGraphNameAndOutputsOtherThanTheLastNode) {
  ir::Graph g("");
  auto x = add(g, ir::OpKind::Input, ir::InputAttrs{{1, 2, 3, 3}}, {}, "x");
  auto r = add(g, ir::OpKind::Relu, ir::NoAttrs{}, {x}, "r");
  add(g, ir::OpKind::Sigmoid, ir::NoAttrs{}, {r}, "s");
  ASSERT_TRUE(g.set_outputs({r, x, r}).ok());
  expect_round_trip(g);
}

TEST(YamlRoundTrip, FilesSaveAndLoad) {
  ir::Graph g = mobile_net_like();
  fill_weights(g, 11);
  auto dir = std::filesystem::temp_directory_path() / ("hwnas_text_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "net.yaml").string();
  ASSERT_TRUE(save_yaml(g, path).ok());
  auto loaded = load_yaml(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded == g);
  EXPECT_FALSE(save_yaml(g, (dir / "missing_dir" / "net.yaml").string()).ok());
  std::filesystem::remove_all(dir);
}

// Truncations and byte mutations of a valid file load or fail with an Error; none throws or crashes.
TEST(YamlRoundTrip, DamagedTextNeverThrows) {
  std::string text = read_file(kGoldenDir + "with_weights.yaml");
  size_t failures = 0;
  for (size_t n = 0; n < text.size(); ++n) {
    auto g = from_yaml(std::string_view(text).substr(0, n), "prefix.yaml");
    if (!g.ok()) {
      ++failures;
      EXPECT_EQ(g.error().message.rfind("prefix.yaml", 0), 0u) << g.error().message;
    }
  }
  EXPECT_GT(failures, text.size() / 2);
  std::mt19937 rng(2024);
  const std::string bytes = ":-[]{}#&*!|>'\"%@`,? \n\t0123456789abcxyz\x80\xff";
  for (int trial = 0; trial < 400; ++trial) {
    std::string damaged = text;
    for (int k = 0; k < 3; ++k) damaged[rng() % damaged.size()] = bytes[rng() % bytes.size()];
    auto g = from_yaml(damaged, "mutant.yaml");
    if (g.ok()) {
      EXPECT_TRUE(from_yaml(to_yaml(*g)).ok());
    }
  }
}

}  // namespace
}  // namespace hwnas::text
