// Rule files: strict YAML parsing with line numbers, and canonical writing.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "hwnas/expert/rules.h"

namespace hwnas::expert {
namespace {

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  Error at(const YAML::Node& node, const std::string& message) const {
    return Error{source_ + ":" + std::to_string(node.Mark().line + 1) + ": " + message};
  }
  Result<std::string> scalar(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return at(node, "'" + field + "' must be a string");
    return node.Scalar();
  }
  Result<Range> range(const YAML::Node& node, const std::string& field) const {
    auto integer = [&](const YAML::Node& n) -> Result<int64_t> {
      if (!n.IsScalar()) return at(n, "'" + field + "' must hold integers");
      try {
        return n.as<int64_t>();
      } catch (const YAML::Exception&) {
        return at(n, "'" + field + "': '" + n.Scalar() + "' is not an integer");
      }
    };
    Range r;
    if (node.IsScalar()) {
      auto v = integer(node);
      if (!v) return v.error();
      r = {*v, *v};
    } else if (node.IsSequence() && node.size() == 2) {
      auto lo = integer(node[0]), hi = integer(node[1]);
      if (!lo) return lo.error();
      if (!hi) return hi.error();
      r = {*lo, *hi};
    } else {
      return at(node, "'" + field + "' must be an integer or [min, max]");
    }
    if (r.min > r.max) return at(node, "'" + field + "': min " + std::to_string(r.min) + " is above max " +
                                           std::to_string(r.max));
    return r;
  }
  // The map's keys, each once and from `allowed`.
  Status fields(const YAML::Node& map, const std::string& what, const std::vector<std::string>& allowed) const {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) return at(entry.first, what + ": a field name must be a string");
      std::string key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (const std::string& a : allowed) known += (known.empty() ? "" : ", ") + a;
        return at(entry.first, "unknown field '" + key + "' in " + what + " (fields: " + known + ")");
      }
      if (!seen.insert(key).second) return at(entry.first, "field '" + key + "' given twice in " + what);
    }
    return {};
  }

 private:
  std::string source_;
};

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string range_text(const Range& r) { return "[" + std::to_string(r.min) + ", " + std::to_string(r.max) + "]"; }

Result<Rule> parse_rule(const Reader& reader, const YAML::Node& node, size_t index) {
  std::string what = "rule " + std::to_string(index + 1);
  if (!node.IsMap()) return reader.at(node, what + " must be a map");
  if (Status s = reader.fields(node, what, {"pattern", "params", "where", "note"}); !s) return s.error();
  Rule rule;
  if (!node["pattern"]) return reader.at(node, what + " needs 'pattern'");
  auto pattern = reader.scalar(node["pattern"], "pattern");
  if (!pattern) return pattern.error();
  rule.pattern = *pattern;
  if (const YAML::Node params = node["params"]) {
    if (!params.IsMap()) return reader.at(params, what + ": 'params' must be a map");
    std::set<std::string> seen;
    for (const auto& p : params) {
      auto value = reader.scalar(p.second, "params." + p.first.Scalar());
      if (!value) return value.error();
      if (!seen.insert(p.first.Scalar()).second)
        return reader.at(p.first, "field '" + p.first.Scalar() + "' given twice in " + what + " params");
      rule.params.set(p.first.Scalar(), *value);
    }
  }
  auto made = make_pattern(rule.pattern, rule.params);
  if (!made) return reader.at(node["pattern"], what + ": " + made.error().message);
  if (const YAML::Node where = node["where"]) {
    if (!where.IsMap()) return reader.at(where, what + ": 'where' must be a map");
    std::vector<std::string> keys;
    for (const RuleWhere::Field& f : RuleWhere::kFields) keys.push_back(f.key);
    if (Status s = reader.fields(where, what + " where", keys); !s) return s.error();
    for (const RuleWhere::Field& f : RuleWhere::kFields) {
      if (!where[f.key]) continue;
      auto r = reader.range(where[f.key], f.key);
      if (!r) return r.error();
      if (f.range == &RuleWhere::downsample && r->min < 1)
        return reader.at(where[f.key], "'downsample' is input height / resolution: 1 or more, not " +
                                           std::to_string(r->min));
      rule.where.*f.range = *r;
    }
    if ((*made)->whole_model() && rule.where.restricts())
      return reader.at(where, what + ": pattern '" + rule.pattern + "' with these params takes the whole model; "
                              "a 'where' cannot restrict it");
  }
  if (const YAML::Node note = node["note"]) {
    auto text = reader.scalar(note, "note");
    if (!text) return text.error();
    rule.note = *text;
  }
  return rule;
}

}  // namespace

Result<RuleFile> parse_rules(const std::string& text, const std::string& source_name) {
  Reader reader(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Error{source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (!root.IsMap()) return Error{source_name + ": a rule file is a YAML map (see docs/expert.md)"};
  try {
    if (Status s = reader.fields(root, "the rule file", {"version", "description", "source", "rules"}); !s)
      return s.error();
    RuleFile file;
    if (const YAML::Node version = root["version"]) {
      if (!version.IsScalar() || version.Scalar() != "1") return reader.at(version, "version must be 1");
    }
    if (const YAML::Node d = root["description"]) {
      auto s = reader.scalar(d, "description");
      if (!s) return s.error();
      file.description = *s;
    }
    if (const YAML::Node d = root["source"]) {
      auto s = reader.scalar(d, "source");
      if (!s) return s.error();
      file.source = *s;
    }
    const YAML::Node rules = root["rules"];
    if (!rules) return Error{source_name + ": the rule file needs 'rules'"};
    if (!rules.IsSequence()) return reader.at(rules, "'rules' must be a list");
    for (size_t i = 0; i < rules.size(); ++i) {
      auto rule = parse_rule(reader, rules[i], i);
      if (!rule) return rule.error();
      file.rules.push_back(std::move(*rule));
    }
    return file;
  } catch (const YAML::Exception& e) {
    return Error{source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Result<RuleFile> load_rules(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot read the rule file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_rules(text.str(), path);
}

std::string rules_to_yaml(const RuleFile& file) {
  std::string out = "# hwnas expert rules, format version 1 (docs/expert.md)\nversion: 1\n";
  if (!file.description.empty()) out += "description: " + quoted(file.description) + "\n";
  if (!file.source.empty()) out += "source: " + quoted(file.source) + "\n";
  if (file.rules.empty()) return out + "rules: []\n";
  out += "rules:\n";
  for (const Rule& rule : file.rules) {
    out += "  - pattern: " + rule.pattern + "\n";
    if (!rule.params.entries().empty()) {
      out += "    params: {";
      bool first = true;
      for (const auto& [k, v] : rule.params.entries()) {
        out += (first ? "" : ", ") + k + ": " + quoted(v);
        first = false;
      }
      out += "}\n";
    }
    std::string where;
    for (const RuleWhere::Field& f : RuleWhere::kFields)
      if (const std::optional<Range>& r = rule.where.*f.range)
        where += (where.empty() ? "" : ", ") + std::string(f.key) + ": " + range_text(*r);
    if (!where.empty()) out += "    where: {" + where + "}\n";
    if (!rule.note.empty()) out += "    note: " + quoted(rule.note) + "\n";
  }
  return out;
}

Status save_rules(const RuleFile& rules, const std::string& path) {
  std::ofstream out(path);
  if (!out) return Error{path + ": cannot write the rule file"};
  out << rules_to_yaml(rules);
  if (!out) return Error{path + ": write failed"};
  return {};
}

}  // namespace hwnas::expert
