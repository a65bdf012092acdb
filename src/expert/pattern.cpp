// The pattern registry: names, parameters and the generic anchor search.
#include "hwnas/expert/pattern.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace hwnas::expert {

void PatternParams::set(const std::string& key, const std::string& value) {
  for (auto& [k, v] : entries_)
    if (k == key) {
      v = value;
      return;
    }
  entries_.emplace_back(key, value);
}

bool PatternParams::has(const std::string& key) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
}

std::string PatternParams::get(const std::string& key, const std::string& fallback) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return v;
  return fallback;
}

std::string PatternParams::to_string() const {
  std::string text;
  for (const auto& [k, v] : entries_) text += (text.empty() ? "" : ",") + k + "=" + v;
  return text;
}

Result<PatternParams> PatternParams::parse(const std::string& text) {
  PatternParams params;
  std::stringstream stream(text);
  std::string entry;
  while (std::getline(stream, entry, ',')) {
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
      return Error{"pattern parameter '" + entry + "' is not key=value"};
    params.set(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return params;
}

std::vector<ir::NodeId> Pattern::anchors(const ir::Graph& graph) const {
  if (whole_model()) return {ir::kNoNode};
  std::vector<ir::NodeId> ids;
  for (const ir::Node& node : graph.nodes()) ids.push_back(node.id);
  return ids;
}

std::vector<Match> find_matches(const Pattern& pattern, const ir::Graph& graph) {
  std::vector<Match> matches;
  for (ir::NodeId anchor : pattern.anchors(graph)) {
    auto match = pattern.match(graph, anchor);
    if (match) matches.push_back(*match);
  }
  return matches;
}

const std::vector<std::string>& pattern_names() {
  static const std::vector<std::string> names = {
      "ibn_to_fused_ibn", "fused_ibn_to_ibn", "depthwise_pointwise_to_conv", "align_channels",
      "even_channels",    "depth_multiplier", "remove_squeeze_excite",       "add_squeeze_excite",
      "drop_block",       "scale_channels"};
  return names;
}

Result<std::unique_ptr<Pattern>> make_pattern(const std::string& name, const PatternParams& params) {
  if (name == "ibn_to_fused_ibn") return make_ibn_to_fused_ibn(params);
  if (name == "fused_ibn_to_ibn") return make_fused_ibn_to_ibn(params);
  if (name == "depthwise_pointwise_to_conv") return make_depthwise_pointwise_to_conv(params);
  if (name == "align_channels") return make_align_channels(params);
  if (name == "even_channels") return make_even_channels(params);
  if (name == "depth_multiplier") return make_depth_multiplier(params);
  if (name == "remove_squeeze_excite") return make_remove_squeeze_excite(params);
  if (name == "add_squeeze_excite") return make_add_squeeze_excite(params);
  if (name == "drop_block") return make_drop_block(params);
  if (name == "scale_channels") return make_scale_channels(params);
  std::string known;
  for (const std::string& n : pattern_names()) known += (known.empty() ? "" : ", ") + n;
  return Error{"unknown pattern '" + name + "' (known: " + known + ")"};
}

Status check_param_keys(const std::string& pattern, const PatternParams& params,
                        const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : params.entries()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (const std::string& a : allowed) known += (known.empty() ? "" : ", ") + a;
    return Error{"pattern '" + pattern + "': unknown parameter '" + key + "'" +
                 (known.empty() ? " (it takes none)" : " (it takes " + known + ")")};
  }
  return {};
}

Result<int64_t> int_param(const std::string& pattern, const PatternParams& params, const std::string& key,
                          int64_t fallback, int64_t min_value) {
  if (!params.has(key)) return fallback;
  std::string text = params.get(key);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min_value)
    return Error{"pattern '" + pattern + "': parameter '" + key + "' must be an integer >= " +
                 std::to_string(min_value) + ", not '" + text + "'"};
  return value;
}

Result<double> double_param(const std::string& pattern, const PatternParams& params, const std::string& key,
                            double fallback, double min_exclusive, double max_inclusive) {
  if (!params.has(key)) return fallback;
  std::string text = params.get(key);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > min_exclusive) || value > max_inclusive) {
    std::ostringstream range;
    range << "in (" << min_exclusive << ", " << max_inclusive << "]";
    return Error{"pattern '" + pattern + "': parameter '" + key + "' must be a number " + range.str() +
                 ", not '" + text + "'"};
  }
  return value;
}

}  // namespace hwnas::expert
