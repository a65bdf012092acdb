// StrictYaml: field readers for hand-written YAML whose errors name the file, line and field.
#include "hwnas/text/strict_yaml.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hwnas::text {

Result<YAML::Node> load_yaml_text(std::string_view text, const std::string& source) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{source + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg};
  }
}

Error StrictYaml::error_at(const YAML::Node& node, const std::string& field, const std::string& message) const {
  std::string where = source_;
  if (node.IsDefined() && node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
  return Error{where + ": " + (field.empty() ? "" : field + ": ") + message};
}

std::string StrictYaml::join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Status StrictYaml::check_fields(const YAML::Node& map, const std::string& path,
                                const std::vector<std::string>& allowed) const {
  if (!map.IsMap()) return error_at(map, path, "expected a map");
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) return error_at(entry.first, path, "field names must be plain words");
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return error_at(entry.first, join(path, key),
                      "unknown field" + did_you_mean(key, allowed) + " (fields: " + join_words(allowed) + ")");
  }
  return {};
}

Result<double> StrictYaml::number(const YAML::Node& node, const std::string& field) const {
  if (!node.IsScalar()) return error_at(node, field, "expected a number");
  const std::string& written = node.Scalar();
  char* end = nullptr;
  const double value = std::strtod(written.c_str(), &end);
  if (written.empty() || end != written.c_str() + written.size() || !std::isfinite(value))
    return error_at(node, field, "'" + written + "' is not a number");
  return value;
}

Result<int64_t> StrictYaml::integer(const YAML::Node& node, const std::string& field, double max_magnitude) const {
  auto value = number(node, field);
  if (!value) return value.error();
  // Whole doubles above 2^53 are not exact; the cap also keeps the cast inside int64.
  constexpr double kExactLimit = 9e15;
  if (*value != std::floor(*value) || std::fabs(*value) > std::min(max_magnitude, kExactLimit))
    return error_at(node, field, "'" + node.Scalar() + "' is not an integer");
  return static_cast<int64_t>(*value);
}

Result<std::string> StrictYaml::text(const YAML::Node& node, const std::string& field) const {
  if (!node.IsScalar()) return error_at(node, field, "expected a string");
  return node.Scalar();
}

}  // namespace hwnas::text
