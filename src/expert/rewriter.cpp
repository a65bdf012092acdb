// Rewriter: checked, logged application of patterns, the diff a log shows, and replay.
#include "hwnas/expert/rewriter.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace hwnas::expert {
namespace {

std::string shape_text(const ir::Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.rank(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string describe_node(const ir::Graph& graph, const ir::Node& node) {
  std::string text = node.name + " " + std::string(ir::op_name(node.kind));
  if (node.kind == ir::OpKind::Conv2d) {
    const auto& a = node.attr<ir::Conv2dAttrs>();
    text += " " + std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w);
    if (a.groups > 1) text += " groups " + std::to_string(a.groups);
  }
  text += " " + (node.inputs.empty() ? std::string() : shape_text(graph.node(node.inputs[0]).shape) + " -> ") +
          shape_text(node.shape);
  return text;
}

bool same_node(const ir::Graph& a, const ir::Node& x, const ir::Graph& b, const ir::Node& y) {
  if (x.kind != y.kind || !(x.attrs == y.attrs) || x.shape != y.shape || x.inputs.size() != y.inputs.size())
    return false;
  for (size_t i = 0; i < x.inputs.size(); ++i)
    if (a.node(x.inputs[i]).name != b.node(y.inputs[i]).name) return false;
  return true;
}

Error at_line(const std::string& source, const YAML::Node& node, const std::string& message) {
  return Error{source + ":" + std::to_string(node.Mark().line + 1) + ": " + message};
}

}  // namespace

void diff_graphs(const ir::Graph& old_graph, const ir::Graph& new_graph, std::vector<std::string>& before,
                 std::vector<std::string>& after) {
  before.clear();
  after.clear();
  for (const ir::Node& node : old_graph.nodes()) {
    auto other = new_graph.find(node.name);
    if (!other || !same_node(old_graph, node, new_graph, new_graph.node(*other)))
      before.push_back(describe_node(old_graph, node));
  }
  for (const ir::Node& node : new_graph.nodes()) {
    auto other = old_graph.find(node.name);
    if (!other || !same_node(new_graph, node, old_graph, old_graph.node(*other)))
      after.push_back(describe_node(new_graph, node));
  }
}

uint64_t step_seed(uint64_t seed, size_t step) {
  uint64_t h = seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(step) + 1);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

Rewriter::Rewriter(ir::Graph graph, uint64_t seed) : graph_(std::move(graph)) {
  log_.model = graph_.name();
  log_.seed = seed;
}

Status Rewriter::apply(const Pattern& pattern, const std::string& location) {
  ir::NodeId anchor = ir::kNoNode;
  if (location != kWholeModel) {
    auto id = graph_.find(location);
    if (!id) return Error{"pattern '" + pattern.name() + "': no node named '" + location + "'"};
    anchor = *id;
  }
  auto match = pattern.match(graph_, anchor);
  if (!match) return match.error().within("pattern '" + pattern.name() + "' at '" + location + "'");
  return apply(pattern, *match);
}

Status Rewriter::apply(const Pattern& pattern, const Match& match) {
  std::string location = match.anchor == ir::kNoNode ? kWholeModel : graph_.node(match.anchor).name;
  auto rewritten = pattern.apply(graph_, match, step_seed(log_.seed, log_.records.size()));
  if (!rewritten) return rewritten.error().within("pattern '" + pattern.name() + "' at '" + location + "'");
  RewriteRecord record{pattern.name(), pattern.params(), location, {}, {}};
  diff_graphs(graph_, *rewritten, record.before, record.after);
  log_.records.push_back(std::move(record));
  graph_ = std::move(*rewritten);
  return {};
}

Result<ir::Graph> replay(const ir::Graph& original, const RewriteLog& log) {
  Rewriter rewriter(original, log.seed);
  for (size_t i = 0; i < log.records.size(); ++i) {
    const RewriteRecord& record = log.records[i];
    std::string step = "replay step " + std::to_string(i + 1);
    auto pattern = make_pattern(record.pattern, record.params);
    if (!pattern) return pattern.error().within(step);
    if (Status s = rewriter.apply(**pattern, record.location); !s) return s.error().within(step);
    const RewriteRecord& done = rewriter.log().records.back();
    if (done.before != record.before || done.after != record.after)
      return Error{step + " (" + record.pattern + " at '" + record.location +
                   "') changed other nodes than the log records: the model is not the one the log started from"};
  }
  return rewriter.graph();
}

std::string rewrite_log_to_yaml(const RewriteLog& log) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "model" << YAML::Value << log.model;
  out << YAML::Key << "seed" << YAML::Value << log.seed;
  out << YAML::Key << "rewrites" << YAML::Value << YAML::BeginSeq;
  for (const RewriteRecord& r : log.records) {
    out << YAML::BeginMap;
    out << YAML::Key << "pattern" << YAML::Value << r.pattern;
    out << YAML::Key << "params" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [k, v] : r.params.entries()) out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
    out << YAML::Key << "location" << YAML::Value << r.location;
    out << YAML::Key << "before" << YAML::Value << YAML::BeginSeq;
    for (const std::string& s : r.before) out << s;
    out << YAML::EndSeq;
    out << YAML::Key << "after" << YAML::Value << YAML::BeginSeq;
    for (const std::string& s : r.after) out << s;
    out << YAML::EndSeq;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string("# hwnas expert rewrite log (docs/expert.md)\n") + out.c_str() + "\n";
}

Result<RewriteLog> rewrite_log_from_yaml(const std::string& text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Error{source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (!root.IsMap()) return Error{source_name + ": a rewrite log is a YAML map"};
  RewriteLog log;
  try {
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      if (key == "version") {
        if (entry.second.as<int>() != 1) return at_line(source_name, entry.second, "version must be 1");
      } else if (key == "model") {
        log.model = entry.second.as<std::string>();
      } else if (key == "seed") {
        log.seed = entry.second.as<uint64_t>();
      } else if (key == "rewrites") {
        if (!entry.second.IsSequence()) return at_line(source_name, entry.second, "'rewrites' must be a list");
        for (const auto& item : entry.second) {
          if (!item.IsMap()) return at_line(source_name, item, "a rewrite must be a map");
          RewriteRecord record;
          for (const auto& field : item) {
            std::string name = field.first.as<std::string>();
            if (name == "pattern") {
              record.pattern = field.second.as<std::string>();
            } else if (name == "location") {
              record.location = field.second.as<std::string>();
            } else if (name == "params") {
              if (!field.second.IsMap()) return at_line(source_name, field.second, "'params' must be a map");
              for (const auto& p : field.second) record.params.set(p.first.as<std::string>(), p.second.as<std::string>());
            } else if (name == "before" || name == "after") {
              if (!field.second.IsSequence()) return at_line(source_name, field.second, "'" + name + "' must be a list");
              auto& list = name == "before" ? record.before : record.after;
              for (const auto& s : field.second) list.push_back(s.as<std::string>());
            } else {
              return at_line(source_name, field.first, "unknown field '" + name + "' in a rewrite");
            }
          }
          if (record.pattern.empty()) return at_line(source_name, item, "a rewrite needs 'pattern'");
          if (record.location.empty()) return at_line(source_name, item, "a rewrite needs 'location'");
          log.records.push_back(std::move(record));
        }
      } else {
        return at_line(source_name, entry.first, "unknown field '" + key + "'");
      }
    }
  } catch (const YAML::Exception& e) {
    return Error{source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  return log;
}

}  // namespace hwnas::expert
