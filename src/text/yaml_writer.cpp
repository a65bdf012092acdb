// Writes an ir::Graph as the YAML text format (docs/text-format.md): to_yaml and save_yaml.
#include <fstream>

#include "hwnas/text/op_fields.h"
#include "hwnas/text/yaml_format.h"
#include "scalar_text.h"
#include "weights_base64.h"

namespace hwnas::text {
namespace {

// Characters of base64 per line of a weights block.
constexpr size_t kBase64LineWidth = 76;

std::string flow_list(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

// The shortest spelling of a field value: pairs and paddings collapse when their entries agree.
std::string format_value(const FieldSpec& field, const FieldValue& value) {
  switch (field.kind) {
    case FieldKind::Int:
      return std::to_string(std::get<int64_t>(value));
    case FieldKind::Bool:
      return std::get<bool>(value) ? "true" : "false";
    case FieldKind::Double:
      return detail::format_double(std::get<double>(value));
    case FieldKind::Pair: {
      const auto& v = std::get<std::vector<int64_t>>(value);
      return v[0] == v[1] ? std::to_string(v[0]) : flow_list(v);
    }
    case FieldKind::Padding: {
      const auto& v = std::get<std::vector<int64_t>>(value);  // top, left, bottom, right
      if (v[0] == v[1] && v[0] == v[2] && v[0] == v[3]) return std::to_string(v[0]);
      if (v[0] == v[2] && v[1] == v[3]) return flow_list({v[0], v[1]});
      return flow_list(v);
    }
    case FieldKind::Dims:
      return flow_list(std::get<std::vector<int64_t>>(value));
    case FieldKind::Mode:
      return detail::format_string(std::get<std::string>(value));
  }
  return "";
}

std::string name_list(const ir::Graph& graph, const std::vector<ir::NodeId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i)
    out += (i ? ", " : "") + detail::format_string(graph.node(ids[i]).name);
  return out + "]";
}

void write_params(const ir::Node& node, std::string& out) {
  bool any = false;
  for (const ir::Param& p : node.params) any = any || !p.data.empty();
  if (!any) return;
  out += "    params:\n";
  for (const ir::Param& p : node.params) {
    if (p.data.empty()) continue;
    out += "      " + detail::format_string(p.role) + ": !!binary |  # float32 " + flow_list(p.shape.dims) +
           "\n";
    std::string base64 = detail::encode_floats(p.data);
    for (size_t i = 0; i < base64.size(); i += kBase64LineWidth) {
      out += "        ";
      out.append(base64, i, kBase64LineWidth);
      out += '\n';
    }
  }
}

void write_node(const ir::Graph& graph, const ir::Node& node, std::string& out) {
  out += "  - name: " + detail::format_string(node.name) + "\n";
  out += "    op: " + std::string(ir::op_name(node.kind)) + "  # output " + flow_list(node.shape.dims) + "\n";
  if (!node.inputs.empty()) out += "    inputs: " + name_list(graph, node.inputs) + "\n";
  // Graph::add rejects attributes of the wrong type, so the check only keeps std::get from throwing.
  if (ir::attrs_match(node.kind, node.attrs)) {
    ir::Attrs defaults = ir::default_attrs(node.kind);
    for (const FieldSpec& field : op_fields(node.kind)) {
      FieldValue value = field.get(node.attrs);
      if (!field.required && value == field.get(defaults)) continue;
      out += "    " + std::string(field.name) + ": " + format_value(field, value) + "\n";
    }
  }
  if (node.precision) out += "    precision: " + std::string(ir::precision_name(*node.precision)) + "\n";
  write_params(node, out);
}

}  // namespace

std::string to_yaml(const ir::Graph& graph) {
  std::string out = "# hwnas network, text format version 1 (docs/text-format.md)\n";
  out += "version: 1\n";
  out += "name: " + detail::format_string(graph.name()) + "\n";
  out += graph.empty() ? "nodes: []\n" : "nodes:\n";
  for (const ir::Node& node : graph.nodes()) write_node(graph, node, out);
  if (!graph.empty()) out += "outputs: " + name_list(graph, graph.outputs()) + "\n";
  return out;
}

Status save_yaml(const ir::Graph& graph, const std::string& path) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Error{"cannot open '" + path + "' for writing"};
  std::string text = to_yaml(graph);
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.close();
  if (!file) return Error{"cannot write '" + path + "'"};
  return {};
}

}  // namespace hwnas::text
