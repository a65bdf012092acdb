// The must-reject suite of the text format: every file under tests/data/text/reject/ fails to load
// with a message that names the file, the line and what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "hwnas/text/yaml_format.h"

namespace hwnas::text {
namespace {

const std::string kRejectDir = std::string(HWNAS_TEST_DATA) + "/text/reject/";

struct RejectCase {
  const char* file;
  int line;              // the line the message points at; 0 when the file has no line to blame
  const char* fragment;  // a part of the message that says what is wrong
};

const RejectCase kCases[] = {
    {"syntax_error.yaml", 7, "malformed YAML"},
    {"bad_indentation.yaml", 6, "malformed YAML"},
    {"unknown_op.yaml", 8, "node 'stem': unknown op 'conv2'; did you mean 'conv2d'?"},
    {"unknown_op_far.yaml", 5, "unknown op 'attention_block' (known ops: input, conv2d,"},
    {"field_typo.yaml", 11, "node 'stem' (conv2d): unknown field 'kernal'; did you mean 'kernel'?"},
    {"field_of_other_op.yaml", 10,
     "unknown field 'out_features' (a field of linear; conv2d takes name, op, inputs, out_channels,"},
    {"missing_field.yaml", 7, "node 'stem' (conv2d): missing required field 'out_channels'"},
    {"missing_op.yaml", 4, "node 'image': missing required field 'op'"},
    {"missing_inputs.yaml", 7, "node 'act' (relu): missing required field 'inputs'"},
    {"missing_nodes.yaml", 2, "missing required field 'nodes'"},
    {"wrong_type.yaml", 10, "field 'out_channels': expected an integer, got 'sixteen'"},
    {"wrong_type_quoted.yaml", 10, "field 'out_channels': expected an integer, got the string '16'"},
    {"wrong_type_float.yaml", 11, "field 'kernel': expected an integer, got '3.5'"},
    {"wrong_type_bool.yaml", 11, "field 'bias': expected true or false, got 'maybe'"},
    {"wrong_type_list.yaml", 6, "field 'shape': expected a list of integers, got a map"},
    {"wrong_pair_length.yaml", 11, "field 'kernel': expected an integer or a list [h, w], got a list of 3"},
    {"negative_kernel.yaml", 7, "node 'stem' (conv2d): kernel sizes must be positive"},
    {"negative_size.yaml", 7, "node 'up' (resize): resize output size must be positive"},
    {"negative_input_dim.yaml", 4, "node 'image' (input): input shape [1x-3x32x32] has a non-positive dim"},
    {"groups_mismatch.yaml", 7, "node 'dw' (conv2d): input has 24 channels, not divisible by groups=7"},
    {"rank_mismatch.yaml", 7, "node 'fc' (linear): linear expects a rank-2 input"},
    {"dangling_input.yaml", 9,
     "node 'act' (relu): input 'imgae' names no earlier node; did you mean 'image'?"},
    {"input_defined_later.yaml", 9, "input 'act' names no earlier node (it is defined later, at line 10;"},
    {"duplicate_name.yaml", 10, "node name 'act' is already used by the node at line 7"},
    {"duplicate_field.yaml", 12, "node 'stem': field 'kernel' is given twice (first at line 11)"},
    {"bad_weights_length.yaml", 12, "param 'weight': holds 3 float32 values, its shape [2, 1, 1, 1] needs 2"},
    {"bad_weights_base64.yaml", 12, "param 'weight': not valid base64: unexpected character"},
    {"bad_weights_bytes.yaml", 12, "param 'weight': not a whole number of float32 values: 6 bytes"},
    {"unknown_param.yaml", 12, "unknown param 'wieght'; did you mean 'weight'?"},
    {"param_of_no_bias.yaml", 12, "unknown param 'bias' (this node has weight)"},
    {"empty.yaml", 0, "empty document"},
    {"comments_only.yaml", 0, "empty document"},
    {"empty_nodes.yaml", 3, "field 'nodes': a network needs at least one node"},
    {"not_a_map.yaml", 2, "expected a network (a map with 'name', 'nodes' and 'outputs'), got a list"},
    {"unknown_top_field.yaml", 3, "unknown field 'node'; did you mean 'nodes'?"},
    {"two_documents.yaml", 7, "more than one YAML document"},
    {"stray_comma.yaml", 2, "malformed YAML: unexpected text"},
    {"not_utf8.yaml", 2, "malformed YAML: the text is not UTF-8 (byte 54)"},
    {"escaped_surrogate.yaml", 2, "malformed YAML: invalid unicode"},
    {"recursive_alias.yaml", 7, "malformed YAML: an alias refers to a node that contains it"},
    {"unsupported_version.yaml", 2, "unsupported text format version 2"},
    {"bad_output.yaml", 10, "output 'rellu' names no node; did you mean 'relu'?"},
    {"bad_resize_mode.yaml", 10, "field 'mode': unknown value 'bilinar'; did you mean 'bilinear'?"},
    {"int_out_of_range.yaml", 6, "99999999999 is out of range"},
    {"huge_tensor.yaml", 4, "has more than 4294967296 elements, the limit of the text format"},
    {"null_name.yaml", 4, "node #1: field 'name' has no value"},
    {"clip_min_above_max.yaml", 7, "node 'clamp' (clip): clip min must not exceed max"},
};

TEST(YamlReject, EveryCaseFailsWithFileLineAndReason) {
  for (const RejectCase& c : kCases) {
    SCOPED_TRACE(c.file);
    const std::string path = kRejectDir + c.file;
    ASSERT_TRUE(std::filesystem::exists(path));
    auto graph = load_yaml(path);
    ASSERT_FALSE(graph.ok()) << "loaded a graph of " << graph->size() << " nodes";
    const std::string& message = graph.error().message;
    std::string where = path + ":" + (c.line > 0 ? std::to_string(c.line) + ":" : "");
    EXPECT_EQ(message.rfind(where, 0), 0u) << message;
    EXPECT_NE(message.find(c.fragment), std::string::npos) << message;
  }
}

// Every file in the reject directory is in the table, so no must-reject input goes unchecked.
TEST(YamlReject, TableCoversTheDirectory) {
  std::set<std::string> listed;
  for (const RejectCase& c : kCases) EXPECT_TRUE(listed.insert(c.file).second) << "listed twice: " << c.file;
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(kRejectDir))
    on_disk.insert(entry.path().filename().string());
  EXPECT_EQ(listed, on_disk);
}

// The same inputs given as text name the caller's source instead of a path.
TEST(YamlReject, SourceNameIsUsedForText) {
  auto graph = from_yaml("name: x\nnodes:\n  - name: a\n    op: input\n    shape: [1, 0]\n", "inline.yaml");
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.error().message.rfind("inline.yaml:3:5: node 'a' (input):", 0), 0u)
      << graph.error().message;
}

// Anchors and aliases are YAML: a shape written once may be used again.
TEST(YamlReject, AliasesOfCompleteNodesAreAccepted) {
  auto graph = from_yaml(
      "nodes:\n"
      "  - {name: a, op: input, shape: &shape [1, 2, 3, 3]}\n"
      "  - {name: b, op: input, shape: *shape}\n"
      "  - &node {name: c, op: add, inputs: [a, b]}\n"
      "  - *node\n");
  ASSERT_FALSE(graph.ok());
  // An alias keeps the position of its anchor, so the message points at the node it repeats.
  EXPECT_NE(graph.error().message.find("node 'c' (add): node name 'c' is already used by the node at line 4"),
            std::string::npos)
      << graph.error().message;
  auto ok =
      from_yaml("nodes:\n  - {name: a, op: input, shape: &s [1, 2]}\n  - {name: b, op: input, shape: *s}\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->node(1).shape, (ir::Shape{1, 2}));
}

TEST(YamlReject, MissingFileNamesThePath) {
  auto graph = load_yaml(kRejectDir + "no_such_file.yaml");
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.error().message.find("no_such_file.yaml"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::text
