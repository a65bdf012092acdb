// Reads the YAML text format (docs/text-format.md) into an ir::Graph: from_yaml and load_yaml.
//
// Every failure is an Error naming the source, line and column, the node and the field; nothing
// thrown by yaml-cpp or the standard library escapes. The YAML is read into detail::YamlNode
// trees (yaml_tree.h), not YAML::Node, to bound yaml-cpp on malformed input.
#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "hwnas/text/op_fields.h"
#include "hwnas/text/yaml_format.h"
#include "scalar_text.h"
#include "hwnas/text/strict_yaml.h"
#include "weights_base64.h"
#include "yaml_tree.h"

namespace hwnas::text {
namespace {

// Integers in a file are at most 32-bit in magnitude, and no tensor (activation or weight) has
// more than 2^32 elements: real networks are far below both, and the bounds keep every shape
// computation downstream clear of int64 overflow.
constexpr int64_t kMaxIntMagnitude = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxTensorElements = int64_t{1} << 32;

const std::string kYamlStrTag = "tag:yaml.org,2002:str";

using detail::YamlNode;

// One key: value pair of a YAML map, with the key's own node for its position.
struct Entry {
  std::string key;
  const YamlNode* key_node;
  const YamlNode* value;
};

std::string what_it_is(const YamlNode* n) {
  switch (n->kind) {
    case YamlNode::Kind::Null:
      return "nothing";
    case YamlNode::Kind::Sequence:
      return "a list";
    case YamlNode::Kind::Map:
      return "a map";
    case YamlNode::Kind::Scalar: {
      const std::string& s = n->scalar;
      return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
    }
  }
  return "something else";
}

// A scalar written as a string ("16" or !!str 16), which is not a number or a boolean.
bool is_string_scalar(const YamlNode* n) { return n->tag == "!" || n->tag == kYamlStrTag; }

// Product of dims, or nullopt when it exceeds kMaxTensorElements or a dim is not positive.
std::optional<int64_t> bounded_numel(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d <= 0 || d > kMaxTensorElements) return std::nullopt;
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxTensorElements) return std::nullopt;
  }
  return n;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? ", " : "") + words[i];
  return out;
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Result<ir::Graph> read(std::string_view text) {
    try {
      return read_document(text);
    } catch (const std::bad_alloc&) {
      return Error{source_ + ": out of memory while reading the network"};
    } catch (const std::exception& e) {
      return Error{source_ + ": internal error while reading the network: " + e.what()};
    }
  }

 private:
  std::string source_;
  std::vector<int> node_lines_;             // the 1-based line of each node read so far
  std::map<std::string, int> later_names_;  // every node name in the file -> its line

  Error at(int line, int column, const std::string& message) const {
    if (line < 0) return Error{source_ + ": " + message};
    return Error{source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
                 message};
  }
  Error at(const YamlNode* n, const std::string& message) const { return at(n->line, n->column, message); }

  // The pairs of a map, in order; keys must be scalars and appear once.
  Result<std::vector<Entry>> entries(const YamlNode* map, const std::string& context) const {
    std::vector<Entry> out;
    std::unordered_map<std::string, int> first_line;
    for (const auto& [key, value] : map->pairs) {
      if (!key->is_scalar()) return at(key, context + "field names must be words, got " + what_it_is(key));
      auto [earlier, fresh] = first_line.emplace(key->scalar, key->line + 1);
      if (!fresh)
        return at(key, context + "field '" + key->scalar + "' is given twice (first at line " +
                           std::to_string(earlier->second) + ")");
      if (value->is_null()) return at(key, context + "field '" + key->scalar + "' has no value");
      out.push_back({key->scalar, key, value});
    }
    return out;
  }

  static const Entry* find(const std::vector<Entry>& fields, std::string_view key) {
    for (const Entry& e : fields)
      if (e.key == key) return &e;
    return nullptr;
  }

  Result<std::string> word(const YamlNode* v, const std::string& what) const {
    if (!v->is_scalar()) return at(v, what + ": expected a name, got " + what_it_is(v));
    if (v->scalar.empty()) return at(v, what + " is empty");
    return v->scalar;
  }

  Result<int64_t> integer(const YamlNode* v, const std::string& what) const {
    if (!v->is_scalar() || is_string_scalar(v))
      return at(v,
                what + ": expected an integer, got " + (v->is_scalar() ? "the string " : "") + what_it_is(v));
    auto value = detail::parse_int(v->scalar);
    if (!value) return at(v, what + ": " + value.error().message);
    if (*value > kMaxIntMagnitude || *value < -kMaxIntMagnitude)
      return at(v, what + ": " + v->scalar + " is out of range (magnitude at most " +
                       std::to_string(kMaxIntMagnitude) + ")");
    return value;
  }

  Result<std::vector<int64_t>> integers(const YamlNode* v, const std::string& what) const {
    if (!v->is_sequence()) return at(v, what + ": expected a list of integers, got " + what_it_is(v));
    std::vector<int64_t> out;
    for (const YamlNode* element : v->items) {
      auto value = integer(element, what);
      if (!value) return value.error();
      out.push_back(*value);
    }
    return out;
  }

  Result<FieldValue> field_value(const FieldSpec& field, const YamlNode* v, const std::string& what) const {
    auto scalar_only = [&](const char* expected) -> std::optional<Error> {
      if (!v->is_scalar() || is_string_scalar(v))
        return at(v, what + ": expected " + expected + ", got " + (v->is_scalar() ? "the string " : "") +
                         what_it_is(v));
      return std::nullopt;
    };
    switch (field.kind) {
      case FieldKind::Int: {
        auto value = integer(v, what);
        if (!value) return value.error();
        return FieldValue{*value};
      }
      case FieldKind::Bool: {
        if (auto e = scalar_only("true or false")) return *e;
        auto value = detail::parse_bool(v->scalar);
        if (!value) return at(v, what + ": " + value.error().message);
        return FieldValue{*value};
      }
      case FieldKind::Double: {
        if (auto e = scalar_only("a number")) return *e;
        auto value = detail::parse_double(v->scalar);
        if (!value) return at(v, what + ": " + value.error().message);
        return FieldValue{*value};
      }
      case FieldKind::Pair:
      case FieldKind::Padding: {
        bool pair = field.kind == FieldKind::Pair;
        const char* expected = pair ? "an integer or a list [h, w]"
                                    : "an integer, a list [h, w] or a list [top, left, bottom, right]";
        if (v->is_scalar()) {
          auto value = integer(v, what);
          if (!value) return value.error();
          return FieldValue{std::vector<int64_t>(pair ? 2 : 4, *value)};
        }
        size_t count = v->items.size();
        if (!v->is_sequence() || !(count == 2 || (!pair && count == 4)))
          return at(v, what + ": expected " + expected + ", got " +
                           (v->is_sequence() ? "a list of " + std::to_string(count) : what_it_is(v)));
        auto values = integers(v, what);
        if (!values) return values.error();
        if (!pair && values->size() == 2)
          values = std::vector<int64_t>{(*values)[0], (*values)[1], (*values)[0], (*values)[1]};
        return FieldValue{*values};
      }
      case FieldKind::Dims: {
        auto values = integers(v, what);
        if (!values) return values.error();
        return FieldValue{*values};
      }
      case FieldKind::Mode: {
        if (!v->is_scalar())
          return at(v, what + ": expected one of " + join({field.words.begin(), field.words.end()}) +
                           ", got " + what_it_is(v));
        std::vector<std::string> words(field.words.begin(), field.words.end());
        for (const std::string& w : words)
          if (w == v->scalar) return FieldValue{w};
        return at(v, what + ": unknown value '" + v->scalar + "'" + did_you_mean(v->scalar, words) +
                         " (one of " + join(words) + ")");
      }
    }
    return at(v, what + ": unknown field kind");
  }

  Result<ir::Graph> read_document(std::string_view text) {
    if (size_t bad = detail::first_invalid_utf8(text); bad != std::string_view::npos) {
      std::string_view before = text.substr(0, bad);
      auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
      size_t line_start = before.rfind('\n');
      auto column = static_cast<int>(line_start == std::string_view::npos ? bad : bad - line_start - 1);
      return at(line, column, "malformed YAML: the text is not UTF-8 (byte " + std::to_string(bad) + ")");
    }
    auto parsed = detail::parse_yaml_document(text);
    if (auto* failure = std::get_if<detail::YamlParseError>(&parsed))
      return at(failure->line, failure->column, failure->message);
    const YamlNode* root = std::get<detail::YamlDocument>(parsed).root;
    if (root == nullptr || root->is_null())
      return Error{source_ + ": empty document: expected a network with 'name', 'nodes' and 'outputs'"};
    if (!root->is_map())
      return at(root,
                "expected a network (a map with 'name', 'nodes' and 'outputs'), got " + what_it_is(root));
    auto fields = entries(root, "");
    if (!fields) return fields.error();
    const std::vector<std::string> top_keys = {"version", "name", "nodes", "outputs"};
    for (const Entry& e : *fields)
      if (std::find(top_keys.begin(), top_keys.end(), e.key) == top_keys.end())
        return at(e.key_node, "unknown field '" + e.key + "'" + did_you_mean(e.key, top_keys) +
                                  " (a network has " + join(top_keys) + ")");

    if (const Entry* version = find(*fields, "version")) {
      auto v = integer(version->value, "field 'version'");
      if (!v) return v.error();
      if (*v != 1)
        return at(version->value,
                  "unsupported text format version " + std::to_string(*v) + "; this hwnas reads version 1");
    }
    ir::Graph graph;
    if (const Entry* name = find(*fields, "name")) {
      if (!name->value->is_scalar())
        return at(name->value, "field 'name': expected a name, got " + what_it_is(name->value));
      graph.set_name(name->value->scalar);
    }
    const Entry* nodes = find(*fields, "nodes");
    if (!nodes) return at(root, "missing required field 'nodes'");
    if (!nodes->value->is_sequence())
      return at(nodes->value, "field 'nodes': expected a list of nodes, got " + what_it_is(nodes->value));
    if (nodes->value->items.empty())
      return at(nodes->value, "field 'nodes': a network needs at least one node");

    collect_names(nodes->value);
    size_t index = 0;
    for (const YamlNode* item : nodes->value->items) {
      if (Status s = read_node(item, index++, graph); !s) return s.error();
    }

    if (const Entry* outputs = find(*fields, "outputs")) {
      if (Status s = read_outputs(outputs->value, graph); !s) return s.error();
    }
    return graph;
  }

  // Remembers where every node name is defined, to explain an input that names a later node.
  void collect_names(const YamlNode* nodes) {
    for (const YamlNode* item : nodes->items)
      for (const auto& [key, value] : item->pairs)
        if (key->is_scalar() && key->scalar == "name" && value->is_scalar())
          later_names_.emplace(value->scalar, value->line + 1);
  }

  // "a field of linear; " when `key` is a field of other ops, else "".
  static std::string owners_of(const std::string& key) {
    std::vector<std::string> owners;
    for (ir::OpKind k : ir::all_op_kinds())
      for (const FieldSpec& f : op_fields(k))
        if (f.name == key) owners.emplace_back(ir::op_name(k));
    return owners.empty() ? "" : "a field of " + join(owners) + "; ";
  }

  std::vector<std::string> node_names(const ir::Graph& graph) const {
    std::vector<std::string> names;
    names.reserve(graph.size());
    for (const ir::Node& n : graph.nodes()) names.push_back(n.name);
    return names;
  }

  // The node's name for messages, read before its fields are checked: "node 'stem': " or "node #3: ".
  static std::string node_context(const YamlNode* item, size_t index) {
    for (const auto& [key, value] : item->pairs)
      if (key->is_scalar() && key->scalar == "name" && value->is_scalar() && !value->scalar.empty())
        return "node '" + value->scalar + "': ";
    return "node #" + std::to_string(index + 1) + ": ";
  }

  Status read_node(const YamlNode* item, size_t index, ir::Graph& graph) {
    std::string context = "node #" + std::to_string(index + 1) + ": ";
    if (!item->is_map())
      return at(item, context + "expected a map with 'name', 'op' and fields, got " + what_it_is(item));
    auto fields = entries(item, node_context(item, index));
    if (!fields) return fields.error();

    const Entry* name_entry = find(*fields, "name");
    if (!name_entry) return at(item, context + "missing required field 'name'");
    auto name = word(name_entry->value, context + "field 'name'");
    if (!name) return name.error();
    context = "node '" + *name + "': ";

    const Entry* op_entry = find(*fields, "op");
    if (!op_entry) return at(item, context + "missing required field 'op'");
    auto op = word(op_entry->value, context + "field 'op'");
    if (!op) return op.error();
    auto kind = ir::op_from_name(*op);
    if (!kind) {
      std::vector<std::string> ops;
      for (ir::OpKind k : ir::all_op_kinds()) ops.emplace_back(ir::op_name(k));
      std::string hint = did_you_mean(*op, ops);
      return at(op_entry->value, context + "unknown op '" + *op + "'" +
                                     (hint.empty() ? " (known ops: " + join(ops) + ")" : hint));
    }
    context = "node '" + *name + "' (" + *op + "): ";

    const std::vector<FieldSpec>& specs = op_fields(*kind);
    std::vector<std::string> allowed = {"name", "op"};
    if (*kind != ir::OpKind::Input) allowed.emplace_back("inputs");
    for (const FieldSpec& f : specs) allowed.emplace_back(f.name);
    allowed.emplace_back("precision");
    allowed.emplace_back("params");
    for (const Entry& e : *fields)
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
        std::string hint = did_you_mean(e.key, allowed);
        if (hint.empty()) hint = " (" + owners_of(e.key) + *op + " takes " + join(allowed) + ")";
        return at(e.key_node, context + "unknown field '" + e.key + "'" + hint);
      }

    std::vector<ir::NodeId> inputs;
    if (*kind != ir::OpKind::Input) {
      const Entry* inputs_entry = find(*fields, "inputs");
      if (!inputs_entry) return at(item, context + "missing required field 'inputs'");
      auto ids = read_inputs(inputs_entry->value, graph, context);
      if (!ids) return ids.error();
      inputs = std::move(*ids);
    }

    ir::Attrs attrs = ir::default_attrs(*kind);
    for (const FieldSpec& f : specs) {
      const Entry* e = find(*fields, f.name);
      if (!e) {
        if (f.required) return at(item, context + "missing required field '" + std::string(f.name) + "'");
        continue;
      }
      auto value = field_value(f, e->value, context + "field '" + std::string(f.name) + "'");
      if (!value) return value.error();
      f.set(attrs, *value);
    }
    if (*kind == ir::OpKind::Reshape && !inputs.empty()) {
      if (Status s = check_reshape_size(std::get<ir::ReshapeAttrs>(attrs), graph.node(inputs[0]).shape, item,
                                        context);
          !s)
        return s;
    }

    if (auto earlier = graph.find(*name))
      return at(name_entry->value, context + "node name '" + *name +
                                       "' is already used by the node at line " +
                                       std::to_string(node_lines_[static_cast<size_t>(*earlier)]));
    auto id = graph.add(*kind, std::move(attrs), std::move(inputs), *name);
    if (!id) return at(item, id.error().message);
    node_lines_.push_back(item->line + 1);
    if (const Entry* p = find(*fields, "precision")) {  // mixed precision: the layer's own
      auto text = word(p->value, context + "field 'precision'");
      if (!text) return text.error();
      auto precision = ir::precision_from_name(*text);
      if (!precision)
        return at(p->value, context + "field 'precision': unknown precision '" + *text + "' (int8, int16, fp16, fp32)");
      graph.set_precision(*id, *precision);
    }

    const ir::Node& node = graph.node(*id);
    if (!bounded_numel(node.shape.dims))
      return at(item, context + "output shape " + dims_text(node.shape.dims) + " has more than " +
                          std::to_string(kMaxTensorElements) + " elements, the limit of the text format");
    for (const ir::Param& p : node.params)
      if (!bounded_numel(p.shape.dims))
        return at(item, context + "param '" + p.role + "' of shape " + dims_text(p.shape.dims) +
                            " has more than " + std::to_string(kMaxTensorElements) +
                            " elements, the limit of the text format");

    if (const Entry* params = find(*fields, "params")) return read_params(params->value, graph, *id, context);
    return {};
  }

  Result<std::vector<ir::NodeId>> read_inputs(const YamlNode* v, const ir::Graph& graph,
                                              const std::string& context) const {
    if (!v->is_sequence())
      return at(v, context + "field 'inputs': expected a list of node names, got " + what_it_is(v));
    std::vector<ir::NodeId> ids;
    for (const YamlNode* element : v->items) {
      auto input = word(element, context + "field 'inputs'");
      if (!input) return input.error();
      auto id = graph.find(*input);
      if (!id) {
        std::string message = context + "input '" + *input + "' names no earlier node";
        auto later = later_names_.find(*input);
        if (later != later_names_.end())
          message += " (it is defined later, at line " + std::to_string(later->second) +
                     "; a node must come after its inputs)";
        else
          message += did_you_mean(*input, node_names(graph));
        return at(element, message);
      }
      ids.push_back(*id);
    }
    return ids;
  }

  // The IR multiplies the target dims of a reshape; keep that product within the element limit.
  Status check_reshape_size(const ir::ReshapeAttrs& a, const ir::Shape& input, const YamlNode* item,
                            const std::string& context) const {
    std::vector<int64_t> known;
    for (size_t i = 0; i < a.shape.size(); ++i) {
      int64_t d = a.shape[i];
      if (d == 0 && i < input.rank()) known.push_back(input[i]);
      if (d > 0) known.push_back(d);
    }
    if (!bounded_numel(known))
      return at(item, context + "reshape target " + dims_text(a.shape) + " has more than " +
                          std::to_string(kMaxTensorElements) + " elements, the limit of the text format");
    return {};
  }

  Status read_params(const YamlNode* v, ir::Graph& graph, ir::NodeId id, const std::string& context) const {
    if (!v->is_map())
      return at(v,
                context + "field 'params': expected a map from param to base64 data, got " + what_it_is(v));
    auto fields = entries(v, context + "params: ");
    if (!fields) return fields.error();
    const ir::Node& node = graph.node(id);
    std::vector<std::string> roles;
    for (const ir::Param& p : node.params) roles.push_back(p.role);
    for (const Entry& e : *fields) {
      auto role = std::find(roles.begin(), roles.end(), e.key);
      if (role == roles.end()) {
        std::string hint = did_you_mean(e.key, roles);
        std::string known =
            roles.empty() ? " (this node has no params)" : " (this node has " + join(roles) + ")";
        return at(e.key_node, context + "unknown param '" + e.key + "'" + (hint.empty() ? known : hint));
      }
      std::string what = context + "param '" + e.key + "'";
      if (!e.value->is_scalar())
        return at(e.value, what + ": expected base64 float32 data, got " + what_it_is(e.value));
      auto values = detail::decode_floats(e.value->scalar);
      if (!values) return at(e.value, what + ": " + values.error().message);
      auto index = static_cast<size_t>(role - roles.begin());
      const ir::Param& param = node.params[index];
      auto expected = static_cast<size_t>(param.shape.numel());  // bounded by read_node
      if (values->size() != expected)
        return at(e.value, what + ": holds " + std::to_string(values->size()) +
                               " float32 values, its shape " + dims_text(param.shape.dims) + " needs " +
                               std::to_string(expected));
      graph.param(id, index).data = std::move(*values);
    }
    return {};
  }

  Status read_outputs(const YamlNode* v, ir::Graph& graph) const {
    if (!v->is_sequence())
      return at(v, "field 'outputs': expected a list of node names, got " + what_it_is(v));
    if (v->items.empty()) return at(v, "field 'outputs': a network needs at least one output");
    std::vector<ir::NodeId> ids;
    for (const YamlNode* element : v->items) {
      auto output = word(element, "field 'outputs'");
      if (!output) return output.error();
      auto id = graph.find(*output);
      if (!id)
        return at(element, "output '" + *output + "' names no node" +
                               did_you_mean(*output, node_names(graph)));
      ids.push_back(*id);
    }
    if (Status s = graph.set_outputs(std::move(ids)); !s) return at(v, s.error().message);
    return {};
  }
};

}  // namespace

Result<ir::Graph> from_yaml(std::string_view text, std::string_view source_name) {
  return Reader(source_name).read(text);
}

Result<ir::Graph> load_yaml(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{"cannot open '" + path + "'"};
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return Error{"cannot read '" + path + "'"};
  return from_yaml(contents.str(), path);
}

}  // namespace hwnas::text
