// Every attribute of every op has a YAML field that round-trips; defaults are omitted on save and
// accepted when omitted on load; the short spellings of pairs and paddings read as documented.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "hwnas/text/op_fields.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::text {
namespace {

using ir::OpKind;

// For each op, attributes that differ from the default in every field, and an input shape they fit.
struct OpCase {
  ir::Attrs attrs;
  std::vector<ir::Shape> inputs;
};

std::map<OpKind, OpCase> non_default_cases() {
  std::map<OpKind, OpCase> cases;
  ir::Conv2dAttrs conv{12, 3, 5, 2, 1, 1, 2, 3, 0, 2, 1, 3, true};
  ir::PoolAttrs pool{3, 2, 1, 2, 1, 0, 0, 1, true, true};
  const ir::Shape map{1, 6, 17, 19};
  cases[OpKind::Input] = {ir::InputAttrs{{2, 5, 7, 9}}, {}};
  cases[OpKind::Conv2d] = {conv, {map}};
  cases[OpKind::Linear] = {ir::LinearAttrs{7, false}, {{3, 11}}};
  cases[OpKind::BatchNorm] = {ir::BatchNormAttrs{1e-3}, {map}};
  cases[OpKind::Relu] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Relu6] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Clip] = {ir::ClipAttrs{-0.25, 0.1 + 0.2}, {map}};
  cases[OpKind::HardSwish] = {ir::NoAttrs{}, {map}};
  cases[OpKind::HardSigmoid] = {ir::HardSigmoidAttrs{0.2, 5e-324}, {map}};
  cases[OpKind::Sigmoid] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Swish] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Add] = {ir::NoAttrs{}, {map, {1, 6, 1, 1}}};
  cases[OpKind::Mul] = {ir::NoAttrs{}, {map, map}};
  cases[OpKind::Concat] = {ir::ConcatAttrs{-1}, {map, {1, 6, 17, 4}, {1, 6, 17, 1}}};
  cases[OpKind::MaxPool] = {pool, {map}};
  cases[OpKind::AvgPool] = {pool, {map}};
  cases[OpKind::GlobalAvgPool] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Resize] = {ir::ResizeAttrs{ir::ResizeMode::Bilinear, 34, 9, true}, {map}};
  cases[OpKind::Pad] = {ir::PadAttrs{1, 2, 3, 4, -std::numeric_limits<double>::infinity()}, {map}};
  cases[OpKind::Flatten] = {ir::FlattenAttrs{2}, {map}};
  cases[OpKind::Reshape] = {ir::ReshapeAttrs{{0, -1, 17}}, {map}};
  cases[OpKind::Softmax] = {ir::SoftmaxAttrs{-1}, {map}};
  ir::ConvTranspose2dAttrs deconv{12, 3, 5, 2, 3, 1, 2, 0, 1, 1, 2, 2, 1, 3, true};
  cases[OpKind::ConvTranspose2d] = {deconv, {map}};
  cases[OpKind::LeakyRelu] = {ir::LeakyReluAttrs{0.3}, {map}};
  cases[OpKind::Sub] = {ir::NoAttrs{}, {map, {1, 6, 1, 1}}};
  cases[OpKind::Div] = {ir::NoAttrs{}, {map, map}};
  cases[OpKind::GlobalMaxPool] = {ir::NoAttrs{}, {map}};
  cases[OpKind::Transpose] = {ir::TransposeAttrs{{0, 3, 1, 2}}, {map}};
  cases[OpKind::ChannelShuffle] = {ir::ChannelShuffleAttrs{3}, {map}};
  cases[OpKind::Slice] = {ir::SliceAttrs{-1, 2, 7}, {map}};
  return cases;
}

// A graph of the inputs of `c` followed by one node of `kind`.
ir::Graph single_op_graph(OpKind kind, const OpCase& c) {
  ir::Graph g(std::string(ir::op_name(kind)) + "_only");
  std::vector<ir::NodeId> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    auto id = g.add(OpKind::Input, ir::InputAttrs{c.inputs[i]}, {}, "in" + std::to_string(i));
    EXPECT_TRUE(id.ok());
    inputs.push_back(*id);
  }
  auto id = g.add(kind, c.attrs, inputs, "node");
  EXPECT_TRUE(id.ok()) << ir::op_name(kind) << ": " << (id.ok() ? "" : id.error().message);
  return g;
}

TEST(YamlFields, EveryOpHasACaseWithEveryFieldChanged) {
  auto cases = non_default_cases();
  for (OpKind kind : ir::all_op_kinds()) {
    ASSERT_TRUE(cases.count(kind)) << ir::op_name(kind);
    ir::Attrs defaults = ir::default_attrs(kind);
    for (const FieldSpec& f : op_fields(kind))
      EXPECT_NE(f.get(cases[kind].attrs), f.get(defaults)) << ir::op_name(kind) << "." << f.name;
  }
}

TEST(YamlFields, NonDefaultAttributesRoundTripAndAreWritten) {
  for (const auto& [kind, c] : non_default_cases()) {
    SCOPED_TRACE(std::string(ir::op_name(kind)));
    ir::Graph g = single_op_graph(kind, c);
    std::string text = to_yaml(g);
    for (const FieldSpec& f : op_fields(kind))
      EXPECT_NE(text.find("\n    " + std::string(f.name) + ": "), std::string::npos) << f.name << "\n"
                                                                                     << text;
    auto loaded = from_yaml(text);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << text;
    EXPECT_TRUE(*loaded == g) << text;
    EXPECT_EQ(to_yaml(*loaded), text);
  }
}

// Setting a field to the value read from attributes leaves them unchanged, for every field.
TEST(YamlFields, GetAndSetAreInverse) {
  for (const auto& [kind, c] : non_default_cases()) {
    ir::Attrs attrs = ir::default_attrs(kind);
    for (const FieldSpec& f : op_fields(kind)) f.set(attrs, f.get(c.attrs));
    EXPECT_EQ(attrs, c.attrs) << ir::op_name(kind);
  }
}

// Required fields are exactly those whose default the IR rejects.
TEST(YamlFields, RequiredFieldsHaveNoValidDefault) {
  std::vector<std::string> required;
  for (OpKind kind : ir::all_op_kinds())
    for (const FieldSpec& f : op_fields(kind))
      if (f.required) required.push_back(std::string(ir::op_name(kind)) + "." + std::string(f.name));
  EXPECT_EQ(required, (std::vector<std::string>{"input.shape", "conv2d.out_channels", "linear.out_features",
                                                "resize.size", "reshape.shape", "conv_transpose2d.out_channels",
                                                "transpose.perm", "channel_shuffle.groups", "slice.start",
                                                "slice.end"}));
}

TEST(YamlFields, DefaultsAreOmittedAndOmittedFieldsReadAsDefaults) {
  ir::Graph g("defaults");
  auto x = g.add(OpKind::Input, ir::InputAttrs{{1, 4, 8, 8}}, {}, "x");
  ir::Conv2dAttrs conv;
  conv.out_channels = 4;
  auto c = g.add(OpKind::Conv2d, conv, {*x}, "conv");
  auto p = g.add(OpKind::AvgPool, ir::PoolAttrs{}, {*c}, "pool");
  auto h = g.add(OpKind::HardSigmoid, ir::HardSigmoidAttrs{}, {*p}, "gate");
  ASSERT_TRUE(h.ok());
  std::string text = to_yaml(g);
  EXPECT_EQ(text,
            "# hwnas network, text format version 1 (docs/text-format.md)\n"
            "version: 1\n"
            "name: defaults\n"
            "nodes:\n"
            "  - name: x\n"
            "    op: input  # output [1, 4, 8, 8]\n"
            "    shape: [1, 4, 8, 8]\n"
            "  - name: conv\n"
            "    op: conv2d  # output [1, 4, 8, 8]\n"
            "    inputs: [x]\n"
            "    out_channels: 4\n"
            "  - name: pool\n"
            "    op: avg_pool  # output [1, 4, 4, 4]\n"
            "    inputs: [conv]\n"
            "  - name: gate\n"
            "    op: hard_sigmoid  # output [1, 4, 4, 4]\n"
            "    inputs: [pool]\n"
            "outputs: [gate]\n");
  // Without the optional top-level fields a file still loads: name "network", outputs the last node.
  auto minimal = from_yaml(
      "nodes:\n- {name: x, op: input, shape: [1, 4, 8, 8]}\n- {name: c, op: conv2d, inputs: [x], "
      "out_channels: 4}\n");
  ASSERT_TRUE(minimal.ok()) << minimal.error().message;
  EXPECT_EQ(minimal->name(), "network");
  EXPECT_EQ(minimal->node(1).attr<ir::Conv2dAttrs>(), conv);
  EXPECT_EQ(minimal->outputs(), std::vector<ir::NodeId>{1});
}

TEST(YamlFields, ShortAndLongSpellingsOfPairsAndPaddings) {
  auto g = from_yaml(
      "name: spellings\n"
      "nodes:\n"
      "  - {name: x, op: input, shape: [1, 2, 20, 20]}\n"
      "  - {name: a, op: conv2d, inputs: [x], out_channels: 2, kernel: [3, 5], stride: 2, padding: [1, 2]}\n"
      "  - {name: b, op: conv2d, inputs: [x], out_channels: 2, kernel: 3, dilation: [2, 1], padding: [1, 2, "
      "3, 4]}\n"
      "  - {name: c, op: resize, inputs: [x], size: 40}\n"
      "  - {name: d, op: clip, inputs: [x], min: -1, max: +2.5e0}\n");
  ASSERT_TRUE(g.ok()) << g.error().message;
  const auto& a = g->node(1).attr<ir::Conv2dAttrs>();
  EXPECT_EQ(std::vector<int64_t>({a.kernel_h, a.kernel_w, a.stride_h, a.stride_w}),
            std::vector<int64_t>({3, 5, 2, 2}));
  EXPECT_EQ(std::vector<int64_t>({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right}),
            std::vector<int64_t>({1, 2, 1, 2}));
  const auto& b = g->node(2).attr<ir::Conv2dAttrs>();
  EXPECT_EQ(std::vector<int64_t>({b.dilation_h, b.dilation_w}), std::vector<int64_t>({2, 1}));
  EXPECT_EQ(std::vector<int64_t>({b.pad_top, b.pad_left, b.pad_bottom, b.pad_right}),
            std::vector<int64_t>({1, 2, 3, 4}));
  EXPECT_EQ(g->node(3).shape, (ir::Shape{1, 2, 40, 40}));
  EXPECT_EQ(g->node(4).attr<ir::ClipAttrs>(), (ir::ClipAttrs{-1.0, 2.5}));
  // Saved in the shortest spelling.
  std::string text = to_yaml(*g);
  EXPECT_NE(text.find("    kernel: [3, 5]\n    stride: 2\n    padding: [1, 2]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    padding: [1, 2, 3, 4]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    size: 40\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    min: -1.0\n    max: 2.5\n"), std::string::npos) << text;
}

TEST(YamlFields, DoublesAreWrittenExactly) {
  ir::Graph g("doubles");
  auto x = g.add(OpKind::Input, ir::InputAttrs{{1, 2, 3, 3}}, {}, "x");
  auto s = g.add(OpKind::HardSigmoid, ir::HardSigmoidAttrs{1.0 / 3.0, -0.0}, {*x}, "s");
  auto p = g.add(OpKind::Pad, ir::PadAttrs{0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()}, {*s}, "p");
  ASSERT_TRUE(p.ok());
  std::string text = to_yaml(g);
  EXPECT_NE(text.find("alpha: 0.3333333333333333\n"), std::string::npos) << text;
  EXPECT_NE(text.find("beta: -0.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("value: .nan\n"), std::string::npos) << text;
  auto loaded = from_yaml(text);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->node(1).attr<ir::HardSigmoidAttrs>().alpha, 1.0 / 3.0);
  EXPECT_TRUE(std::signbit(loaded->node(1).attr<ir::HardSigmoidAttrs>().beta));
  EXPECT_TRUE(std::isnan(loaded->node(2).attr<ir::PadAttrs>().value));
  EXPECT_EQ(to_yaml(*loaded), text);
}

std::string read_docs() {
  std::ifstream file(std::string(HWNAS_TEST_DATA) + "/../../docs/text-format.md");
  std::stringstream docs;
  docs << file.rdbuf();
  return docs.str();
}

// The worked example of docs/text-format.md loads and is written back exactly as printed there.
TEST(YamlFields, DocsWorkedExampleSavesBackIdentically) {
  std::string docs = read_docs();
  size_t begin = docs.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  std::string example = docs.substr(begin, docs.find("```", begin) - begin);
  auto graph = from_yaml(example, "docs/text-format.md");
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ(graph->size(), 9u);
  EXPECT_EQ(to_yaml(*graph), example);
}

// docs/text-format.md documents every op and every field of the table.
TEST(YamlFields, DocsNameEveryOpAndField) {
  std::stringstream docs(read_docs());
  ASSERT_FALSE(docs.str().empty());
  for (OpKind kind : ir::all_op_kinds()) {
    std::string op = "`" + std::string(ir::op_name(kind)) + "`";
    size_t section = docs.str().find("### " + op);
    ASSERT_NE(section, std::string::npos) << "no section for " << op;
    size_t end = docs.str().find("### ", section + 4);
    std::string body =
        docs.str().substr(section, end == std::string::npos ? std::string::npos : end - section);
    for (const FieldSpec& f : op_fields(kind))
      EXPECT_NE(body.find("`" + std::string(f.name) + "`"), std::string::npos) << op << " lacks " << f.name;
  }
}

}  // namespace
}  // namespace hwnas::text
